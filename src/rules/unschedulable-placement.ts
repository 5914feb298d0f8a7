import { at, Rule, RuleMessage, WORKLOADS } from './rule';
import { describeConflict, labelConflict, requiredPlacement } from '../k8s/placement';
import { SOURCES } from '../knowledge/sources';

/** A nodeSelector and required node affinity that no node's labels can satisfy together. */
export const unschedulablePlacement: Rule = {
  id: 'unschedulable-placement',
  sources: [SOURCES.nodeAffinity],
  kinds: [WORKLOADS],
  severity: 'error',
  what: 'No node can match the pod: its nodeSelector and every required node affinity term ask for contradictory labels.',
  why: 'The scheduler ANDs the nodeSelector with a required term and the expressions in it; a contradiction (spot selected and excluded, In and NotIn the same value) leaves every pod Pending until the deadline, with no error at apply.',
  fix: 'Remove one of the contradicting requirements (the message names them).',
  example: `nodeSelector: {eks.amazonaws.com/capacityType: SPOT}
affinity:
  nodeAffinity:
    requiredDuringSchedulingIgnoredDuringExecution:
      nodeSelectorTerms:
        - matchExpressions:
            - {key: eks.amazonaws.com/capacityType, operator: NotIn, values: [SPOT]}   # excludes what the selector requires`,
  check(object, context) {
    const messages: RuleMessage[] = [];
    context.workloads.forEachPodSpec(object, (podSpec, path, _ref, keys) => {
      const { selector, terms } = requiredPlacement(podSpec);
      if (terms.length === 0) return; // a map has one value per key: a nodeSelector alone cannot contradict itself
      const conflicts = terms.map((expressions) => labelConflict([...selector, ...expressions]));
      if (conflicts.some((c) => c === undefined)) return;
      messages.push(at([...keys, 'affinity'], `${path}.affinity: no node can match ${conflicts.map((c) => describeConflict(c!)).join('; nor ')}, so every pod stays Pending.`));
    });
    return messages;
  },
};
