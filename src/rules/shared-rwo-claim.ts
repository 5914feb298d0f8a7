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
          messages.push(fromPolicies.has(claimName)
            ? at([...keys, 'volumes', i], `${path} mounts the volumeClaimPolicies claim '${claimName}' (${modes.join(', ')}) from up to ${ref.concurrentPods} pods at once.`,
              'Set accessModes: [ReadWriteMany] in its volumeClaimPolicies template, with a storage class that serves it (GKE Filestore standard-rwx, EFS efs-sc, Azure Files azurefile-csi).')
            : at([...keys, 'volumes', i], `${path} mounts claim '${claimName}' (${modes.join(', ')}) from up to ${ref.concurrentPods} pods at once.`));
        }
      });
    });
    return messages;
  },
};
