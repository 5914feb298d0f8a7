import { isDnsLabel } from './k8s-syntax';
import { Rule } from './rule';
import { containersOf, forEachPodSpec } from './workloads';

/** RULEBOOK P6: container names are unique DNS-1123 labels and every container has an image. */
export const containers: Rule = {
  id: 'containers',
  rulebook: ['P6'],
  severity: 'error',
  refusedBy: 'the apiserver',
  what: 'A container name is not a DNS-1123 label or is repeated, or a container has no image.',
  why: 'The apiserver rejects the pod (for custom resources, the operator fails later with an event).',
  fix: 'Give every container a unique lower-case name and an image.',
  example: `containers:
  - name: Trainer   # not a DNS-1123 label
    image: trainer:v1`,
  check(object) {
    const messages: string[] = [];
    forEachPodSpec(object, (podSpec, path) => {
      const seen = new Set<string>();
      if ((podSpec?.containers ?? []).length === 0) messages.push(`${path} has no containers.`);
      for (const container of containersOf(podSpec)) {
        const name = container?.name;
        if (name === undefined || name === null || name === '') messages.push(`${path} has a container without a name; every container needs one.`);
        else if (!isDnsLabel(name)) messages.push(`${path} container name '${name}' is not a DNS-1123 label.`);
        if (seen.has(name)) messages.push(`${path} container name '${name}' is used twice.`);
        seen.add(name);
        if (typeof container?.image !== 'string' || container.image.trim() === '') messages.push(`${path} container '${name}' has no image.`);
      }
    });
    return messages;
  },
};
