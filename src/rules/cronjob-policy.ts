import { Rule } from './rule';

const POLICIES = ['Allow', 'Forbid', 'Replace'];

/** RULEBOOK C5: a training CronJob is Forbid, has history limits and a startingDeadlineSeconds. */
export const cronjobPolicy: Rule = {
  id: 'cronjob-policy',
  rulebook: ['C5'],
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
    const messages: string[] = [];
    const policy = spec.concurrencyPolicy ?? 'Allow';
    if (!POLICIES.includes(policy)) messages.push(`concurrencyPolicy '${policy}' must be one of ${POLICIES.join(', ')}.`);
    else if (policy === 'Allow') messages.push(`concurrencyPolicy is ${spec.concurrencyPolicy === undefined ? 'not set (defaults to Allow)' : 'Allow'}; training runs would overlap.`);
    for (const field of ['startingDeadlineSeconds', 'successfulJobsHistoryLimit', 'failedJobsHistoryLimit']) {
      const value = spec[field];
      if (value !== undefined && (!Number.isInteger(value) || value < 0)) messages.push(`${field} (${value}) must be a whole number >= 0.`);
    }
    if (spec.startingDeadlineSeconds === undefined) messages.push('startingDeadlineSeconds is not set; over 100 missed start times would stall the CronJob.');
    return messages;
  },
};
