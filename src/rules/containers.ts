import { isDnsLabel, isPortNumber, portNameProblem } from './k8s-syntax';
import { Rule, RuleMessage } from './rule';
import { containersOf, forEachPodSpec } from './workloads';

const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];
const PORT_FIX = "Number ports 1-65535, name them with at most 15 lower-case letters, digits and '-' (with a letter, e.g. 'metrics'), " +
  'once per container, and use protocol TCP, UDP or SCTP.';
const ENUMS: Array<[string, string[]]> = [
  ['imagePullPolicy', ['Always', 'IfNotPresent', 'Never']],
  ['terminationMessagePolicy', ['File', 'FallbackToLogsOnError']],
];

/**
 * RULEBOOK P6: container names are unique DNS-1123 labels and every container has an image;
 * and its ports as the apiserver validates them (validateContainerPorts, k8s.io/kubernetes
 * v1.36 pkg/apis/core/validation): numbers 1-65535, IANA service names unique in the
 * container, protocol TCP, UDP or SCTP; imagePullPolicy and terminationMessagePolicy among
 * their values (validatePullPolicy, validateContainerCommon).
 */
export const containers: Rule = {
  id: 'containers',
  rulebook: ['P6'],
  severity: 'error',
  refusedBy: 'the apiserver',
  what: 'A container name is not a DNS-1123 label or is repeated, a container has no image, its imagePullPolicy or terminationMessagePolicy is not one Kubernetes knows, or a container port has a bad number, name or protocol.',
  why: 'The apiserver rejects the pod (for custom resources, the operator fails later with an event).',
  fix: 'Give every container a unique lower-case name and an image (a port or policy finding says what to write instead).',
  example: `containers:
  - name: Trainer   # not a DNS-1123 label
    image: trainer:v1`,
  check(object) {
    const messages: RuleMessage[] = [];
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
        // Enums the OpenAPI schemas do not list (strict schema checks cannot catch a typo here).
        for (const [field, allowed] of ENUMS) {
          const value = container?.[field];
          if (value !== undefined && !allowed.includes(value)) {
            messages.push({
              message: `${path} container '${name}' ${field} '${value}' must be one of ${allowed.join(', ')}.`,
              fix: `Write ${field} as Kubernetes spells it (${allowed.join(', ')}), or leave it out for the default.`,
            });
          }
        }
        const portNames = new Set<string>();
        const port = (message: string): RuleMessage => ({ message, fix: PORT_FIX });
        (Array.isArray(container?.ports) ? container.ports : []).forEach((entry: any, i: number) => {
          const where = `${path} container '${name}' ports[${i}]`;
          for (const field of ['containerPort', 'hostPort']) {
            const value = entry?.[field];
            if (value === undefined && field === 'hostPort') continue;
            if (!isPortNumber(value)) messages.push(port(`${where}.${field} (${value}) must be a port number from 1 to 65535.`));
          }
          if (entry?.name !== undefined && entry?.name !== '') {
            const problem = portNameProblem(entry.name);
            if (problem !== undefined) messages.push(port(`${where}.name '${entry.name}' ${problem}.`));
            else if (portNames.has(entry.name)) messages.push(port(`${where}.name '${entry.name}' is used twice in the container.`));
            else portNames.add(entry.name);
          }
          if (entry?.protocol !== undefined && !PROTOCOLS.includes(entry.protocol)) {
            messages.push(port(`${where}.protocol '${entry.protocol}' must be one of ${PROTOCOLS.join(', ')}.`));
          }
        });
      }
    });
    return messages;
  },
};
