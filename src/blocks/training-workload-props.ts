import { Duration, Size } from 'cdk8s';
import { Accelerator } from './accelerator';
import { CheckpointOptions } from './checkpoint-storage';
import { CloudProvider, NodeLabelRequirement } from './cloud-provider';
import { KubernetesVersion } from './kubernetes-version';
import { Cpu, EnvValue, ExtraContainerProps, FsGroupChangePolicy, ImagePullPolicy, PodVolume } from './pod-values';
import { PreemptionContract } from './preemption-contract';
import { SpotScheduling } from './spot-scheduling';

/**
 * A volume the trainer container mounts beside the checkpoint claim: a read-only dataset
 * claim, a ConfigMap, a Secret, a CSI volume such as GCS FUSE.
 */
export interface TrainerVolume {
  /** The volume (`PodVolume.fromPersistentVolumeClaim`, `fromConfigMap`, `fromSecret`, `fromCsi`, `fromEmptyDir`). */
  readonly volume: PodVolume;
  /** Where the trainer container mounts it (an absolute path). */
  readonly mountPath: string;
  /**
   * Mount it read-only.
   * @default false
   */
  readonly readOnly?: boolean;
  /**
   * Mount only this path of the volume.
   * @default - the volume's root
   */
  readonly subPath?: string;
}

/**
 * Props shared by every training construct of this library: the trainer container, its
 * resources, checkpoints, capacity, scheduling and labels.
 */
export interface TrainingWorkloadProps {
  /**
   * Name of the workload object.
   * @default - generated from the construct path; use `ExperimentName.of(...)` for
   *   readable names from experiment parameters
   */
  readonly name?: string;

  /** The trainer image. */
  readonly image: string;

  /**
   * The entrypoint. Kubernetes runs it without a shell: only `$(VAR)` is expanded.
   * @default - the image's ENTRYPOINT
   */
  readonly command?: string[];

  /**
   * Arguments to the entrypoint. Only `$(VAR)` of variables in `env` is expanded.
   * @default - the image's CMD
   */
  readonly args?: string[];

  /**
   * Working directory of the trainer.
   * @default - the image's WORKDIR
   */
  readonly workingDir?: string;

  /**
   * Environment variables: plain values (`EnvValue.fromValue`) or references to Secrets,
   * ConfigMaps and pod fields. `CHECKPOINT_DIR`, `CHECKPOINT_INTERVAL_EPOCHS`, `CHECKPOINT_INTERVAL_SECONDS`,
   * `PREEMPTION_EXIT_CODE` and `CONFIG_ERROR_EXIT_CODE` are set by the library.
   * @default - only the library's variables
   */
  readonly env?: { [name: string]: EnvValue };

  /**
   * CPU per pod; request and limit are both set to it.
   * @default - no CPU request or limit
   */
  readonly cpu?: Cpu;

  /**
   * Memory per pod; request and limit are both set to it (a training pod that is OOM
   * killed loses its work either way, so it should not rely on burst).
   * @default - no memory request or limit
   */
  readonly memory?: Size;

  /**
   * GPUs (or another extended resource) per pod.
   * @default - no accelerator
   */
  readonly accelerator?: Accelerator;

  /**
   * Size of the memory-backed /dev/shm that PyTorch DataLoader workers need. It counts
   * against the memory limit.
   * @default - a quarter of `memory`, or 1 GiB when memory is not set
   */
  readonly sharedMemorySize?: Size;

  /**
   * Checkpoint storage and how the trainer uses it. Required unless
   * `noCheckpointReason` says why the workload can run without one.
   * @default - none; then `noCheckpointReason` is required
   */
  readonly checkpoint?: CheckpointOptions;

  /**
   * Runs without checkpoint storage. A training job without checkpoints restarts from
   * scratch after every preemption, so this needs a written reason.
   * @default - a checkpoint is required
   */
  readonly noCheckpointReason?: string;

  /**
   * The capacity pods run on: spot (`SpotScheduling.gke()`, `.eksSpot()`, ...), on-demand
   * (`SpotScheduling.onDemand()`), or spot with an on-demand fallback (`.orOnDemand()`).
   * The newer name of `spot`, which stays; set one of the two.
   * @default - `spot`, else SpotScheduling.onDemand()
   */
  readonly capacity?: SpotScheduling;

  /**
   * The capacity pods run on (the older name of `capacity`).
   * @default SpotScheduling.onDemand()
   */
  readonly spot?: SpotScheduling;

