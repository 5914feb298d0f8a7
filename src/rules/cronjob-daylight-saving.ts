import { at, Rule } from './rule';
import { clockChanges, ClockChange, parseSchedule, timeZoneProblem } from '../k8s/cron';
import { SOURCES } from '../knowledge/sources';

/**
 * A run at a time the clock skips or repeats: the CronJob controller computes start times with
 * robfig/cron v3 (`Next`), which walks the zone's wall clock by real hours and minutes, so a
 * daily run in the skipped hour is not started that day and one in the repeated hour is started
 * twice (the cluster suite runs the controller's cron library over a year to show it).
 */
export const cronjobDaylightSaving: Rule = {
  id: 'cronjob-daylight-saving',
  sources: [SOURCES.cronSpec, SOURCES.cronJobController],
  kinds: ['CronJob'],
  severity: 'warning',
  what: "A CronJob's schedule has runs at a time its timeZone skips or repeats when daylight saving time starts or ends (02:30 in Europe/Berlin).",
  why: 'The run in the skipped hour is not started that day, and the one in the repeated hour is started twice: a retrain is missed once a year and runs twice once a year.',
  fix: "Schedule the runs outside the hour the clock changes (e.g. 04:00), or set timeZone to 'Etc/UTC', which has no daylight saving time.",
  example: `kind: CronJob
spec:
  schedule: "30 2 * * *"
  timeZone: Europe/Berlin   # 02:00-03:00 is skipped in March and repeated in October`,
  check(object) {
    const schedule = object?.spec?.schedule;
    const timeZone = object?.spec?.timeZone;
    if (object?.kind !== 'CronJob' || typeof schedule !== 'string' || typeof timeZone !== 'string') return [];
    if (timeZoneProblem(timeZone) !== undefined) return []; // cronjob-schedule reports it
    try {
      // Hourly and more often: one run more or less among many is what the schedule says.
      if (parseSchedule(schedule).everyHour) return [];
    } catch {
      return [];
    }
    // The next change of each direction from now: this year's, or next year's once it has passed.
    const now = new Date();
    const today = now.toISOString().slice(0, 10);
    const upcoming = [...clockChanges(schedule, timeZone, now.getUTCFullYear()), ...clockChanges(schedule, timeZone, now.getUTCFullYear() + 1)]
      .filter((change) => change.date >= today);
    const changes = (['forward', 'back', 'uneven'] as const)
      .map((direction) => upcoming.find((change) => change.direction === direction))
      .filter((change): change is ClockChange => change !== undefined);
    if (changes.length === 0) return [];
    const said = changes.map((change) => change.direction === 'forward'
      ? `on ${change.date} the clock goes forward from ${change.at} to ${change.to}, so the ${list(change.runs)} run${change.runs.length > 1 ? 's are' : ' is'} not started that day`
      : change.direction === 'uneven'
        ? `on ${change.date} the clock changes from ${change.at} to ${change.to}, by less than an hour, and the controller's cron library steps by whole hours: ` +
          `the ${list(change.runs)} run${change.runs.length > 1 ? 's' : ''} may be skipped or started twice that day`
        : `on ${change.date} it goes back from ${change.at} to ${change.to}, so the ${list(change.runs)} run${change.runs.length > 1 ? 's start' : ' starts'} twice` +
        (object.spec?.concurrencyPolicy === 'Forbid' ? ' (under Forbid the second is skipped if the first is still running)' : ''));
    return [at(['spec', 'schedule'], `spec.schedule '${schedule}' in ${timeZone}: ${said.join('; ')}.`)];
  },
};

function list(runs: string[]): string {
  return runs.length <= 3 ? runs.join(', ') : `${runs.slice(0, 3).join(', ')} and ${runs.length - 3} more`;
}
