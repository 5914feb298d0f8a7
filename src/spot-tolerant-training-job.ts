import { ApiObject, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { failConstruct } from './blocks/errors';
import { addLabels } from './blocks/pod/labels';
import { RenderedApiObject } from './blocks/rendered-api-object';
import { SpotScheduling } from './blocks/spot-scheduling';
import { podReplacementPolicyFor, resolveJobSettings, trainingJobSpec } from './blocks/training-job-spec';
import { TrainingJobProps } from './blocks/training-workload-props';
import { checkWorkloadName } from './blocks/validation';
import { TrainingWorkload } from './training-workload';

/** Default `backoffLimit`: real crashes retried twice; preemptions are not counted. */
const DEFAULT_BACKOFF_LIMIT = 2;
/** Default `activeDeadline`: the bound on ignored retries. */
const DEFAULT_ACTIVE_DEADLINE = Duration.hours(8);
/** Default `ttlAfterFinished`. */
const DEFAULT_TTL_AFTER_FINISHED = Duration.hours(24);
const CONTAINER_NAME = 'trainer';
const MAX_JOB_NAME = 63;

/**
 * Props for `SpotTolerantTrainingJob`.
 */
export interface SpotTolerantTrainingJobProps extends TrainingJobProps {
  /**
   * Pods that run at once. More than 1 needs ReadWriteMany checkpoint storage.
   * @default 1
   */
  readonly parallelism?: number;

  /**
   * Successful pods needed to complete the Job.
   * @default 1
   */
  readonly completions?: number;
}

/**
 * A batch/v1 Job for one training run that survives spot preemption and node loss.
 *
 * Enforced defaults: restartPolicy Never; a podFailurePolicy under which disruptions and
 * the trainer's preemption exit code do not consume `backoffLimit`, configuration errors
 * fail the Job at once and anything else counts; an `activeDeadline` that bounds ignored
 * retries; a TTL; a termination grace period that covers the spot notice; a checkpoint
 * volume with `CHECKPOINT_DIR`; a non-root pod that passes Pod Security "restricted".
 *
 * `Node.of(job).defaultChild` is the Job ApiObject, for escape hatches.
 */
export class SpotTolerantTrainingJob extends TrainingWorkload {
  /** The Job object. */
  public readonly apiObject: ApiObject;
  /** The Job name. */
  public readonly name: string;
  /** Always `Never`: the podFailurePolicy requires it. */
  public readonly restartPolicy: string;
  /** Retries for real failures. */
  public readonly backoffLimit: number;
  /** `activeDeadlineSeconds` of the Job. */
  public readonly activeDeadline: Duration;
  /** `ttlSecondsAfterFinished` of the Job. */
  public readonly ttlAfterFinished: Duration;
  /** Pods that run at once. */
  public readonly parallelism: number;
  /** Successful pods needed. */
  public readonly completions: number;
  /** The pods' termination grace period. */
  public readonly terminationGracePeriod: Duration;
  /** The capacity the pods run on. */
  public readonly spot: SpotScheduling;
  /** The exit code the trainer uses after its emergency checkpoint (ignored by the Job). */
  public readonly preemptionExitCode: number;
  /** Exit codes that fail the Job at once. */
  public readonly nonRetriableExitCodes: number[];
  /** Where the checkpoint volume is mounted, if there is one. */
  public readonly checkpointMountPath?: string;
  /** The checkpoint claim, if there is one. */
  public readonly checkpointClaimName?: string;
  /**
   * `podReplacementPolicy` of the Job: `Failed` on Kubernetes 1.29+, so a replacement never
   * starts while the preempted pod still writes its checkpoint; not emitted on 1.28, where
   * the field is alpha and the podFailurePolicy already makes the controller wait.
   */
  public readonly podReplacementPolicy?: string;

  constructor(scope: Construct, id: string, props: SpotTolerantTrainingJobProps) {
    super(scope, id, props.kubernetesVersion);
    try {
      const settings = resolveJobSettings(props, {
        backoffLimit: DEFAULT_BACKOFF_LIMIT,
        activeDeadline: DEFAULT_ACTIVE_DEADLINE,
        ttlAfterFinished: DEFAULT_TTL_AFTER_FINISHED,
      });
      this.backoffLimit = settings.backoffLimit;
      this.activeDeadline = settings.activeDeadline;
      this.ttlAfterFinished = settings.ttlAfterFinished;
      this.parallelism = settings.parallelism;
      this.completions = settings.completions;
      if (props.name !== undefined) checkJobName(props.name);

      this.restartPolicy = 'Never';
      const resource = new RenderedApiObject(this, 'Resource', {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: props.name === undefined ? {} : { name: props.name },
      });
      this.apiObject = resource;
      this.name = resource.name;
      if (props.name === undefined) checkJobName(this.name);

      const pod = this._buildTrainerPod(props, {
        workloadName: this.name,
        containerName: CONTAINER_NAME,
        component: 'training',
        restartPolicy: this.restartPolicy,
        concurrentPods: this.parallelism,
      });
      this.spot = pod.spot;
      this.terminationGracePeriod = pod.terminationGracePeriod;
      this.preemptionExitCode = pod.contract.exitCode;
      this.nonRetriableExitCodes = pod.contract.nonRetriableExitCodes;
      this.checkpointMountPath = pod.checkpointMountPath;
      this.checkpointClaimName = pod.checkpointClaimName;
      this.podReplacementPolicy = podReplacementPolicyFor(pod.kubernetesVersion);

      addLabels(this.apiObject, pod.workloadLabels);
      const spec = trainingJobSpec(settings, pod, CONTAINER_NAME, { extra: { suspend: props.suspend } });
      resource._setSpec(spec);
    } catch (error) {
      failConstruct(this, error);
    }
  }
}

function checkJobName(name: string): void {
  checkWorkloadName(name, MAX_JOB_NAME, 'Job', 'the job-name label of its pods');
}
