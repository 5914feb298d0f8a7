import { Rule } from './rule';
import { forEachPodSpec } from './workloads';

const EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

/** RULEBOOK P9: toleration operators, values and effects. */
export const tolerations: Rule = {
  id: 'tolerations',
  rulebook: ['P9'],
  severity: 'error',
  refusedBy: 'the apiserver',
  what: 'A toleration has a bad operator, a value with Exists, an empty key without Exists, tolerationSeconds without NoExecute, or an unknown effect.',
  why: 'The apiserver rejects the pod.',
  fix: 'Use operator Equal with a value or Exists without one, and an effect of NoSchedule, PreferNoSchedule or NoExecute.',
  example: `tolerations:
  - key: nvidia.com/gpu
    operator: Exists
    value: present   # Exists takes no value`,
  check(object) {
    const messages: string[] = [];
    forEachPodSpec(object, (podSpec, path) => {
      (podSpec?.tolerations ?? []).forEach((toleration: any, i: number) => {
        const where = `${path}.tolerations[${i}]`;
        const operator = toleration?.operator ?? 'Equal';
        if (operator !== 'Equal' && operator !== 'Exists') messages.push(`${where}.operator '${operator}' must be Equal or Exists.`);
        if (operator === 'Exists' && toleration.value !== undefined && toleration.value !== '') messages.push(`${where}: operator Exists takes no value.`);
        if ((toleration?.key ?? '') === '' && operator !== 'Exists') messages.push(`${where}: an empty key needs operator Exists.`);
        if (toleration?.tolerationSeconds !== undefined && toleration.effect !== 'NoExecute') {
          messages.push(`${where}: tolerationSeconds is only allowed with effect NoExecute.`);
        }
        if (toleration?.effect !== undefined && toleration.effect !== '' && !EFFECTS.includes(toleration.effect)) {
          messages.push(`${where}.effect '${toleration.effect}' must be one of ${EFFECTS.join(', ')}.`);
        }
      });
    });
    return messages;
  },
};
