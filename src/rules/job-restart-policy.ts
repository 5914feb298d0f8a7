import { at, Rule } from './rule';
import { jobSpecKeys, jobSpecOf } from '../k8s/workloads';
import { SOURCES } from '../knowledge/sources';

/** A Job's pods restart Never or OnFailure, and only Never with a podFailurePolicy. */
export const jobRestartPolicy: Rule = {
  id: 'job-restart-policy',
  sources: [SOURCES.batchValidation],
  kinds: ['Job', 'CronJob'],
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
    const podSpec = [...jobSpecKeys(object), 'template', 'spec'];
    const path = policy === undefined ? podSpec : [...podSpec, 'restartPolicy'];
    const fix = `Set ${podSpec.join('.')}.restartPolicy to 'Never'.`;
    if (policy !== 'Never' && policy !== 'OnFailure') {
      return [at(path, `restartPolicy is ${policy === undefined ? 'not set (defaults to Always)' : `'${policy}'`}; a Job needs Never or OnFailure.`, fix)];
    }
    if (policy === 'OnFailure' && spec.podFailurePolicy) {
      return [at(path, "restartPolicy 'OnFailure' is combined with a podFailurePolicy: only \"Never\" is supported when podFailurePolicy is specified.", fix)];
    }
    return [];
  },
};
