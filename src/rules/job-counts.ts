import { at, Rule, RuleMessage } from './rule';
import { jobSpecKeys, jobSpecOf } from '../k8s/workloads';
import { SOURCES } from '../knowledge/sources';

const NON_NEGATIVE = ['parallelism', 'completions', 'backoffLimit', 'ttlSecondsAfterFinished', 'backoffLimitPerIndex', 'maxFailedIndexes'];

/** Counts are whole and non-negative; activeDeadlineSeconds is positive. */
export const jobCounts: Rule = {
  id: 'job-counts',
  sources: [SOURCES.batchValidation],
  kinds: ['Job', 'CronJob'],
  severity: 'error',
  refusedBy: 'the apiserver',
  what: 'A Job count is negative or fractional, or activeDeadlineSeconds is not positive.',
  why: 'The apiserver rejects negative counts; activeDeadlineSeconds 0 passes it but kills the Job at once.',
  fix: 'Use whole numbers >= 0 for counts and a positive activeDeadlineSeconds.',
  example: `kind: Job
spec:
  activeDeadlineSeconds: 0   # kills the Job at once`,
  check(object) {
    const spec = jobSpecOf(object);
    if (!spec) return [];
    const base = jobSpecKeys(object);
    const messages: RuleMessage[] = [];
    for (const field of NON_NEGATIVE) {
      const value = spec[field];
      if (value !== undefined && (!Number.isInteger(value) || value < 0)) {
        messages.push(at([...base, field], `${field} (${value}) must be a whole number >= 0.`));
      }
    }
    const deadline = spec.activeDeadlineSeconds;
    if (deadline !== undefined && (!Number.isInteger(deadline) || deadline <= 0)) {
      messages.push(at([...base, 'activeDeadlineSeconds'], `activeDeadlineSeconds (${deadline}) must be a whole number > 0.`));
    }
    if (spec.completionMode === 'Indexed' && spec.completions === undefined) {
      messages.push(at([...base, 'completionMode'], 'completionMode Indexed requires completions.'));
    }
    if (spec.completionMode === 'Indexed' && (spec.parallelism ?? 1) > 100000) {
      messages.push(at([...base, 'parallelism'], `parallelism (${spec.parallelism}) of an Indexed Job must be at most 100000.`));
    }
    return messages;
  },
};
