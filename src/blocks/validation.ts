/**
 * Checks of prop values shared by every construct: each names the prop, the value and the fix.
 */
import { Duration } from 'cdk8s';
import { invalid } from './errors';
import { humanDuration } from '../k8s/duration';
import { isDnsLabel } from '../k8s/syntax';

/** Rejects a negative or zero duration with the prop's name and an example that fits the prop. */
export function positiveSeconds(prop: string, duration: Duration, example: string): number {
  const seconds = duration.toSeconds({ integral: false });
  if (!(seconds > 0) || !Number.isInteger(seconds)) {
    throw invalid(prop, `${prop} (${humanDuration(duration)}) must be a positive whole number of seconds; e.g. ${example}.`);
  }
  return seconds;
}

/**
 * Rejects a workload name that is not a DNS-1123 label or is longer than the kind allows.
 * @param why what breaks when the name is too long, e.g. "the job-name label of its pods"
 */
export function checkWorkloadName(name: string, maxLength: number, kind: string, why: string): void {
  if (name.length > maxLength) {
    throw invalid('name',
      `name ('${name}') has ${name.length} characters; a ${kind} name longer than ${maxLength} breaks ${why}. ` +
      `Shorten it, or use ExperimentName.of(base, params, { maxLength: ${maxLength} }).`,
    );
  }
  if (!isDnsLabel(name)) {
    throw invalid('name', `name ('${name}') must be a DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit.`);
  }
}

/** Rejects a negative or fractional duration (zero allowed, e.g. a TTL) with the prop's name. */
export function nonNegativeSeconds(prop: string, duration: Duration): number {
  const seconds = duration.toSeconds({ integral: false });
  if (!Number.isInteger(seconds) || seconds < 0) {
    throw invalid(prop, `${prop} (${humanDuration(duration)}) must be zero or a positive whole number of seconds.`);
  }
  return seconds;
}

/** Rejects a negative or fractional count with the prop's name. */
export function nonNegativeInteger(prop: string, value: number, hint: string): number {
  if (!Number.isInteger(value) || value < 0) {
    throw invalid(prop, `${prop} (${value}) must be a whole number of at least 0; ${hint}.`);
  }
  return value;
}
