import { at, Rule, RuleMessage } from './rule';
import { containersOf, jobSpecKeys, jobSpecOf } from '../k8s/workloads';
import { SOURCES } from '../knowledge/sources';

const ACTIONS = ['Count', 'FailIndex', 'FailJob', 'Ignore'];

/** The structure the apiserver accepts for podFailurePolicy. */
export const jobPodFailurePolicy: Rule = {
  id: 'job-pod-failure-policy',
  sources: [SOURCES.batchValidation],
  kinds: ['Job', 'CronJob'],
  severity: 'error',
  refusedBy: 'the apiserver',
  what: 'A podFailurePolicy rule is malformed.',
  why: 'The apiserver rejects the Job, and the policy is immutable once created.',
  fix: 'Give each rule one action (Count, FailIndex, FailJob, Ignore) and exactly one of onExitCodes or onPodConditions with valid values.',
  example: `podFailurePolicy:
  rules:
    - action: Ignore
      onExitCodes: {operator: In, values: [0, 143]}   # 0 is not allowed with In`,
  check(object) {
    const spec = jobSpecOf(object);
    const rules = spec?.podFailurePolicy?.rules;
    if (!Array.isArray(rules)) return [];
    const policy = [...jobSpecKeys(object), 'podFailurePolicy'];
    const messages: RuleMessage[] = [];
    if (rules.length > 20) messages.push(at([...policy, 'rules'], `podFailurePolicy has ${rules.length} rules; at most 20 are allowed.`));
    const containers = new Set(containersOf(spec.template?.spec).map((c) => c?.name));
    rules.forEach((rule: any, i: number) => {
      const where = `podFailurePolicy.rules[${i}]`;
      const keys = [...policy, 'rules', i];
      if (!ACTIONS.includes(rule?.action)) messages.push(at([...keys, 'action'], `${where}.action '${rule?.action}' must be one of ${ACTIONS.join(', ')}.`));
      if (rule?.action === 'FailIndex' && spec.backoffLimitPerIndex === undefined) {
        messages.push(at([...keys, 'action'], `${where}: action FailIndex needs backoffLimitPerIndex.`));
      }
      // As the apiserver: an empty onPodConditions list counts as absent.
      const hasCodes = rule?.onExitCodes !== undefined && rule?.onExitCodes !== null;
      const hasConditions = Array.isArray(rule?.onPodConditions) && rule.onPodConditions.length > 0;
      if (hasCodes === hasConditions) messages.push(at(keys, `${where} must have exactly one of onExitCodes and onPodConditions.`));
      if (hasCodes) {
        const codes = rule.onExitCodes;
        const codeKeys = [...keys, 'onExitCodes'];
        const values: any[] = Array.isArray(codes.values) ? codes.values : [];
        if (codes.operator !== 'In' && codes.operator !== 'NotIn') messages.push(at([...codeKeys, 'operator'], `${where}.onExitCodes.operator '${codes.operator}' must be In or NotIn.`));
        if (values.length < 1 || values.length > 255) messages.push(at([...codeKeys, 'values'], `${where}.onExitCodes.values must have 1 to 255 entries.`));
        if (values.some((v, j) => !Number.isInteger(v) || (j > 0 && v <= values[j - 1]))) {
          messages.push(at([...codeKeys, 'values'], `${where}.onExitCodes.values (${values.join(', ')}) must be whole numbers in strictly ascending order without duplicates.`));
        }
        if (codes.operator === 'In' && values.includes(0)) messages.push(at([...codeKeys, 'values'], `${where}.onExitCodes.values must not contain 0 with operator In.`));
        if (codes.containerName !== undefined && !containers.has(codes.containerName)) {
          messages.push(at([...codeKeys, 'containerName'], `${where}.onExitCodes.containerName '${codes.containerName}' names no container of the pod.`));
        }
      }
      if (hasConditions) {
        const conditions: any[] = Array.isArray(rule.onPodConditions) ? rule.onPodConditions : [];
        const conditionKeys = [...keys, 'onPodConditions'];
        if (conditions.length > 20) messages.push(at(conditionKeys, `${where}.onPodConditions has more than 20 entries.`));
        conditions.forEach((condition, j) => {
          if (typeof condition?.type !== 'string' || condition.type === '') messages.push(at([...conditionKeys, j], `${where}.onPodConditions[${j}].type is required.`));
          if (condition?.status !== undefined && !['True', 'False', 'Unknown'].includes(condition.status)) {
            messages.push(at([...conditionKeys, j, 'status'], `${where}.onPodConditions[${j}].status '${condition.status}' must be True, False or Unknown.`));
          }
        });
      }
    });
    return messages;
  },
};
