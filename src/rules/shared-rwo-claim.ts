import { Rule } from './rule';
import { forEachPodSpec } from './workloads';

/** RULEBOOK V2: a ReadWriteOnce claim mounted by a workload that runs several pods at once. */
export const sharedRwoClaim: Rule = {
  id: 'shared-rwo-claim',
  rulebook: ['V2', 'V3'],
  severity: 'error',
  what: 'A workload that runs several pods at once mounts a claim that is not ReadWriteMany.',
  why: 'A ReadWriteOnce volume attaches to one node: the other pods hang in ContainerCreating with a Multi-Attach error.',
  fix: 'Use a ReadWriteMany claim (GKE Filestore standard-rwx, EFS efs-sc, Azure Files azurefile-csi) for shared checkpoints.',
  example: `kind: Job
spec:
  parallelism: 4
  template: {spec: {volumes: [{name: ckpt, persistentVolumeClaim: {claimName: rwo-claim}}]}}`,
  check(object, context) {
    const messages: string[] = [];
    forEachPodSpec(object, (podSpec, path, ref) => {
      if (ref.concurrentPods <= 1) return;
      for (const volume of podSpec?.volumes ?? []) {
        const claimName = volume?.persistentVolumeClaim?.claimName;
        if (claimName === undefined || volume.persistentVolumeClaim.readOnly) continue;
        const modes = context.claimAccessModes(claimName);
        if (modes && !modes.includes('ReadWriteMany')) {
          messages.push(`${path} mounts claim '${claimName}' (${modes.join(', ')}) from up to ${ref.concurrentPods} pods at once.`);
        }
      }
    });
    return messages;
  },
};
