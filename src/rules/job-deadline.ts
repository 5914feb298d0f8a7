import { at, Rule } from './rule';
import { jobSpecKeys, jobSpecOf } from '../k8s/workloads';
import { SOURCES } from '../knowledge/sources';

/** Failures a podFailurePolicy ignores are retried without end unless a deadline bounds the run. */
export const jobDeadline: Rule = {
  id: 'job-deadline',
  sources: [SOURCES.jobController],
  kinds: ['Job', 'CronJob'],
  severity: 'error',
  what: 'A Job whose podFailurePolicy ignores some failures has no activeDeadlineSeconds.',
  why: 'Ignored failures do not count against backoffLimit, so a pod that keeps being reclaimed, or keeps exiting the ignored code, is retried forever: only the deadline ends the run.',
  fix: 'Set activeDeadlineSeconds to the longest the run may take, retries included (the constructs set it from activeDeadline).',
  example: `kind: Job
spec:
  podFailurePolicy:
    rules: [{action: Ignore, onPodConditions: [{type: DisruptionTarget}]}]
  # no activeDeadlineSeconds`,
  check(object) {
    const spec = jobSpecOf(object);
    const rules = spec?.podFailurePolicy?.rules;
    if (!Array.isArray(rules) || !rules.some((rule: any) => rule?.action === 'Ignore')) return [];
    if (spec.activeDeadlineSeconds !== undefined && spec.activeDeadlineSeconds !== null) return [];
    const keys = jobSpecKeys(object);
    return [at([...keys, 'activeDeadlineSeconds'],
      `${keys.join('.')}.activeDeadlineSeconds is not set, but the podFailurePolicy ignores some failures: those are retried without end.`)];
  },
};
