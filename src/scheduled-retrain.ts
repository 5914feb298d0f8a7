import { ApiObject, Cron, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { failConstruct, invalid } from './blocks/errors';
import { addLabels } from './blocks/pod/labels';
import { RenderedApiObject } from './blocks/rendered-api-object';
import { SpotScheduling } from './blocks/spot-scheduling';
import { resolveJobSettings, trainingJobSpec } from './blocks/training-job-spec';
import { TrainingJobProps } from './blocks/training-workload-props';
import { checkWorkloadName, nonNegativeInteger, positiveSeconds } from './blocks/validation';
import { parseSchedule, ScheduleError, timeZoneProblem } from './k8s/cron';
import { humanDuration } from './k8s/duration';
import { compact } from './k8s/json';
import { JOB_NAME_LABEL } from './knowledge/controllers';
import { TrainingWorkload } from './training-workload';

const DEFAULT_BACKOFF_LIMIT = 1;
const DEFAULT_ACTIVE_DEADLINE = Duration.hours(12);
const DEFAULT_TTL_AFTER_FINISHED = Duration.hours(24);
const MIN_STARTING_DEADLINE_SECONDS = 10;
const DEFAULT_STARTING_DEADLINE = Duration.hours(1);
const DEFAULT_HISTORY_LIMIT = 3;
const DEFAULT_TIME_ZONE = 'Etc/UTC';
const CONTAINER_NAME = 'trainer';
const MAX_CRONJOB_NAME = 52;
/** The run's Job name, for the trainer and the checkpoint folder. */
const RETRAIN_RUN_ENV = 'RETRAIN_RUN';

/**
 * Props for `ScheduledRetrain`.
 */
export interface ScheduledRetrainProps extends TrainingJobProps {
  /**
   * When to run, as a cdk8s Cron, e.g. `Cron.schedule({ minute: '0', hour: '2', weekDay: '0' })`.
   * Exactly one of `schedule` and `scheduleExpression` is required.
   * @default - `scheduleExpression`
   */
  readonly schedule?: Cron;

  /**
   * When to run, as a CronJob schedule string: five fields (`0 2 * * 0`) or a descriptor
   * (`@weekly`, `@every 12h`).
   * @default - `schedule`
   */
  readonly scheduleExpression?: string;

  /**
   * IANA time zone of the schedule.
   * @default 'Etc/UTC'
   */
  readonly timeZone?: string;

  /**
   * Replaces a still-running retrain when the next one is due (concurrencyPolicy Replace)
   * instead of skipping the new one (Forbid). Needs a written reason; Allow is never used.
   * @default - Forbid: a run never overlaps the next one
   */
  readonly replaceRunningReason?: string;

  /**
   * How late a missed start may still run (`startingDeadlineSeconds`).
   * @default Duration.hours(1)
   */
  readonly startingDeadline?: Duration;

  /**
   * Finished Jobs kept (`successfulJobsHistoryLimit`).
   * @default 3
   */
  readonly successfulJobsHistoryLimit?: number;

  /**
   * Failed Jobs kept (`failedJobsHistoryLimit`).
   * @default 3
   */
  readonly failedJobsHistoryLimit?: number;
}

/**
 * A batch/v1 CronJob that retrains a model on a schedule, with the same trainer pod,
 * checkpoint, spot and failure policy as `SpotTolerantTrainingJob`.
 *
 * Enforced defaults: concurrencyPolicy Forbid (a run never overlaps the next on the same GPU
 * quota); history limits 3/3; startingDeadlineSeconds; each run's Job with backoffLimit 1,
 * a 12 h deadline and a 24 h TTL. Each run checkpoints to its own folder,
 * `<checkpoint.subPath>/<the run's Job name>` (`RETRAIN_RUN` in the trainer's env), so a
 * preempted run resumes itself and the next run starts fresh. The schedule and time zone are checked at synth as the
 * CronJob controller parses them; dates that never occur are refused.
 */
export class ScheduledRetrain extends TrainingWorkload {
  /** The CronJob object. */
  public readonly apiObject: ApiObject;
  /** The CronJob name. */
  public readonly name: string;
  /** The schedule string written to the CronJob. */
  public readonly schedule: string;
  /** The schedule's time zone. */
  public readonly timeZone: string;
  /** `Forbid`, or `Replace` with `replaceRunningReason`. */
  public readonly concurrencyPolicy: string;
  /** `startingDeadlineSeconds`. */
  public readonly startingDeadline: Duration;
  /** `successfulJobsHistoryLimit`. */
  public readonly successfulJobsHistoryLimit: number;
  /** `failedJobsHistoryLimit`. */
  public readonly failedJobsHistoryLimit: number;
  /** Retries of one run for real failures. */
  public readonly backoffLimit: number;
  /** Bound on one run. */
  public readonly activeDeadline: Duration;
  /** TTL of a finished run's Job. */
  public readonly ttlAfterFinished: Duration;
  /** Shortest time between two scheduled runs. */
  public readonly minimumInterval: Duration;
  /** The capacity the pods run on. */
  public readonly spot: SpotScheduling;
  /** The pods' termination grace period. */
  public readonly terminationGracePeriod: Duration;

  constructor(scope: Construct, id: string, props: ScheduledRetrainProps) {
    super(scope, id, props.kubernetesVersion);
    try {

      this.schedule = resolveSchedule(props);
      let minIntervalMinutes: number;
      try {
        minIntervalMinutes = parseSchedule(this.schedule).minIntervalMinutes;
      } catch (error) {
        if (!(error instanceof ScheduleError)) throw error;
        throw invalid('schedule', `schedule ('${this.schedule}'): ${error.message}. Use five fields (minute hour day-of-month month day-of-week, day-of-week 0-6) or a descriptor such as '@weekly'.`);
      }
      this.minimumInterval = Duration.minutes(minIntervalMinutes);
      this.timeZone = props.timeZone ?? DEFAULT_TIME_ZONE;
      const zoneProblem = timeZoneProblem(this.timeZone);
      if (zoneProblem) {
        throw invalid('timeZone', `timeZone ('${this.timeZone}') ${zoneProblem}; use an IANA name such as 'Etc/UTC' or 'Europe/Berlin'.`);
      }
      if (props.replaceRunningReason !== undefined && props.replaceRunningReason.trim() === '') {
        throw invalid('replaceRunningReason', 'replaceRunningReason is empty; say why a running retrain may be replaced, or remove it to keep Forbid.');
      }
      this.concurrencyPolicy = props.replaceRunningReason === undefined ? 'Forbid' : 'Replace';
      this.startingDeadline = props.startingDeadline ?? DEFAULT_STARTING_DEADLINE;
      if (positiveSeconds('startingDeadline', this.startingDeadline, 'Duration.hours(1)') < MIN_STARTING_DEADLINE_SECONDS) {
        // The CronJob controller looks at each CronJob about every 10 seconds; a shorter window
        // can close before it looks, and that run is skipped (Kubernetes CronJob documentation).
        throw invalid('startingDeadline',
          `startingDeadline (${humanDuration(this.startingDeadline)}) is below ${MIN_STARTING_DEADLINE_SECONDS} seconds: the CronJob controller ` +
          'checks schedules about every 10 seconds, so runs may never start. Use Duration.minutes(10) or more, or leave it unset.',
        );
      }
      this.successfulJobsHistoryLimit = nonNegativeInteger('successfulJobsHistoryLimit', props.successfulJobsHistoryLimit ?? DEFAULT_HISTORY_LIMIT, 'e.g. 3');
      this.failedJobsHistoryLimit = nonNegativeInteger('failedJobsHistoryLimit', props.failedJobsHistoryLimit ?? DEFAULT_HISTORY_LIMIT, 'e.g. 3');

      const settings = resolveJobSettings(props, {
        backoffLimit: DEFAULT_BACKOFF_LIMIT,
        activeDeadline: DEFAULT_ACTIVE_DEADLINE,
        ttlAfterFinished: DEFAULT_TTL_AFTER_FINISHED,
      });
      this.backoffLimit = settings.backoffLimit;
      this.activeDeadline = settings.activeDeadline;
      this.ttlAfterFinished = settings.ttlAfterFinished;

      if (props.name !== undefined) checkCronJobName(props.name);
      const resource = new RenderedApiObject(this, 'Resource', {
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        metadata: props.name === undefined ? {} : { name: props.name },
      });
      this.apiObject = resource;
      this.name = resource.name;
      if (props.name === undefined) checkCronJobName(this.name);

      const pod = this._buildTrainerPod(props, {
        workloadName: this.name,
        containerName: CONTAINER_NAME,
        component: 'retraining',
        restartPolicy: 'Never',
        concurrentPods: 1,
      }, {
        // Each run checkpoints to a folder named after its Job (`<cronjob>-<scheduled minute>`, the
        // label the Job controller puts on its pods): a preempted run's new pod resumes its own
        // run, and next week's run does not "resume" the finished run before it and exit at once.
        env: [{ name: RETRAIN_RUN_ENV, valueFrom: { fieldRef: { fieldPath: `metadata.labels['${JOB_NAME_LABEL}']` } } }],
        checkpointSubPathExpr: `$(${RETRAIN_RUN_ENV})`,
      });
      this.spot = pod.spot;
      this.terminationGracePeriod = pod.terminationGracePeriod;

      // A deadline that reaches the next run is reported once, by the cronjob-deadline rule at synth.

      // Kueue admits each run's Job, so its labels go on the job template, not the CronJob.
      addLabels(this.apiObject, pod.labels);
      const spec = compact({
        schedule: this.schedule,
        timeZone: this.timeZone,
        concurrencyPolicy: this.concurrencyPolicy,
        startingDeadlineSeconds: this.startingDeadline.toSeconds(),
        successfulJobsHistoryLimit: this.successfulJobsHistoryLimit,
        failedJobsHistoryLimit: this.failedJobsHistoryLimit,
        suspend: props.suspend,
      });
      // Added after compact(): the job spec is final and keeps its empty lists.
      spec.jobTemplate = { metadata: { labels: pod.workloadLabels }, spec: trainingJobSpec(settings, pod, CONTAINER_NAME) };
      resource._setSpec(spec);
    } catch (error) {
      failConstruct(this, error);
    }
  }
}

function resolveSchedule(props: ScheduledRetrainProps): string {
  if ((props.schedule === undefined) === (props.scheduleExpression === undefined)) {
    throw invalid('schedule', "set exactly one of schedule (a cdk8s Cron) and scheduleExpression (a string such as '0 2 * * 0').");
  }
  if (props.schedule !== undefined && typeof props.schedule.expressionString !== 'string') {
    // From JavaScript or Python a string can arrive here.
    throw invalid('schedule', `schedule ('${String(props.schedule)}') must be a cdk8s Cron, e.g. Cron.daily(); ` +
      "for a string such as '0 2 * * 0' use scheduleExpression.");
  }
  return props.schedule?.expressionString ?? props.scheduleExpression!.trim();
}

function checkCronJobName(name: string): void {
  checkWorkloadName(name, MAX_CRONJOB_NAME, 'CronJob', "its Jobs' names ('<name>-<minutes since epoch>', at most 63)");
}
