import { at, Rule } from './rule';
import { parseSchedule } from '../k8s/cron';
import { humanSeconds } from '../k8s/duration';
import { SOURCES } from '../knowledge/sources';

/** Under Forbid, a job deadline as long as the interval between runs skips runs. */
export const cronjobDeadline: Rule = {
  id: 'cronjob-deadline',
  sources: [SOURCES.cronJobController],
  kinds: ['CronJob'],
  severity: 'warning',
  what: "A Forbid CronJob's job deadline is at least the shortest interval between two scheduled runs.",
  why: 'A run that uses its whole deadline is still active at the next start time, which Forbid then skips.',
  fix: 'Shorten activeDeadlineSeconds below the interval, or schedule runs further apart.',
  example: `kind: CronJob
spec:
  schedule: "@hourly"
  concurrencyPolicy: Forbid
  jobTemplate: {spec: {activeDeadlineSeconds: 7200}}`,
  check(object) {
    if (object?.kind !== 'CronJob' || object.spec?.concurrencyPolicy !== 'Forbid') return [];
    const deadline = object.spec?.jobTemplate?.spec?.activeDeadlineSeconds;
    if (!Number.isInteger(deadline)) return [];
    let intervalMinutes: number;
    try {
      intervalMinutes = parseSchedule(object.spec.schedule).minIntervalMinutes;
    } catch {
      return []; // cronjob-schedule reports it
    }
    return deadline >= intervalMinutes * 60
      ? [at(['spec', 'jobTemplate', 'spec', 'activeDeadlineSeconds'], `activeDeadlineSeconds (${deadline}, ${humanSeconds(deadline)}) is at least the shortest interval between runs of ` +
        `'${object.spec.schedule}' (${intervalMinutes * 60} seconds, ${humanSeconds(intervalMinutes * 60)}); a long run makes Forbid skip the next one.`)]
      : [];
  },
};
