import { isLabelKey, isLabelValue } from './k8s-syntax';
import { labelMapProblems } from './labels';
import { Rule } from './rule';
import { forEachPodSpec } from './workloads';

const OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt'];

/**
 * One node selector requirement, as ValidateNodeSelectorRequirement (k8s.io/kubernetes v1.36
 * pkg/apis/core/validation) checks it: an operator it knows with the number of values that
 * operator takes, a label key, and (for required terms) label values.
 */
function requirementProblems(requirement: any, where: string, checkValues: boolean): string[] {
  const messages: string[] = [];
  const operator = requirement?.operator;
  const values: unknown[] = Array.isArray(requirement?.values) ? requirement.values : [];
  if (!OPERATORS.includes(operator)) {
    messages.push(`${where}.operator '${operator}' must be one of ${OPERATORS.join(', ')}.`);
  } else if ((operator === 'In' || operator === 'NotIn') && values.length === 0) {
    messages.push(`${where}: operator ${operator} needs values.`);
  } else if ((operator === 'Exists' || operator === 'DoesNotExist') && values.length > 0) {
    messages.push(`${where}: operator ${operator} takes no values (found ${values.length}).`);
  } else if ((operator === 'Gt' || operator === 'Lt') && values.length !== 1) {
    messages.push(`${where}: operator ${operator} takes exactly one value (found ${values.length}).`);
  }
  if (!isLabelKey(requirement?.key)) messages.push(`${where}.key '${requirement?.key}' is not a valid label key.`);
  if (checkValues) {
    values.forEach((value, i) => {
      if (!isLabelValue(value as string)) messages.push(`${where}.values[${i}] '${value}' is not a valid label value.`);
    });
  }
  return messages;
}

/** A node selector term's expressions and fields (ValidateNodeSelectorTerm). */
function termProblems(term: any, where: string, checkValues: boolean): string[] {
  const messages: string[] = [];
  (Array.isArray(term?.matchExpressions) ? term.matchExpressions : []).forEach((requirement: any, i: number) => {
    messages.push(...requirementProblems(requirement, `${where}.matchExpressions[${i}]`, checkValues));
  });
  // matchFields select by node field: only metadata.name, with In or NotIn and one value.
  (Array.isArray(term?.matchFields) ? term.matchFields : []).forEach((requirement: any, i: number) => {
    const at = `${where}.matchFields[${i}]`;
    if (requirement?.key !== 'metadata.name') messages.push(`${at}.key '${requirement?.key}' must be metadata.name, the only node field a pod can select by.`);
    if (requirement?.operator !== 'In' && requirement?.operator !== 'NotIn') {
      messages.push(`${at}.operator '${requirement?.operator}' must be In or NotIn.`);
    } else if (!Array.isArray(requirement?.values) || requirement.values.length !== 1) {
      messages.push(`${at}: operator ${requirement.operator} takes exactly one node name.`);
    }
  });
  return messages;
}

/** Node placement as the apiserver validates it: nodeSelector labels, node affinity terms and topology spread constraints. */
export const nodeSelection: Rule = {
  id: 'node-selection',
  rulebook: [],
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
  check(object) {
    const messages: string[] = [];
    forEachPodSpec(object, (podSpec, path) => {
      const selector = podSpec?.nodeSelector;
      if (selector !== undefined && selector !== null && typeof selector === 'object') messages.push(...labelMapProblems(selector, `${path}.nodeSelector`));
      const affinity = podSpec?.affinity?.nodeAffinity;
      const required = affinity?.requiredDuringSchedulingIgnoredDuringExecution;
      const at = `${path}.affinity.nodeAffinity`;
      if (required !== undefined && required !== null) {
        const terms = Array.isArray(required.nodeSelectorTerms) ? required.nodeSelectorTerms : [];
        if (terms.length === 0) messages.push(`${at}.requiredDuringSchedulingIgnoredDuringExecution has no nodeSelectorTerms; it needs at least one.`);
        terms.forEach((term: any, i: number) => {
          messages.push(...termProblems(term, `${at}.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[${i}]`, true));
        });
      }
      const preferredTerms = affinity?.preferredDuringSchedulingIgnoredDuringExecution;
      const preferred = Array.isArray(preferredTerms) ? preferredTerms : [];
      preferred.forEach((term: any, i: number) => {
        const where = `${at}.preferredDuringSchedulingIgnoredDuringExecution[${i}]`;
        if (!Number.isInteger(term?.weight) || term.weight < 1 || term.weight > 100) messages.push(`${where}.weight (${term?.weight}) must be from 1 to 100.`);
        // Preferred terms may name label values no node has: the apiserver does not check them.
        messages.push(...termProblems(term?.preference, `${where}.preference`, false));
      });
      messages.push(...spreadProblems(podSpec?.topologySpreadConstraints, `${path}.topologySpreadConstraints`));
    });
    return messages;
  },
};

const WHEN_UNSATISFIABLE = ['DoNotSchedule', 'ScheduleAnyway'];
const NODE_POLICIES = ['Honor', 'Ignore'];

/**
 * Topology spread constraints as validateTopologySpreadConstraints (k8s.io/kubernetes v1.36)
 * checks them: a positive maxSkew, a topologyKey, whenUnsatisfiable DoNotSchedule or
 * ScheduleAnyway, each {topologyKey, whenUnsatisfiable} once, minDomains positive and only with
 * DoNotSchedule, node inclusion policies Honor or Ignore. (Label selectors are not checked here.)
 */
function spreadProblems(constraints: unknown, where: string): string[] {
  if (!Array.isArray(constraints)) return [];
  const messages: string[] = [];
  const seen = new Set<string>();
  constraints.forEach((constraint: any, i: number) => {
    const at = `${where}[${i}]`;
    if (!Number.isInteger(constraint?.maxSkew) || constraint.maxSkew < 1) messages.push(`${at}.maxSkew (${constraint?.maxSkew}) must be a whole number of at least 1.`);
    if (typeof constraint?.topologyKey !== 'string' || constraint.topologyKey === '') messages.push(`${at} has no topologyKey.`);
    const action = constraint?.whenUnsatisfiable;
    if (!WHEN_UNSATISFIABLE.includes(action)) messages.push(`${at}.whenUnsatisfiable '${action}' must be one of ${WHEN_UNSATISFIABLE.join(', ')}.`);
    const pair = `${constraint?.topologyKey}|${action}`;
    if (seen.has(pair)) messages.push(`${at} repeats {${constraint?.topologyKey}, ${action}}; each topologyKey takes one constraint per whenUnsatisfiable.`);
    seen.add(pair);
    if (constraint?.minDomains !== undefined && constraint?.minDomains !== null) {
      if (!Number.isInteger(constraint.minDomains) || constraint.minDomains < 1) messages.push(`${at}.minDomains (${constraint.minDomains}) must be a whole number of at least 1.`);
      else if (action !== 'DoNotSchedule') messages.push(`${at}.minDomains needs whenUnsatisfiable DoNotSchedule, not ${action}.`);
    }
    for (const field of ['nodeAffinityPolicy', 'nodeTaintsPolicy']) {
      const policy = constraint?.[field];
      if (policy !== undefined && policy !== null && !NODE_POLICIES.includes(policy)) messages.push(`${at}.${field} '${policy}' must be Honor or Ignore.`);
    }
  });
  return messages;
}
