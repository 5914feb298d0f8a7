/**
 * The library's own conventions, shared by what it writes and what its rules read: the
 * trainer's half of the preemption contract (docs/preemption-contract.md), the labels of the
 * pods it builds, and the opt-out annotation.
 */

/** The environment of the trainer container. */
export const ENV_CHECKPOINT_DIR = 'CHECKPOINT_DIR';
export const ENV_CHECKPOINT_INTERVAL_EPOCHS = 'CHECKPOINT_INTERVAL_EPOCHS';
export const ENV_CHECKPOINT_INTERVAL_SECONDS = 'CHECKPOINT_INTERVAL_SECONDS';
export const ENV_PREEMPTION_EXIT_CODE = 'PREEMPTION_EXIT_CODE';
export const ENV_CONFIG_ERROR_EXIT_CODE = 'CONFIG_ERROR_EXIT_CODE';

/** The exit code of a process killed by SIGTERM, and the contract's default preemption code: 128 + 15. */
export const SIGTERM_EXIT_CODE = 143;
/** The default configuration-error code: what argparse and most CLIs exit with on bad arguments. */
export const DEFAULT_CONFIG_ERROR_EXIT_CODE = 2;

/** `app.kubernetes.io/managed-by` of everything the constructs write. */
export const MANAGED_BY = 'cdk8s-training';

/** Annotation prefix for per-object opt-outs: `acknowledge.cdk8s-training.io/<rule-id>: <reason>`. */
export const ACKNOWLEDGE_PREFIX = 'acknowledge.cdk8s-training.io/';

/**
 * Annotation by which a user states whether a workload trains (`"true"`) or not (`"false"`),
 * for the rules that only training needs; on the object or its pod template.
 */
export const TRAINING_ANNOTATION = 'cdk8s-training.io/training';

/** The env var that points a sweep trial at its assignment file; rules recognise a sweep's pods by it. */
export const SWEEP_ASSIGNMENT_FILE_ENV = 'SWEEP_ASSIGNMENT_FILE';

/** The first line of DistributedPyTorchJob's launcher script: how rules and lint recognise it as torchrun. */
export const TORCH_LAUNCHER_MARKER = '# cdk8s-training launcher: torch.distributed.run (torchrun) with exit codes the controllers act on';
