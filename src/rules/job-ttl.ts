import { at, Rule } from './rule';
import { jobSpecOf } from '../k8s/workloads';
import { SOURCES } from '../knowledge/sources';
import { trainingReason } from '../knowledge/training';

/** A finished training Job without ttlSecondsAfterFinished stays forever. */
export const jobTtl: Rule = {
  id: 'job-ttl',
  sources: [SOURCES.ttlController],
  kinds: ['Job'],
  severity: 'warning',
  what: 'A training Job has no ttlSecondsAfterFinished.',
  why: 'Finished Jobs and their pods stay until deleted by hand, and a Job name cannot be reused while one exists.',
  fix: 'Set ttlSecondsAfterFinished (the constructs default to 24 hours).',
  example: `kind: Job
spec: {backoffLimit: 2}   # no ttlSecondsAfterFinished`,
  check(object, context) {
    // Finished training Jobs hold their pods' records and logs forever; other Jobs are their owners' to clean.
    if (object?.kind !== 'Job' || trainingReason(context.workloads, object) === undefined) return [];
    return jobSpecOf(object)?.ttlSecondsAfterFinished === undefined ? [at(['spec', 'ttlSecondsAfterFinished'],
      'spec.ttlSecondsAfterFinished is not set: the finished Job and its pods stay until someone deletes them, and no Job of the same name can be created until then.')] : [];
  },
};
