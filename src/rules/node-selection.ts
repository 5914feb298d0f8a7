import { at, Rule, RuleMessage, WORKLOADS } from './rule';
import { FieldPath, pathText } from '../k8s/paths';
import { isLabelKey, isLabelValue, labelMapProblems } from '../k8s/syntax';
import { SOURCES } from '../knowledge/sources';

const OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt'];

/**
 * One node selector requirement, as ValidateNodeSelectorRequirement checks it: an operator it
 * knows with the number of values that operator takes, a label key, and (for required terms)
 * label values.
 */
function requirementProblems(requirement: any, keys: FieldPath, checkValues: boolean): RuleMessage[] {
  const messages: RuleMessage[] = [];
  const where = pathText(keys);
  const operator = requirement?.operator;
  const values: unknown[] = Array.isArray(requirement?.values) ? requirement.values : [];
  if (!OPERATORS.includes(operator)) {
    messages.push(at([...keys, 'operator'], `${where}.operator '${operator}' must be one of ${OPERATORS.join(', ')}.`));
  } else if ((operator === 'In' || operator === 'NotIn') && values.length === 0) {
    messages.push(at([...keys, 'values'], `${where}: operator ${operator} needs values.`));
  } else if ((operator === 'Exists' || operator === 'DoesNotExist') && values.length > 0) {
    messages.push(at([...keys, 'values'], `${where}: operator ${operator} takes no values (found ${values.length}).`));
  } else if ((operator === 'Gt' || operator === 'Lt') && values.length !== 1) {
    messages.push(at([...keys, 'values'], `${where}: operator ${operator} takes exactly one value (found ${values.length}).`));
  }
  if (!isLabelKey(requirement?.key)) messages.push(at([...keys, 'key'], `${where}.key '${requirement?.key}' is not a valid label key.`));
  if (checkValues) {
    values.forEach((value, i) => {
      if (!isLabelValue(value as string)) messages.push(at([...keys, 'values', i], `${where}.values[${i}] '${value}' is not a valid label value.`));
    });
  }
  return messages;
}

/** A node selector term's expressions and fields (ValidateNodeSelectorTerm). */
function termProblems(term: any, keys: FieldPath, checkValues: boolean): RuleMessage[] {
  const messages: RuleMessage[] = [];
  (Array.isArray(term?.matchExpressions) ? term.matchExpressions : []).forEach((requirement: any, i: number) => {
    messages.push(...requirementProblems(requirement, [...keys, 'matchExpressions', i], checkValues));
  });
  // matchFields select by node field: only metadata.name, with In or NotIn and one value.
  (Array.isArray(term?.matchFields) ? term.matchFields : []).forEach((requirement: any, i: number) => {
    const fieldKeys = [...keys, 'matchFields', i];
    const where = pathText(fieldKeys);
    if (requirement?.key !== 'metadata.name') messages.push(at([...fieldKeys, 'key'], `${where}.key '${requirement?.key}' must be metadata.name, the only node field a pod can select by.`));
    if (requirement?.operator !== 'In' && requirement?.operator !== 'NotIn') {
      messages.push(at([...fieldKeys, 'operator'], `${where}.operator '${requirement?.operator}' must be In or NotIn.`));
    } else if (!Array.isArray(requirement?.values) || requirement.values.length !== 1) {
      messages.push(at([...fieldKeys, 'values'], `${where}: operator ${requirement.operator} takes exactly one node name.`));
    }
  });
  return messages;
}

