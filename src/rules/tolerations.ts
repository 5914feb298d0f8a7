import { at, Rule, RuleMessage, WORKLOADS } from './rule';
import { SOURCES } from '../knowledge/sources';

const EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

/** Toleration operators, values and effects. */
export const tolerations: Rule = {
  id: 'tolerations',
  sources: [SOURCES.coreValidation],
  kinds: [WORKLOADS],
  severity: 'error',
  refusedBy: 'the apiserver',
  what: 'A toleration has a bad operator, a value with Exists, an empty key without Exists, tolerationSeconds without NoExecute, or an unknown effect.',
  why: 'The apiserver rejects the pod.',
  fix: 'Use operator Equal with a value or Exists without one, and an effect of NoSchedule, PreferNoSchedule or NoExecute.',
  example: `tolerations:
  - key: nvidia.com/gpu
    operator: Exists
    value: present   # Exists takes no value`,
  check(object, context) {
    const messages: RuleMessage[] = [];
    context.workloads.forEachPodSpec(object, (podSpec, path, _ref, keys) => {
      (Array.isArray(podSpec?.tolerations) ? podSpec.tolerations : []).forEach((toleration: any, i: number) => {
        const where = `${path}.tolerations[${i}]`;
        const entry = [...keys, 'tolerations', i];
        const operator = toleration?.operator ?? 'Equal';
        if (operator !== 'Equal' && operator !== 'Exists') messages.push(at([...entry, 'operator'], `${where}.operator '${operator}' must be Equal or Exists.`));
        if (operator === 'Exists' && toleration.value !== undefined && toleration.value !== '') messages.push(at([...entry, 'value'], `${where}: operator Exists takes no value.`));
        if ((toleration?.key ?? '') === '' && operator !== 'Exists') messages.push(at(entry, `${where}: an empty key needs operator Exists.`));
        if (toleration?.tolerationSeconds !== undefined && toleration.effect !== 'NoExecute') {
          messages.push(at([...entry, 'tolerationSeconds'], `${where}: tolerationSeconds is only allowed with effect NoExecute.`));
        }
        if (toleration?.effect !== undefined && toleration.effect !== '' && !EFFECTS.includes(toleration.effect)) {
          messages.push(at([...entry, 'effect'], `${where}.effect '${toleration.effect}' must be one of ${EFFECTS.join(', ')}.`));
        }
      });
    });
    return messages;
  },
};
