/**
 * What the Kubernetes controllers and the training operators read and write, at the versions
 * the project pins (k8s.io/kubernetes v1.37, Kueue v0.19, Training Operator v1.9, JobSet
 * v0.12, Trainer v2.3): labels, annotations, conditions and the environment they inject.
 */

/** A pod's terminationGracePeriodSeconds when none is set (k8s.io/api core/v1 DefaultTerminationGracePeriodSeconds). */
export const DEFAULT_GRACE_SECONDS = 30;

/** The pod condition the disruption controllers add before deleting a pod (on by default since 1.26). */
export const DISRUPTION_TARGET = 'DisruptionTarget';

/**
 * The labels the Job controller puts on every pod of a Job (pkg/registry/batch/job strategy,
 * v1.37: the legacy and the `batch.kubernetes.io/` names).
 */
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
export const JOB_CONTROLLER_LABELS: readonly string[] = ['job-name', 'controller-uid', JOB_NAME_LABEL, 'batch.kubernetes.io/controller-uid'];

/** The annotation an Indexed Job's pod carries its completion index in. */
export const JOB_COMPLETION_INDEX_ANNOTATION = 'batch.kubernetes.io/job-completion-index';

/**
 * Set by the JobSet controller on each child Job and its pod template: the Job's number
 * across all replicated jobs, in their order (JobSet v0.12 jobset_controller.go globalJobIndex).
 */
export const JOBSET_GLOBAL_INDEX_ANNOTATION = 'jobset.sigs.k8s.io/job-global-index';

/** Kueue's labels on a workload (v0.19): its LocalQueue and its WorkloadPriorityClass. */
export const KUEUE_QUEUE_LABEL = 'kueue.x-k8s.io/queue-name';
export const KUEUE_PRIORITY_LABEL = 'kueue.x-k8s.io/priority-class';

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

/** The variables torchrun sets for each process it starts, beside its PET_* options. */
export const TORCHRUN_ENV: readonly string[] = ['LOCAL_RANK', 'NODE_RANK', 'GROUP_RANK', 'ROLE_RANK', 'LOCAL_WORLD_SIZE'];

/**
 * Trainer v2 marks each replicated job of a runtime with the TrainJob step it runs
 * (pkg/constants of kubeflow/trainer v2.3): dataset-initializer, model-initializer or trainer.
 */
export const TRAINJOB_ANCESTOR_STEP_LABEL = 'trainer.kubeflow.org/trainjob-ancestor-step';
export const TRAINJOB_INITIALIZER_STEPS: readonly string[] = ['dataset-initializer', 'model-initializer'];
