/**
 * Kubernetes versions the library targets, and the Job fields an older apiserver drops
 * silently because their feature gate is off there (the feature gates' defaults in
 * k8s.io/kubernetes pkg/features/versioned_kube_features.go).
 */

/** The oldest target: what cdk8s-plus-28 describes. */
export const BASELINE_MINOR = 28;
/** The newest minor the library knows. */
export const NEWEST_KNOWN_MINOR = 34;

/** A Job field that an older apiserver drops silently. */
export interface GatedJobField {
  /** Human name of the field, e.g. `spec.podReplacementPolicy`. */
  readonly field: string;
  /** First minor version where the feature is on by default. */
  readonly sinceMinor: number;
  /** Whether the Job spec uses the field. */
  present(jobSpec: any): boolean;
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
  { field: 'spec.successPolicy', sinceMinor: 31, present: (spec) => spec?.successPolicy !== undefined },
  { field: 'spec.managedBy', sinceMinor: 32, present: (spec) => spec?.managedBy !== undefined },
];
