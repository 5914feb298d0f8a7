import { at, Rule } from './rule';
import { jobSpecKeys, jobSpecOf } from '../k8s/workloads';
import { SOURCES } from '../knowledge/sources';
import { GATED_JOB_FIELDS } from '../knowledge/versions';

/** Fields the target apiserver drops without a word. */
export const versionGatedFields: Rule = {
  id: 'version-gated-fields',
  sources: [SOURCES.featureGates],
  kinds: ['Job', 'CronJob'],
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
      .map((gated) => at([...jobSpecKeys(object), ...(gated.at ? gated.at(spec) : gated.field.split(' ')[0].split('.').slice(1))],
        `${gated.field} needs Kubernetes 1.${gated.sinceMinor}+; a 1.${context.kubernetesMinor} apiserver drops it silently.`));
  },
};
