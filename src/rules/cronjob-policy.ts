import { at, Rule, RuleMessage } from './rule';
import { SOURCES } from '../knowledge/sources';

const POLICIES = ['Allow', 'Forbid', 'Replace'];

/** A training CronJob is Forbid, has history limits and a startingDeadlineSeconds. */
export const cronjobPolicy: Rule = {
  id: 'cronjob-policy',
  sources: [SOURCES.batchValidation, SOURCES.cronJobController],
  kinds: ['CronJob'],
  severity: 'error',
  what: 'A CronJob allows overlapping runs, has a negative or unknown setting, or no startingDeadlineSeconds.',
  why: 'Overlapping training runs double the GPU bill and race on checkpoints; without startingDeadlineSeconds, 100 missed starts stall the CronJob.',
  fix: 'Set concurrencyPolicy Forbid, history limits >= 0 and a startingDeadlineSeconds.',
  example: `kind: CronJob
spec:
  schedule: "0 2 * * 0"   # concurrencyPolicy defaults to Allow`,
  check(object) {
    if (object?.kind !== 'CronJob' || object.apiVersion !== 'batch/v1') return [];
    const spec = object.spec ?? {};
    const messages: RuleMessage[] = [];
    const policy = spec.concurrencyPolicy ?? 'Allow';
    if (!POLICIES.includes(policy)) {
      messages.push(at(['spec', 'concurrencyPolicy'], `concurrencyPolicy '${policy}' must be one of ${POLICIES.join(', ')}.`,
        'Set spec.concurrencyPolicy: Forbid (the values are case-sensitive).'));
    } else if (policy === 'Allow') {
      messages.push(at(['spec', 'concurrencyPolicy'], `concurrencyPolicy is ${spec.concurrencyPolicy === undefined ? 'not set (defaults to Allow)' : 'Allow'}; training runs would overlap.`,
        'Set spec.concurrencyPolicy: Forbid (or Replace, if a new run should stop the running one).'));
    }
    for (const field of ['startingDeadlineSeconds', 'successfulJobsHistoryLimit', 'failedJobsHistoryLimit']) {
      const value = spec[field];
      if (value !== undefined && (!Number.isInteger(value) || value < 0)) {
        messages.push(at(['spec', field], `${field} (${value}) must be a whole number >= 0.`, `Set spec.${field} to a whole number >= 0, e.g. ${field === 'startingDeadlineSeconds' ? 3600 : 3}.`));
      }
    }
    if (spec.startingDeadlineSeconds === undefined) {
      messages.push(at(['spec', 'startingDeadlineSeconds'], 'startingDeadlineSeconds is not set; over 100 missed start times would stall the CronJob.',
        'Set spec.startingDeadlineSeconds, e.g. 3600: a start missed by more than that is skipped instead of counted.'));
    }
    return messages;
  },
};
