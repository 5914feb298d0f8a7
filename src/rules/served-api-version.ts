import { EVERY_OBJECT, Rule } from './rule';

const MIGRATION_GUIDE = 'https://kubernetes.io/docs/reference/using-api/deprecation-guide/';

/** A group/version of a kind that Kubernetes stopped serving, and what serves it instead. */
interface Removed {
  readonly apiVersion: string;
  /** The kinds of that version, or undefined for every kind in it. */
  readonly kinds?: readonly string[];
  /** The first minor that does not serve it. */
  readonly removedIn: number;
  readonly use: string;
}

/** From the Kubernetes deprecated API migration guide: the versions removed from 1.16 to 1.27. */
const REMOVED: readonly Removed[] = [
  { apiVersion: 'batch/v1beta1', kinds: ['CronJob'], removedIn: 25, use: 'batch/v1 (the same fields)' },
  { apiVersion: 'batch/v2alpha1', kinds: ['CronJob'], removedIn: 21, use: 'batch/v1 (the same fields)' },
  { apiVersion: 'extensions/v1beta1', kinds: ['Ingress'], removedIn: 22, use: 'networking.k8s.io/v1' },
  { apiVersion: 'extensions/v1beta1', kinds: ['NetworkPolicy'], removedIn: 16, use: 'networking.k8s.io/v1' },
  { apiVersion: 'extensions/v1beta1', kinds: ['PodSecurityPolicy'], removedIn: 16, use: 'Pod Security admission (namespace labels)' },
  { apiVersion: 'extensions/v1beta1', removedIn: 16, use: 'apps/v1' },
  { apiVersion: 'apps/v1beta1', removedIn: 16, use: 'apps/v1' },
  { apiVersion: 'apps/v1beta2', removedIn: 16, use: 'apps/v1' },
  { apiVersion: 'policy/v1beta1', kinds: ['PodDisruptionBudget'], removedIn: 25, use: 'policy/v1 (an empty selector now selects every pod)' },
  { apiVersion: 'policy/v1beta1', kinds: ['PodSecurityPolicy'], removedIn: 25, use: 'Pod Security admission (namespace labels)' },
  { apiVersion: 'scheduling.k8s.io/v1beta1', removedIn: 22, use: 'scheduling.k8s.io/v1' },
  { apiVersion: 'scheduling.k8s.io/v1alpha1', removedIn: 22, use: 'scheduling.k8s.io/v1' },
  { apiVersion: 'networking.k8s.io/v1beta1', kinds: ['Ingress', 'IngressClass'], removedIn: 22, use: 'networking.k8s.io/v1' },
  { apiVersion: 'rbac.authorization.k8s.io/v1beta1', removedIn: 22, use: 'rbac.authorization.k8s.io/v1' },
  { apiVersion: 'storage.k8s.io/v1beta1', kinds: ['CSIStorageCapacity'], removedIn: 27, use: 'storage.k8s.io/v1' },
  { apiVersion: 'storage.k8s.io/v1beta1', kinds: ['CSIDriver', 'CSINode', 'StorageClass', 'VolumeAttachment'], removedIn: 22, use: 'storage.k8s.io/v1' },
  { apiVersion: 'autoscaling/v2beta1', kinds: ['HorizontalPodAutoscaler'], removedIn: 25, use: 'autoscaling/v2' },
  { apiVersion: 'autoscaling/v2beta2', kinds: ['HorizontalPodAutoscaler'], removedIn: 26, use: 'autoscaling/v2' },
  { apiVersion: 'discovery.k8s.io/v1beta1', kinds: ['EndpointSlice'], removedIn: 25, use: 'discovery.k8s.io/v1' },
  { apiVersion: 'events.k8s.io/v1beta1', kinds: ['Event'], removedIn: 25, use: 'events.k8s.io/v1' },
];

/** The removal that applies to an object's apiVersion and kind, if any. */
export function removedVersion(apiVersion: unknown, kind: unknown): Removed | undefined {
  return REMOVED.find((r) => r.apiVersion === apiVersion && (r.kinds === undefined || r.kinds.includes(String(kind))));
}

/** An object of an API version the target Kubernetes no longer serves. */
export const servedApiVersion: Rule = {
  id: 'served-api-version',
  sources: [MIGRATION_GUIDE],
  kinds: [EVERY_OBJECT],
  severity: 'error',
  refusedBy: 'the apiserver, which does not serve that version',
  what: 'An object uses an API version the target Kubernetes no longer serves (a batch/v1beta1 CronJob on 1.25 or later).',
  why: 'kubectl apply fails with "no matches for kind": the scheduled retrain or the job never exists.',
  fix: 'Move the object to the version that serves it now (batch/v1 for a CronJob: the same fields).',
  example: `apiVersion: batch/v1beta1   # not served since 1.25
kind: CronJob`,
  check(object, context) {
    const removed = removedVersion(object?.apiVersion, object?.kind);
    if (removed === undefined || context.kubernetesMinor < removed.removedIn) return [];
    return [{
      path: ['apiVersion'],
      message: `${object.apiVersion} ${object.kind} is not served since Kubernetes 1.${removed.removedIn} (the target is 1.${context.kubernetesMinor}): ` +
        'kubectl apply fails with "no matches for kind".',
      fix: `Use apiVersion ${removed.use}.`,
    }];
  },
};
