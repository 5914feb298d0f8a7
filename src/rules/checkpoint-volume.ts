import { Rule } from './rule';
import { forEachPodSpec } from './workloads';

/** A training workload whose pods mount no persistent volume has nowhere to keep checkpoints. */
export const checkpointVolume: Rule = {
  id: 'checkpoint-volume',
  rulebook: ['DESIGN preemption contract'],
  severity: 'warning',
  what: 'A Job or training workload mounts no PersistentVolumeClaim.',
  why: 'Without persistent checkpoints every preemption or node loss restarts training from scratch.',
  fix: 'Mount a checkpoint claim and pass its path to the trainer (CheckpointStorage in the constructs).',
  example: `kind: Job
spec:
  template:
    spec:
      volumes: []   # nowhere to keep checkpoints`,
  check(object) {
    const messages: string[] = [];
    forEachPodSpec(object, (podSpec, path) => {
      const claims = new Set((podSpec?.volumes ?? []).filter((v: any) => v?.persistentVolumeClaim || v?.ephemeral).map((v: any) => v.name));
      const mounted = (podSpec?.containers ?? []).some((c: any) => (c?.volumeMounts ?? []).some((m: any) => claims.has(m?.name)));
      if (!mounted) messages.push(`${path} mounts no PersistentVolumeClaim for checkpoints.`);
    });
    return messages;
  },
};
