import { isPyTorchJob } from './pytorchjob';
import { Rule } from './rule';

/** A PyTorchJob without TTL or clean-pod policy keeps GPU pods after the end. */
export const pytorchJobCleanup: Rule = {
  id: 'pytorchjob-cleanup',
  rulebook: ['K5'],
  severity: 'warning',
  what: 'A PyTorchJob has no ttlSecondsAfterFinished, or cleanPodPolicy None (the default).',
  why: 'With cleanPodPolicy None, pods that still run when the job ends keep their GPUs; without a TTL the finished job stays forever.',
  fix: 'Set runPolicy.cleanPodPolicy Running and runPolicy.ttlSecondsAfterFinished.',
  example: `kind: PyTorchJob
spec:
  runPolicy: {}   # cleanPodPolicy defaults to None`,
  check(object) {
    if (!isPyTorchJob(object)) return [];
    const run = object.spec?.runPolicy ?? {};
    const messages: string[] = [];
    if ((run.cleanPodPolicy ?? 'None') === 'None') messages.push('runPolicy.cleanPodPolicy is None: running pods keep their GPUs after the job ends.');
    if (run.ttlSecondsAfterFinished === undefined) messages.push('runPolicy.ttlSecondsAfterFinished is not set.');
    return messages;
  },
};
