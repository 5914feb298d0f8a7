import { isDnsSubdomain } from './k8s-syntax';
import { Rule } from './rule';
import { forEachPodSpec } from './workloads';

/** RULEBOOK P12: priorityClassName is a DNS subdomain and spec.priority is left to admission. */
export const priority: Rule = {
  id: 'priority',
  rulebook: ['P12'],
  severity: 'error',
  refusedBy: 'the apiserver',
  what: 'priorityClassName is not a DNS subdomain, or spec.priority is set by hand.',
  why: 'Priority admission rejects pods that set priority themselves; a bad class name fails pod creation.',
  fix: 'Set only priorityClassName, to an existing PriorityClass.',
  example: `spec:
  priority: 1000   # set priorityClassName instead`,
  check(object) {
    const messages: string[] = [];
    forEachPodSpec(object, (podSpec, path) => {
      if (podSpec?.priorityClassName !== undefined && !isDnsSubdomain(podSpec.priorityClassName)) {
        messages.push(`${path}.priorityClassName '${podSpec.priorityClassName}' is not a DNS subdomain.`);
      }
      if (podSpec?.priority !== undefined) messages.push(`${path}.priority is set; set priorityClassName instead.`);
    });
    return messages;
  },
};
