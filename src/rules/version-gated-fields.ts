import { GATED_JOB_FIELDS } from './knowledge';
import { Rule } from './rule';
import { jobSpecOf } from './workloads';

/** RULEBOOK G1, J4, J6, J7: fields the target apiserver drops without a word. */
export const versionGatedFields: Rule = {
  id: 'version-gated-fields',
  rulebook: ['G1', 'J4', 'J6', 'J7'],
  severity: 'error',
  what: 'A Job uses a field that the target Kubernetes version does not enable.',
  why: 'An apiserver with the feature off drops the field silently, so the Job runs without the behaviour it declares.',
  fix: 'Remove the field, or target a Kubernetes version that supports it (KubernetesVersion.setTarget).',
  example: `# target 1.28
kind: Job
spec:
  podReplacementPolicy: Failed   # alpha in 1.28: dropped silently`,
  check(object, context) {
    const spec = jobSpecOf(object);
    if (!spec) return [];
    return GATED_JOB_FIELDS
      .filter((gated) => gated.present(spec) && context.kubernetesMinor < gated.sinceMinor)
      .map((gated) => `${gated.field} needs Kubernetes 1.${gated.sinceMinor}+; a 1.${context.kubernetesMinor} apiserver drops it silently.`);
  },
};