  /**
   * The cloud provider of the cluster. It keeps on-demand pods off spot nodes (a required
   * node affinity on the provider's spot labels) and names the node label of
   * `accelerator.product`.
   * @default - the provider set with `CloudProvider.setDefault` on the app or chart, else the
   *   provider of the `spot` preset, else none (on-demand pods get no spot exclusion)
   */
  readonly provider?: CloudProvider;

  /**
   * Time between SIGTERM and SIGKILL, in which the trainer writes its emergency checkpoint.
   * It must cover the notice of the spot capacity.
   * @default - the spot notice, at least 30 seconds
   */
  readonly terminationGracePeriod?: Duration;

  /**
   * The trainer's exit codes for preemption and for configuration errors.
   * @default - exit 143 after an emergency checkpoint; exit 2 is a configuration error
   */
  readonly preemption?: PreemptionContract;

  /**
   * Kueue LocalQueue name, written as the `kueue.x-k8s.io/queue-name` label on the workload.
   * Kueue acts on it only for the kinds its configuration integrates: batch/v1 Jobs, JobSets
   * and TrainJobs by default; Kubeflow Training Operator PyTorchJobs only when the platform
   * enables the deprecated `kubeflow.org/pytorchjob` integration (off in Kueue v0.19, removed in v0.20), so a
   * DistributedPyTorchJob on `TrainingEngine.trainingOperator()` warns at synth.
   * @default - not queued by Kueue
   */
  readonly queue?: string;

  /**
   * Kueue WorkloadPriorityClass, written as the `kueue.x-k8s.io/priority-class` label.
   * @default - none
   */
  readonly workloadPriorityClass?: string;

  /**
   * PriorityClass of the pods (it must exist when pods are created).
   * @default - the cluster default
   */
  readonly priorityClassName?: string;

  /**
   * Name of the service account of the pods (e.g. one bound to a cloud identity for
   * bucket access).
   * @default - the namespace's default service account
   */
  readonly serviceAccountName?: string;

  /**
   * Names of the Secrets for pulling the images.
   * @default - none
   */
  readonly imagePullSecrets?: string[];

  /**
   * Extra node labels the pods must match, added to those of the spot preset and the GPU model.
   * @default - none
   */
  readonly nodeSelector?: { [key: string]: string };

  /**
   * Numeric user the trainer runs as. Pods run as non-root by default (Pod Security
   * "restricted").
   * @default 1000
   */
  readonly runAsUser?: number;

  /**
   * Numeric group the trainer runs as.
   * @default - `runAsUser`
   */
  readonly runAsGroup?: number;

  /**
   * Group that owns the pod's volumes (`fsGroup`): the kubelet changes their ownership to it
   * where the volume's driver supports that. On NFS-like ReadWriteMany storage (Filestore,
   * EFS, Azure Files) it often does not: set this to the group that owns the existing share
   * and its checkpoints, or make the share group-writable (see docs/porting.md).
   * @default - `runAsGroup`
   */
  readonly fsGroup?: number;

  /**
   * When the kubelet applies `fsGroup` to a volume.
   * @default - Kubernetes' default: Always (every mount walks the whole volume)
   */
  readonly fsGroupChangePolicy?: FsGroupChangePolicy;

  /**
   * Runs the trainer as root, for images that need it. This drops `runAsNonRoot`, so the
   * pod no longer passes Pod Security "restricted".
   * @default false
   */
  readonly runAsRoot?: boolean;

  /**
   * Mounts the container's root filesystem read-only (/tmp and /dev/shm stay writable).
   * @default false
   */
  readonly readOnlyRootFilesystem?: boolean;

  /**
   * Value of the `version` and `app.kubernetes.io/version` labels, e.g. the model version.
   * @default - no version label
   */
  readonly version?: string;

  /**
   * Value of the `experiment` label.
   * @default - the workload name
   */
  readonly experiment?: string;

  /**
   * Extra labels on the workload and its pods. Kueue's labels come from `queue` and
   * `workloadPriorityClass`, and the Job controller's own (`batch.kubernetes.io/job-name`, ...)
   * from the controller: setting them here is a synth error.
   * @default - none
   */
  readonly labels?: { [key: string]: string };

  /**
   * Extra volumes the trainer container mounts, beside the checkpoint claim, `/dev/shm` and `/tmp`.
   * @default - none
   */
  readonly volumes?: TrainerVolume[];

