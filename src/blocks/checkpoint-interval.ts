import { Duration } from 'cdk8s';
import { invalid } from './errors';
import { humanDuration } from '../k8s/duration';

/**
 * How often the trainer writes a regular checkpoint, as a time (`CHECKPOINT_INTERVAL_SECONDS`),
 * set by hand or computed from first principles.
 *
 * The emergency checkpoint on SIGTERM saves a reclaim that gives notice; regular checkpoints
 * bound what is lost when nothing does (a node or GPU failure, a kernel panic, a reclaim whose
 * notice is shorter than the save). Checkpointing more often wastes time saving, less often
 * wastes time redoing: Young's interval sqrt(2 C M), for a save that takes C and interruptions
 * every M on average, balances the two, and Daly's refinement corrects it when C is not small
 * against M.
 */
export class CheckpointInterval {
  /**
   * A fixed time between regular checkpoints.
   * @param interval at least one second
   */
  public static every(interval: Duration): CheckpointInterval {
    return new CheckpointInterval(interval, undefined);
  }

  /**
   * The interval that loses the least time, from how long a save takes and how often the
   * interruptions the emergency checkpoint cannot save come: Daly's higher-order estimate
   * sqrt(2 C M) (1 + sqrt(C / 2M) / 3 + (C / 2M) / 9) - C, or M once C reaches 2M (J. T. Daly,
   * "A higher order estimate of the optimum checkpoint interval for restart dumps", 2006;
   * Young's first-order sqrt(2 C M), 1974). A save of 1 minute with an interruption every
   * 6 hours gives about 26 minutes.
   * @param saveTime C: how long writing one checkpoint takes (the trainer stops for it)
   * @param meanTimeBetweenInterruptions M: how often, on average, a pod is lost without a
   *   usable notice (not every spot reclaim: those the emergency checkpoint saves)
   */
  public static youngDaly(saveTime: Duration, meanTimeBetweenInterruptions: Duration): CheckpointInterval {
    const c = saveTime.toMilliseconds() / 1000;
    const m = meanTimeBetweenInterruptions.toMilliseconds() / 1000;
    if (!(c > 0) || !(m > 0)) {
      throw invalid('CheckpointInterval.youngDaly',
        `CheckpointInterval.youngDaly(${humanDuration(saveTime)}, ${humanDuration(meanTimeBetweenInterruptions)}): ` +
        'the save time and the mean time between interruptions must both be positive durations, e.g. Duration.minutes(1), Duration.hours(6).');
    }
    const x = c / (2 * m);
    const seconds = c >= 2 * m ? m : Math.sqrt(2 * c * m) * (1 + Math.sqrt(x) / 3 + x / 9) - c;
    return new CheckpointInterval(Duration.seconds(Math.max(1, Math.round(seconds))), saveTime);
  }

  /** The time between regular checkpoints (whole seconds). */
  public readonly interval: Duration;
  /**
   * What an interruption without notice costs on average with this interval: half an interval
   * of training plus half a save, (T + C) / 2, before the restart itself. Unknown for `every()`
   * (no save time): zero.
   */
  public readonly expectedLostWork: Duration;

  private constructor(interval: Duration, saveTime: Duration | undefined) {
    const seconds = interval.toMilliseconds() / 1000;
    if (!Number.isInteger(seconds) || seconds < 1) {
      throw invalid('CheckpointInterval.every', `CheckpointInterval.every(${humanDuration(interval)}): the interval must be a whole number of seconds, at least 1.`);
    }
    this.interval = interval;
    this.expectedLostWork = Duration.seconds(saveTime === undefined ? 0 : Math.round((seconds + saveTime.toMilliseconds() / 1000) / 2));
  }
}
