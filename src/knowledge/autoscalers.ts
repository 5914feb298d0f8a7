/**
 * What node autoscalers read from a pod to leave its node alone while it runs: a voluntary
 * disruption (consolidation, drift, scale-down of an underused node) would cost a trainer the
 * work since its last checkpoint. Neither stops a spot reclaim, which is not voluntary.
 */

/**
 * Karpenter (v1, GA): on a pod, blocks consolidation of its node and drift (unless the
 * NodeClaim sets a terminationGracePeriod); not expiration, repair or a forced termination.
 */
export const KARPENTER_DO_NOT_DISRUPT = 'karpenter.sh/do-not-disrupt';

/** The Kubernetes cluster autoscaler (GKE, AKS, EKS managed node groups): "false" keeps the node from scale-down. */
export const CLUSTER_AUTOSCALER_SAFE_TO_EVICT = 'cluster-autoscaler.kubernetes.io/safe-to-evict';

/** The annotations a training pod carries unless it lets autoscalers move it. */
export const DO_NOT_EVICT_ANNOTATIONS: { readonly [key: string]: string } = {
  [KARPENTER_DO_NOT_DISRUPT]: 'true',
  [CLUSTER_AUTOSCALER_SAFE_TO_EVICT]: 'false',
};

export const AUTOSCALER_SOURCES = [
  'https://karpenter.sh/docs/reference/annotations/',
  'https://github.com/kubernetes/autoscaler/blob/master/cluster-autoscaler/FAQ.md',
];
