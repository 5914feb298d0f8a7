import { at, Rule, RuleMessage } from './rule';
import { parseSchedule, ScheduleError, timeZoneProblem } from '../k8s/cron';
import { SOURCES } from '../knowledge/sources';

/** The schedule parses as the controller parses it and can fire; the time zone loads. */
export const cronjobSchedule: Rule = {
  id: 'cronjob-schedule',
  sources: [SOURCES.cronParser, SOURCES.batchValidation],
  kinds: ['CronJob'],
  severity: 'error',
  refusedBy: 'the apiserver',
  what: 'A CronJob schedule does not parse, never fires or embeds TZ=, or its timeZone is empty, Local or unknown.',
  why: 'The apiserver rejects the CronJob, or (a date like 30 February) accepts one that never runs.',
  fix: "Write five fields (minute hour day-of-month month day-of-week, day-of-week 0-6) or a descriptor, and set timeZone to an IANA name such as 'Etc/UTC'.",
  example: `kind: CronJob
spec:
  schedule: "0 2 * * 7"   # day-of-week is 0-6`,
  check(object) {
    if (object?.kind !== 'CronJob' || object.apiVersion !== 'batch/v1') return [];
    const messages: RuleMessage[] = [];
    const schedule = object.spec?.schedule;
    if (typeof schedule !== 'string') {
      messages.push(at(['spec', 'schedule'], 'spec.schedule is not set.'));
    } else {
      try {
        parseSchedule(schedule);
      } catch (error) {
        if (!(error instanceof ScheduleError)) throw error;
        messages.push(at(['spec', 'schedule'], `spec.schedule '${schedule}': ${error.message}.`));
      }
    }
    const timeZone = object.spec?.timeZone;
    if (timeZone !== undefined) {
      const problem = timeZoneProblem(String(timeZone));
      if (problem) messages.push(at(['spec', 'timeZone'], `spec.timeZone '${timeZone}' ${problem}.`));
    }
    return messages;
  },
};
