import { Rule } from './rule';
import { jobSpecOf } from './workloads';

/** RULEBOOK J1: a Job's pods restart Never or OnFailure, and only Never with a podFailurePolicy. */
export const jobRestartPolicy: Rule = {
  id: 'job-restart-policy',
  rulebook: ['J1'],
  severity: 'error',
  refusedBy: 'the apiserver',
  what: 'A Job pod template has restartPolicy Always or none, or OnFailure together with a podFailurePolicy.',
  why: 'The apiserver rejects Always (the default when omitted), and a podFailurePolicy only works with Never.',
  fix: "Set spec.template.spec.restartPolicy to 'Never'.",
  example: `kind: Job
spec:
  podFailurePolicy: {rules: [...]}
  template:
    spec:
      restartPolicy: OnFailure   # must be Never`,
  check(object) {
    const spec = jobSpecOf(object);
    if (!spec) return [];
    const policy = spec.template?.spec?.restartPolicy;
    const podSpec = [...(object.kind === 'CronJob' ? ['spec', 'jobTemplate', 'spec'] : ['spec']), 'template', 'spec'];
    const path = policy === undefined ? podSpec : [...podSpec, 'restartPolicy'];
    const fix = `Set ${podSpec.join('.')}.restartPolicy to 'Never'.`;
    if (policy !== 'Never' && policy !== 'OnFailure') {
      return [{ message: `restartPolicy is ${policy === undefined ? 'not set (defaults to Always)' : `'${policy}'`}; a Job needs Never or OnFailure.`, fix, path }];
    }
    if (policy === 'OnFailure' && spec.podFailurePolicy) {
      return [{ message: "restartPolicy 'OnFailure' is combined with a podFailurePolicy: only \"Never\" is supported when podFailurePolicy is specified.", fix, path }];
    }
    return [];
  },
};