/** Node placement as the apiserver validates it: nodeSelector labels, node affinity terms and topology spread constraints. */
export const nodeSelection: Rule = {
  id: 'node-selection',
  sources: [SOURCES.coreValidation],
  kinds: [WORKLOADS],
  severity: 'error',
  refusedBy: 'the apiserver',
  what: 'A nodeSelector label is malformed, a node affinity term has an unknown operator, the wrong number of values for its operator, a bad label key or value, or a weight outside 1-100, or a topology spread constraint is malformed.',
  why: 'The apiserver rejects the pod (for custom resources, the operator fails later with an event): a typo in the GPU node selection stops the whole run.',
  fix: 'Use operators In, NotIn (with values), Exists, DoesNotExist (without) or Gt, Lt (one value), valid label keys and values, and weights from 1 to 100.',
  example: `affinity:
  nodeAffinity:
    requiredDuringSchedulingIgnoredDuringExecution:
      nodeSelectorTerms:
      - matchExpressions:
        - {key: cloud.google.com/gke-accelerator, operator: in, values: [nvidia-h100-80gb]}   # In`,
  check(object, context) {
    const messages: RuleMessage[] = [];
    context.workloads.forEachPodSpec(object, (podSpec, path, _ref, keys) => {
      const selector = podSpec?.nodeSelector;
      if (selector !== undefined && selector !== null && typeof selector === 'object') {
        for (const problem of labelMapProblems(selector)) messages.push(at([...keys, 'nodeSelector', problem.key], `${path}.nodeSelector ${problem.message}`));
      }
      const affinity = podSpec?.affinity?.nodeAffinity;
      const required = affinity?.requiredDuringSchedulingIgnoredDuringExecution;
      const affinityKeys = [...keys, 'affinity', 'nodeAffinity'];
      if (required !== undefined && required !== null) {
        const requiredKeys = [...affinityKeys, 'requiredDuringSchedulingIgnoredDuringExecution'];
        const terms = Array.isArray(required.nodeSelectorTerms) ? required.nodeSelectorTerms : [];
        if (terms.length === 0) messages.push(at([...requiredKeys, 'nodeSelectorTerms'], `${pathText(requiredKeys)} has no nodeSelectorTerms; it needs at least one.`));
        terms.forEach((term: any, i: number) => {
          messages.push(...termProblems(term, [...requiredKeys, 'nodeSelectorTerms', i], true));
        });
      }
      const preferredTerms = affinity?.preferredDuringSchedulingIgnoredDuringExecution;
      const preferred = Array.isArray(preferredTerms) ? preferredTerms : [];
      preferred.forEach((term: any, i: number) => {
        const termKeys = [...affinityKeys, 'preferredDuringSchedulingIgnoredDuringExecution', i];
        if (!Number.isInteger(term?.weight) || term.weight < 1 || term.weight > 100) {
          messages.push(at([...termKeys, 'weight'], `${pathText(termKeys)}.weight (${term?.weight}) must be from 1 to 100.`));
        }
        // Preferred terms may name label values no node has: the apiserver does not check them.
        messages.push(...termProblems(term?.preference, [...termKeys, 'preference'], false));
      });
      messages.push(...spreadProblems(podSpec?.topologySpreadConstraints, [...keys, 'topologySpreadConstraints']));
    });
    return messages;
  },
};

const WHEN_UNSATISFIABLE = ['DoNotSchedule', 'ScheduleAnyway'];
const NODE_POLICIES = ['Honor', 'Ignore'];

/**
 * Topology spread constraints as validateTopologySpreadConstraints checks them: a positive
 * maxSkew, a topologyKey, whenUnsatisfiable DoNotSchedule or ScheduleAnyway, each
 * {topologyKey, whenUnsatisfiable} once, minDomains positive and only with DoNotSchedule,
 * node inclusion policies Honor or Ignore. (Label selectors are not checked here.)
 */
function spreadProblems(constraints: unknown, keys: FieldPath): RuleMessage[] {
  if (!Array.isArray(constraints)) return [];
  const messages: RuleMessage[] = [];
  const seen = new Set<string>();
  constraints.forEach((constraint: any, i: number) => {
    const entry = [...keys, i];
    const where = pathText(entry);
    if (!Number.isInteger(constraint?.maxSkew) || constraint.maxSkew < 1) messages.push(at([...entry, 'maxSkew'], `${where}.maxSkew (${constraint?.maxSkew}) must be a whole number of at least 1.`));
    if (typeof constraint?.topologyKey !== 'string' || constraint.topologyKey === '') messages.push(at([...entry, 'topologyKey'], `${where} has no topologyKey.`));
    const action = constraint?.whenUnsatisfiable;
    if (!WHEN_UNSATISFIABLE.includes(action)) messages.push(at([...entry, 'whenUnsatisfiable'], `${where}.whenUnsatisfiable '${action}' must be one of ${WHEN_UNSATISFIABLE.join(', ')}.`));
    const pair = `${constraint?.topologyKey}|${action}`;
    if (seen.has(pair)) messages.push(at(entry, `${where} repeats {${constraint?.topologyKey}, ${action}}; each topologyKey takes one constraint per whenUnsatisfiable.`));
    seen.add(pair);
    if (constraint?.minDomains !== undefined && constraint?.minDomains !== null) {
      if (!Number.isInteger(constraint.minDomains) || constraint.minDomains < 1) messages.push(at([...entry, 'minDomains'], `${where}.minDomains (${constraint.minDomains}) must be a whole number of at least 1.`));
      else if (action !== 'DoNotSchedule') messages.push(at([...entry, 'minDomains'], `${where}.minDomains needs whenUnsatisfiable DoNotSchedule, not ${action}.`));
    }
    for (const field of ['nodeAffinityPolicy', 'nodeTaintsPolicy']) {
      const policy = constraint?.[field];
      if (policy !== undefined && policy !== null && !NODE_POLICIES.includes(policy)) messages.push(at([...entry, field], `${where}.${field} '${policy}' must be Honor or Ignore.`));
    }
  });
  return messages;
}
