/**
 * Facts about Kubernetes versions and spot capacity that rules and constructs share
 * (RULEBOOK G1, J4, J6, J7 and "Spot and preemptible capacity").
 */

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

/**
 * Spot or preemptible capacity, recognised by its node label (RULEBOOK spot table). The
 * `SpotScheduling` presets are built from this table, so presets and rules agree.
 */
export interface SpotCapacity {
  /** Preset id, e.g. `gke-spot`. */
  readonly id: string;
  /** The provider whose nodes carry the label (`CloudProvider` names). */
  readonly provider: 'gke' | 'aws' | 'aks';
  readonly name: string;
  readonly labelKey: string;
  readonly labelValue: string;
  /** Taint the capacity carries and pods must tolerate (key=value:NoSchedule), if any. */
  readonly taintKey?: string;
  readonly noticeSeconds: number;
  /** How much of the notice a non-system pod really gets. */
  readonly saveWindowSeconds: number;
}

export const SPOT_CAPACITIES: SpotCapacity[] = [
  {
    id: 'gke-spot',
    provider: 'gke',
    name: 'GKE spot',
    labelKey: 'cloud.google.com/gke-spot',
    labelValue: 'true',
    taintKey: 'cloud.google.com/gke-spot',
    noticeSeconds: 30,
    saveWindowSeconds: 15,
  },
  {
    id: 'gke-preemptible',
    provider: 'gke',
    name: 'GKE preemptible',
    labelKey: 'cloud.google.com/gke-preemptible',
    labelValue: 'true',
    taintKey: 'cloud.google.com/gke-preemptible',
    noticeSeconds: 30,
    saveWindowSeconds: 15,
  },
  {
    id: 'aks-spot',
    provider: 'aks',
    name: 'AKS spot',
    labelKey: 'kubernetes.azure.com/scalesetpriority',
    labelValue: 'spot',
    taintKey: 'kubernetes.azure.com/scalesetpriority',
    noticeSeconds: 30,
    saveWindowSeconds: 30,
  },
  { id: 'eks-spot', provider: 'aws', name: 'EKS spot', labelKey: 'eks.amazonaws.com/capacityType', labelValue: 'SPOT', noticeSeconds: 120, saveWindowSeconds: 120 },
  { id: 'karpenter-spot', provider: 'aws', name: 'Karpenter spot', labelKey: 'karpenter.sh/capacity-type', labelValue: 'spot', noticeSeconds: 120, saveWindowSeconds: 120 },
];

/** Default terminationGracePeriodSeconds of a pod. */
export const DEFAULT_GRACE_SECONDS = 30;

/**
 * The variables the Kubeflow Training Operator (v1.9) sets in every PyTorchJob container
 * (pkg/controller.v1/pytorch: envvar.go, master.go, elastic.go); `$(VAR)` of them is expanded
 * in command and args.
 */
export const TRAINING_OPERATOR_ENV: readonly string[] = [
  'PYTHONUNBUFFERED', 'MASTER_ADDR', 'MASTER_PORT', 'PET_MASTER_ADDR', 'PET_MASTER_PORT', 'WORLD_SIZE', 'RANK',
  'PET_NODE_RANK', 'PET_NPROC_PER_NODE', 'PET_NNODES', 'PET_RDZV_BACKEND', 'PET_RDZV_ID', 'PET_RDZV_CONF',
  'PET_RDZV_ENDPOINT', 'PET_STANDALONE', 'PET_MAX_RESTARTS', 'PET_MONITOR_INTERVAL', 'PET_START_METHOD',
];

/** Kueue's labels on a workload (v0.19): its LocalQueue and its WorkloadPriorityClass. */
export const KUEUE_QUEUE_LABEL = 'kueue.x-k8s.io/queue-name';
export const KUEUE_PRIORITY_LABEL = 'kueue.x-k8s.io/priority-class';

/**
 * The labels the Job controller puts on every pod of a Job (pkg/registry/batch/job strategy,
 * v1.36: the legacy and the `batch.kubernetes.io/` names).
 */
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
export const JOB_CONTROLLER_LABELS: readonly string[] = ['job-name', 'controller-uid', JOB_NAME_LABEL, 'batch.kubernetes.io/controller-uid'];

/** The variables torchrun sets for each process it starts, beside its PET_* options. */
export const TORCHRUN_ENV: readonly string[] = ['LOCAL_RANK', 'NODE_RANK', 'GROUP_RANK', 'ROLE_RANK', 'LOCAL_WORLD_SIZE'];
