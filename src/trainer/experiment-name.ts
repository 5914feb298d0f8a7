import { createHash } from 'crypto';
import { isDnsLabel } from '../rules/k8s-syntax';

/**
 * Options for `ExperimentName.of`.
 */
export interface ExperimentNameOptions {
  /**
   * The longest name the target kind allows: 63 for a Job, 52 for a CronJob, less for an
   * Indexed Job or a PyTorchJob whose pod names add a suffix.
   * @default 63
   */
  readonly maxLength?: number;
}

const HASH_LENGTH = 8;

/**
 * DNS-safe, length-safe names for experiments.
 *
 * `ExperimentName.of('fraud-transformer', { lr: '3e-4', bs: 256, epoch: 50 })` gives
 * `fraud-transformer-lr3e4-bs256-epoch50`. A name over the limit is cut and ends in a hash
 * of the full name, so it stays unique and stable across synths.
 */
export class ExperimentName {
  /**
   * A DNS-1123 label from a base name and experiment parameters, in the order given.
   * @param base the model or experiment name, e.g. `fraud-transformer`
   * @param params parameter names and values; `.` becomes `p`, other characters outside
   *   `[a-z0-9]` are dropped
   */
  public static of(base: string, params: { [key: string]: any } = {}, options: ExperimentNameOptions = {}): string {
    const parts = [slug(base, true)];
    for (const [key, value] of Object.entries(params)) {
      parts.push(`${slug(key, false)}${slug(String(value), false)}`);
    }
    const name = parts.filter((part) => part.length > 0).join('-');
    if (name.length === 0) {
      throw new Error(`ExperimentName.of: '${base}' with the given params leaves no usable characters; use letters and digits.`);
    }
    return ExperimentName.fit(name, options.maxLength ?? 63);
  }

  /**
   * `name` if it is at most `maxLength` characters, otherwise its first characters plus a
   * stable 8-character hash of the whole name.
   */
  public static fit(name: string, maxLength: number): string {
    if (!Number.isInteger(maxLength) || maxLength < HASH_LENGTH + 2) {
      throw new Error(`ExperimentName.fit: maxLength (${maxLength}) must be a whole number of at least ${HASH_LENGTH + 2}.`);
    }
    if (name.length <= maxLength) {
      return name;
    }
    const hash = createHash('sha256').update(name).digest('hex').slice(0, HASH_LENGTH);
    const head = name.slice(0, maxLength - HASH_LENGTH - 1).replace(/[-.]+$/, '');
    return `${head}-${hash}`;
  }

  /**
   * Whether `name` is a DNS-1123 label: lower-case alphanumerics and `-`, at most 63.
   */
  public static isDnsLabel(name: string): boolean {
    return isDnsLabel(name);
  }

  private constructor() {}
}

function slug(text: string, keepDashes: boolean): string {
  const lowered = text.toLowerCase().replace(/\./g, 'p');
  const cleaned = keepDashes
    ? lowered.replace(/[^a-z0-9-]+/g, '-').replace(/-+/g, '-')
    : lowered.replace(/[^a-z0-9]+/g, '');
  return cleaned.replace(/^-+|-+$/g, '');
}
