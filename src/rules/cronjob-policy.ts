import { at, Rule, RuleMessage } from './rule';
import { SOURCES } from '../knowledge/sources';
import { trainingReason } from '../knowledge/training';

const POLICIES = ['Allow', 'Forbid', 'Replace'];

/** A training CronJob is Forbid, and its counts are whole numbers. */
export const cronjobPolicy: Rule = {
  id: 'cronjob-policy',
  sources: [SOURCES.batchValidation, SOURCES.cronJobController],
  kinds: ['CronJob'],
  severity: 'error',
  what: 'A CronJob allows overlapping runs, or has a negative or unknown setting.',
  why: 'Overlapping training runs double the GPU bill and race on checkpoints; the apiserver refuses negative counts.',
  fix: 'Set concurrencyPolicy Forbid and history limits >= 0.',
  example: `kind: CronJob
spec:
  schedule: "0 2 * * 0"   # concurrencyPolicy defaults to Allow`,
  check(object, context) {
    if (object?.kind !== 'CronJob' || object.apiVersion !== 'batch/v1') return [];
    const spec = object.spec ?? {};
    // Overlapping runs matter for training (two runs on one checkpoint folder, twice the GPUs);
    // a backup or report CronJob may well allow them.
    const training = trainingReason(context.workloads, object) !== undefined;
    const messages: RuleMessage[] = [];
    const policy = spec.concurrencyPolicy ?? 'Allow';
    if (!POLICIES.includes(policy)) {
      messages.push(at(['spec', 'concurrencyPolicy'], `concurrencyPolicy '${policy}' must be one of ${POLICIES.join(', ')}.`,
        'Set spec.concurrencyPolicy: Forbid (the values are case-sensitive).'));
    } else if (policy === 'Allow' && training) {
      messages.push(at(['spec', 'concurrencyPolicy'], `concurrencyPolicy is ${spec.concurrencyPolicy === undefined ? 'not set (defaults to Allow)' : 'Allow'}; training runs would overlap.`,
        'Set spec.concurrencyPolicy: Forbid (or Replace, if a new run should stop the running one).'));
    }
    for (const field of ['startingDeadlineSeconds', 'successfulJobsHistoryLimit', 'failedJobsHistoryLimit']) {
      const value = spec[field];
      if (value !== undefined && (!Number.isInteger(value) || value < 0)) {
        messages.push(at(['spec', field], `${field} (${value}) must be a whole number >= 0.`, `Set spec.${field} to a whole number >= 0, e.g. ${field === 'startingDeadlineSeconds' ? 3600 : 3}.`));
      }
    }
    return messages;
  },
};

/**
 * Without startingDeadlineSeconds a missed start runs however late. The CronJob controller
 * (cronjob_controllerv2.go, since Kubernetes 1.21) starts the most recent missed schedule time
 * when it next syncs: after a controller or control-plane outage, or when a Forbid run that
 * blocked it ends. Beyond 100 missed times it records a TooManyMissedTimes event and still
 * starts it (utils.go mostRecentScheduleTime); only a deadline skips a start that is too late.
 */
export const cronjobStartingDeadline: Rule = {
  id: 'cronjob-starting-deadline',
  sources: [SOURCES.cronJobController, SOURCES.cronJobUtils],
  kinds: ['CronJob'],
  severity: 'warning',
  what: 'A CronJob has no startingDeadlineSeconds.',
  why: 'A start the controller missed (an outage, or a Forbid run that outlasted the next start) runs whenever the controller can start it, however late: a nightly retrain may start in the middle of the working day.',
  fix: 'Set spec.startingDeadlineSeconds to how late a run may still start (ScheduledRetrain defaults to 1 hour); a later start is skipped.',
  example: `kind: CronJob
spec:
  schedule: "0 2 * * *"   # no startingDeadlineSeconds: a 02:00 run missed until 14:00 starts at 14:00`,
  check(object, context) {
    if (object?.kind !== 'CronJob' || object.apiVersion !== 'batch/v1' || object.spec?.startingDeadlineSeconds !== undefined) return [];
    if (trainingReason(context.workloads, object) === undefined) return [];
    return [at(['spec', 'startingDeadlineSeconds'],
      'startingDeadlineSeconds is not set: a missed start (a controller outage, a Forbid run still active) runs however late the controller can start it ' +
      '(past 100 missed starts it records TooManyMissedTimes and still starts the most recent).',
      'Set spec.startingDeadlineSeconds, e.g. 3600: a start missed by more than that is skipped.')];
  },
};
