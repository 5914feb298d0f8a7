import { at, Rule, RuleMessage, WORKLOADS } from './rule';
import { isDnsSubdomain } from '../k8s/syntax';
import { SOURCES } from '../knowledge/sources';

/** priorityClassName is a DNS subdomain and spec.priority is left to admission. */
export const priority: Rule = {
  id: 'priority',
  sources: [SOURCES.coreValidation, 'https://github.com/kubernetes/kubernetes/blob/v1.37.2/plugin/pkg/admission/priority/admission.go'],
  kinds: [WORKLOADS],
  severity: 'error',
  refusedBy: 'the apiserver',
  what: 'priorityClassName is not a DNS subdomain, or spec.priority is set by hand.',
  why: 'Priority admission rejects pods that set priority themselves; a bad class name fails pod creation.',
  fix: 'Set only priorityClassName, to an existing PriorityClass.',
  example: `spec:
  priority: 1000   # set priorityClassName instead`,
  check(object, context) {
    const messages: RuleMessage[] = [];
    context.workloads.forEachPodSpec(object, (podSpec, path, _ref, keys) => {
      if (podSpec?.priorityClassName !== undefined && !isDnsSubdomain(podSpec.priorityClassName)) {
        messages.push(at([...keys, 'priorityClassName'], `${path}.priorityClassName '${podSpec.priorityClassName}' is not a DNS subdomain.`));
      }
      if (podSpec?.priority !== undefined) messages.push(at([...keys, 'priority'], `${path}.priority is set; set priorityClassName instead.`));
    });
    return messages;
  },
};
