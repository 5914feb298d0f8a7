import { Rule } from './rule';
import { jobSpecOf } from './workloads';

/** A finished training Job without ttlSecondsAfterFinished stays forever. */
export const jobTtl: Rule = {
  id: 'job-ttl',
  rulebook: ['J2'],
  severity: 'warning',
  what: 'A Job has no ttlSecondsAfterFinished.',
  why: 'Finished Jobs and their pods stay until deleted by hand, and a Job name cannot be reused while one exists.',
  fix: 'Set ttlSecondsAfterFinished (the constructs default to 24 hours).',
  example: `kind: Job
spec: {backoffLimit: 2}   # no ttlSecondsAfterFinished`,
  check(object) {
    if (object?.kind !== 'Job') return [];
    return jobSpecOf(object)?.ttlSecondsAfterFinished === undefined ? ['spec.ttlSecondsAfterFinished is not set.'] : [];
  },
};
