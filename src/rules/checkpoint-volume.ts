import { Rule } from './rule';
import { forEachPodSpec, mountsClaim, trainingReason } from './workloads';

/** A training workload whose pods mount no persistent volume has nowhere to keep checkpoints. */
export const checkpointVolume: Rule = {
  id: 'checkpoint-volume',
  rulebook: ['DESIGN preemption contract'],
  severity: 'warning',
  what: 'A training workload (a training kind, or pods that request accelerators or carry the cdk8s-training labels) mounts no PersistentVolumeClaim.',
  why: 'Without persistent checkpoints every preemption or node loss restarts training from scratch.',
  fix: 'Mount a checkpoint claim and pass its path to the trainer (CheckpointStorage in the constructs).',
  example: `kind: Job
spec:
  template:
    spec:
      volumes: []   # nowhere to keep checkpoints`,
  check(object) {
    const messages: string[] = [];
    // A plain batch Job (a migration, a report) needs no checkpoints.
    if (trainingReason(object, false) === undefined) return messages;
    forEachPodSpec(object, (podSpec, path, ref) => {
      if (!ref.initializer && !mountsClaim(podSpec)) messages.push(`${path} mounts no PersistentVolumeClaim for checkpoints.`);
    });
    return messages;
  },
};
