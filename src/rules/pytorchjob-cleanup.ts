import { at, Rule, RuleMessage } from './rule';
import { isOfKind } from '../k8s/workloads';
import { SOURCES } from '../knowledge/sources';

/** A PyTorchJob without TTL or clean-pod policy keeps GPU pods after the end. */
export const pytorchJobCleanup: Rule = {
  id: 'pytorchjob-cleanup',
  sources: [SOURCES.operatorCommon],
  kinds: ['PyTorchJob'],
  severity: 'warning',
  what: 'A PyTorchJob has no ttlSecondsAfterFinished, or cleanPodPolicy None (the default).',
  why: 'With cleanPodPolicy None, pods that still run when the job ends keep their GPUs; without a TTL the finished job stays forever.',
  fix: 'Set runPolicy.cleanPodPolicy Running and runPolicy.ttlSecondsAfterFinished.',
  example: `kind: PyTorchJob
spec:
  runPolicy: {}   # cleanPodPolicy defaults to None`,
  check(object) {
    if (!isOfKind(object, { group: 'kubeflow.org', kind: 'PyTorchJob' })) return [];
    const run = object.spec?.runPolicy ?? {};
    const messages: RuleMessage[] = [];
    if ((run.cleanPodPolicy ?? 'None') === 'None') messages.push(at(['spec', 'runPolicy', 'cleanPodPolicy'], 'runPolicy.cleanPodPolicy is None: running pods keep their GPUs after the job ends.'));
    if (run.ttlSecondsAfterFinished === undefined) messages.push(at(['spec', 'runPolicy', 'ttlSecondsAfterFinished'], 'runPolicy.ttlSecondsAfterFinished is not set.'));
    return messages;
  },
};
