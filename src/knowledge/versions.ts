/**
 * Kubernetes versions the library targets, and the Job fields an older apiserver drops
 * silently because their feature gate is off there (the feature gates' defaults in
 * k8s.io/kubernetes pkg/features/kube_features.go).
 */

/** The oldest target: what cdk8s-plus-28 describes. */
export const BASELINE_MINOR = 28;
/** The newest minor the library knows. */
export const NEWEST_KNOWN_MINOR = 37;

/** A Job field that an older apiserver drops silently. */
export interface GatedJobField {
  /** Human name of the field, e.g. `spec.podReplacementPolicy`. */
  readonly field: string;
  /** First minor version where the feature is on by default. */
  readonly sinceMinor: number;
  /** Whether the Job spec uses the field. */
  present(jobSpec: any): boolean;
  /** Where in the Job spec, when the field text does not say (a list entry). */
  at?(jobSpec: any): Array<string | number>;
}

/** The first init container with restartPolicy Always: a native sidecar. */
function sidecarIndex(spec: any): number {
  const inits = spec?.template?.spec?.initContainers;
  return Array.isArray(inits) ? inits.findIndex((c: any) => c?.restartPolicy === 'Always') : -1;
}

export const GATED_JOB_FIELDS: GatedJobField[] = [
  { field: 'spec.backoffLimitPerIndex', sinceMinor: 29, present: (spec) => spec?.backoffLimitPerIndex !== undefined },
  { field: 'spec.maxFailedIndexes', sinceMinor: 29, present: (spec) => spec?.maxFailedIndexes !== undefined },
  { field: 'spec.podReplacementPolicy', sinceMinor: 29, present: (spec) => spec?.podReplacementPolicy !== undefined },
  {
    field: 'spec.podFailurePolicy action FailIndex',
    sinceMinor: 29,
    present: (spec) => (spec?.podFailurePolicy?.rules ?? []).some((rule: any) => rule?.action === 'FailIndex'),
  },
  // SidecarContainers: beta and on by default from 1.29. A 1.28 apiserver drops the field, and
  // the sidecar becomes an ordinary init container that never exits: the trainer never starts.
  {
    field: 'spec.template.spec.initContainers[].restartPolicy Always (a native sidecar)',
    sinceMinor: 29,
    present: (spec) => sidecarIndex(spec) >= 0,
    at: (spec) => ['template', 'spec', 'initContainers', sidecarIndex(spec), 'restartPolicy'],
  },
  { field: 'spec.successPolicy', sinceMinor: 31, present: (spec) => spec?.successPolicy !== undefined },
  { field: 'spec.managedBy', sinceMinor: 32, present: (spec) => spec?.managedBy !== undefined },
];