  /**
   * When the kubelet pulls the trainer image.
   * @default - Kubernetes' default: Always for `:latest` or no tag, otherwise IfNotPresent
   */
  readonly imagePullPolicy?: ImagePullPolicy;

  /**
   * Annotations on the pods (for example `gke-gcsfuse/volumes: "true"` for a GCS FUSE volume).
   * They win over the autoscaler annotations below (e.g. `karpenter.sh/do-not-disrupt: "4h"`).
   * @default - none besides the autoscaler annotations
   */
  readonly podAnnotations?: { [key: string]: string };

  /**
   * Lets node autoscalers move running pods to consolidate or replace nodes. By default the
   * pods carry `karpenter.sh/do-not-disrupt: "true"` (Karpenter skips their nodes for
   * consolidation and drift) and `cluster-autoscaler.kubernetes.io/safe-to-evict: "false"`
   * (the cluster autoscaler does not scale their nodes down): such a voluntary disruption is
   * retried without counting, but costs the GPU time since the last checkpoint. A spot
   * reclaim still stops the pods either way.
   * @default false
   */
  readonly autoscalerMayEvict?: boolean;

  /**
   * Node labels the pods require (a required node affinity, added to the one that keeps
   * on-demand pods off spot capacity).
   * @default - none
   */
  readonly requiredNodeLabels?: NodeLabelRequirement[];

  /**
   * Spreads the pods of this workload evenly across the values of this node label (e.g.
   * `topology.kubernetes.io/zone`), as a preference (maxSkew 1, ScheduleAnyway).
   * @default - no spread
   */
  readonly spreadAcross?: string;

  /**
   * Init containers that run before the trainer (after the library's own), with the
   * trainer's restricted security context.
   * @default - none
   */
  readonly initContainers?: ExtraContainerProps[];

  /**
   * Sidecar containers that run beside the trainer for the pod's life (a log shipper, a
   * metrics exporter), as native sidecars: init containers with restartPolicy Always, so a
   * Job still completes when the trainer exits. Needs Kubernetes 1.29 or later.
   * @default - none
   */
  readonly sidecars?: ExtraContainerProps[];

  /**
   * Local scratch space of the trainer container (`ephemeral-storage` request and limit).
   * @default - none
   */
  readonly ephemeralStorage?: Size;

  /**
   * The Kubernetes version the manifest targets.
   * @default - `KubernetesVersion.targetOf(scope)`: the app's or chart's target, else KubernetesVersion.DEFAULT (1.32)
   */
  readonly kubernetesVersion?: KubernetesVersion;
}

/**
 * Props shared by the constructs that run training as Jobs (SpotTolerantTrainingJob,
 * ScheduledRetrain per run, HyperparameterSweep) and by DistributedPyTorchJob: the retry
 * budget for real failures, the wall-clock bound that stops a job that keeps being preempted,
 * how long a finished job is kept, and whether it starts suspended.
 */
export interface TrainingJobProps extends TrainingWorkloadProps {
  /**
   * Retries for real failures (crashes, OOM kills). Preemptions and the trainer's preemption
   * exit code are not counted. A HyperparameterSweep shares one budget across its trials (for
   * a budget per trial use `backoffLimitPerIndex`); a DistributedPyTorchJob counts crashes of
   * the whole job (`runPolicy.backoffLimit`, or the JobSet `failurePolicy.maxRestarts`; under
   * the ExitCode policy the library's launcher keeps this budget on the checkpoint volume).
   * @default - 2 for SpotTolerantTrainingJob, 1 per run for ScheduledRetrain, the number of
   *   trials for HyperparameterSweep, 3 for DistributedPyTorchJob
   */
  readonly backoffLimit?: number;

  /**
   * Wall-clock bound on the whole run, retries included (`activeDeadlineSeconds`): what stops a
   * job that keeps being preempted. For a ScheduledRetrain, on each run.
   * @default - 8 hours for SpotTolerantTrainingJob and DistributedPyTorchJob, 12 hours per run
   *   for ScheduledRetrain, 24 hours for HyperparameterSweep
   */
  readonly activeDeadline?: Duration;

  /**
   * How long a finished job and its pods are kept (`ttlSecondsAfterFinished`; a TrainJob has none).
   * @default Duration.hours(24)
   */
  readonly ttlAfterFinished?: Duration;

  /**
   * Creates the workload suspended: no pods until it is resumed or admitted by Kueue (for a
   * ScheduledRetrain, no runs start).
   * @default false
   */
  readonly suspend?: boolean;
}
