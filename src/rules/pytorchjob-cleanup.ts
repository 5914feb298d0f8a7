import { at, Rule, RuleMessage } from './rule';
import { isOfKind } from '../k8s/workloads';
import { SOURCES } from '../knowledge/sources';
import { requestsAccelerator } from '../knowledge/training';

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
    const policy = run.cleanPodPolicy ?? 'None';
    // The operator deletes no pod of a finished job under None (common/job.go DeletePodsAndServices):
    // a worker still running when the Master succeeded, or the rest after one failed, keeps running.
    const gpus = Object.values<any>(object.spec?.pytorchReplicaSpecs ?? {}).some((replica) => requestsAccelerator(replica?.template?.spec));
    const written = run.cleanPodPolicy === undefined ? ' (the operator\'s default)' : '';
    const held = `pods still running when the job ends (workers after the Master succeeded, the rest after one failed) keep running and hold their ${gpus ? 'GPUs' : 'nodes\' CPU and memory'} until deleted`;
    const stays = 'the finished PyTorchJob and its pods stay until someone deletes them';
    if (policy === 'None' && run.ttlSecondsAfterFinished === undefined) {
      // Neither set: one change to runPolicy, one finding.
      messages.push(at(['spec', 'runPolicy'], `runPolicy.cleanPodPolicy is None${written} and runPolicy.ttlSecondsAfterFinished is not set: ${held}, and ${stays}.`));
    } else if (policy === 'None') {
      messages.push(at(['spec', 'runPolicy', 'cleanPodPolicy'], `runPolicy.cleanPodPolicy is None${written}: ${held}.`));
    } else if (run.ttlSecondsAfterFinished === undefined) {
      messages.push(at(['spec', 'runPolicy', 'ttlSecondsAfterFinished'], `runPolicy.ttlSecondsAfterFinished is not set: ${stays}.`));
    }
    return messages;
  },
};
