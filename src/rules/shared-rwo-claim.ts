import { at, Rule, RuleMessage, WORKLOADS } from './rule';
import { jobSetSpecOf, volumeClaimTemplates } from '../k8s/workloads';
import { SOURCES } from '../knowledge/sources';

/** A ReadWriteOnce claim mounted by a workload that runs several pods at once. */
export const sharedRwoClaim: Rule = {
  id: 'shared-rwo-claim',
  sources: ['https://kubernetes.io/docs/concepts/storage/persistent-volumes/#access-modes', SOURCES.coreValidation],
  kinds: [WORKLOADS],
  readsOtherObjects: true,
  severity: 'error',
  what: 'A workload that runs several pods at once mounts a claim that is not ReadWriteMany (its own, or one a JobSet or Trainer runtime creates from volumeClaimPolicies).',
  why: 'A ReadWriteOnce volume attaches to one node: the other pods hang in ContainerCreating with a Multi-Attach error.',
  fix: 'Use a ReadWriteMany claim (GKE Filestore standard-rwx, EFS efs-sc, Azure Files azurefile-csi) for shared checkpoints.',
  example: `kind: Job
spec:
  parallelism: 4
  template: {spec: {volumes: [{name: ckpt, persistentVolumeClaim: {claimName: rwo-claim}}]}}`,
  check(object, context) {
    const messages: RuleMessage[] = [];
    // Claims the JobSet controller creates from volumeClaimPolicies: fixed in their template.
    const fromPolicies = new Set(volumeClaimTemplates(jobSetSpecOf(object)).map((t: any) => t?.metadata?.name));
    context.workloads.forEachPodSpec(object, (podSpec, path, ref, keys) => {
      if (ref.concurrentPods <= 1) return;
      (Array.isArray(podSpec?.volumes) ? podSpec.volumes : []).forEach((volume: any, i: number) => {
        const claimName = volume?.persistentVolumeClaim?.claimName;
        if (claimName === undefined || volume.persistentVolumeClaim.readOnly) return;
        const modes = context.claimAccessModes(claimName);
        if (modes && !modes.includes('ReadWriteMany')) {
          const what = fromPolicies.has(claimName) ? `the volumeClaimPolicies claim '${claimName}'` : `claim '${claimName}'`;
          const consequence = modes.includes('ReadWriteOnce')
            ? 'a pod the scheduler places on another node than the first hangs in ContainerCreating (Multi-Attach error)'
            : modes.includes('ReadWriteOncePod') ? 'only one pod at a time can use it: the others stay Pending' : 'a ReadOnlyMany volume cannot be written';
          messages.push(at([...keys, 'volumes', i], `${path} mounts ${what} (${modes.join(', ')}) from up to ${ref.concurrentPods} pods at once: ${consequence}.`,
            fromPolicies.has(claimName)
              ? 'Set accessModes: [ReadWriteMany] in its volumeClaimPolicies template, with a storage class that serves it (GKE Filestore standard-rwx, EFS efs-sc, Azure Files azurefile-csi).'
              : undefined));
        }
      });
    });
    return messages;
  },
};
