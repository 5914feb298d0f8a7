/**
 * What makes a workload a trainer, for the rules that only training needs (checkpoints,
 * /dev/shm, the preemption policy): a training kind, or pods that request accelerators, mount
 * a checkpoint claim or carry this library's labels. A database migration or a report Job
 * gets none of that advice.
 */
import { MANAGED_BY } from './contract';
import { isAcceleratorResource } from './gpu';
import { containersOf, mountsClaim, WorkloadKinds } from '../k8s/workloads';

/** Whether a pod spec asks for an accelerator (an extended resource ending in /gpu, or a known device). */
export function requestsAccelerator(podSpec: any): boolean {
  return containersOf(podSpec).some((c: any) => Object.keys({ ...(c?.resources?.requests ?? {}), ...(c?.resources?.limits ?? {}) })
    .some(isAcceleratorResource));
}

/**
 * Why an object is a training workload, or undefined when it is not: a training kind, pods that
 * request accelerators, mount a checkpoint claim (`withClaims`), or carry this library's labels.
 */
export function trainingReason(kinds: WorkloadKinds, object: any, withClaims = true): string | undefined {
  if (kinds.kindOf(object)?.training) return `a ${object.kind}`;
  for (const ref of kinds.podTemplatesOf(object)) {
    const spec = ref.template?.spec;
    if (requestsAccelerator(spec)) return 'its pods request accelerators';
    if (ref.template?.metadata?.labels?.['app.kubernetes.io/managed-by'] === MANAGED_BY) return 'its pods carry the cdk8s-training labels';
    if (withClaims && mountsClaim(spec)) return 'its pods mount a volume claim (checkpoints)';
  }
  return undefined;
}
