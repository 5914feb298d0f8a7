import { isDnsLabel, isPortNumber, portNameProblem } from './k8s-syntax';
import { Rule } from './rule';
import { containersOf, forEachPodSpec } from './workloads';

const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];
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
  fix: 'Give every container a unique lower-case name and an image, and ports numbered 1-65535 with distinct names of at most 15 lower-case letters, digits and hyphens.',
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
        // Enums the OpenAPI schemas do not list (strict schema checks cannot catch a typo here).
        for (const [field, allowed] of ENUMS) {
          const value = container?.[field];
          if (value !== undefined && !allowed.includes(value)) messages.push(`${path} container '${name}' ${field} '${value}' must be one of ${allowed.join(', ')}.`);
        }
        const portNames = new Set<string>();
        (Array.isArray(container?.ports) ? container.ports : []).forEach((port: any, i: number) => {
          const where = `${path} container '${name}' ports[${i}]`;
          for (const field of ['containerPort', 'hostPort']) {
            const value = port?.[field];
            if (value === undefined && field === 'hostPort') continue;
            if (!isPortNumber(value)) messages.push(`${where}.${field} (${value}) must be a port number from 1 to 65535.`);
          }
          if (port?.name !== undefined && port?.name !== '') {
            const problem = portNameProblem(port.name);
            if (problem !== undefined) messages.push(`${where}.name '${port.name}' ${problem}.`);
            else if (portNames.has(port.name)) messages.push(`${where}.name '${port.name}' is used twice in the container.`);
            else portNames.add(port.name);
          }
          if (port?.protocol !== undefined && !PROTOCOLS.includes(port.protocol)) {
            messages.push(`${where}.protocol '${port.protocol}' must be one of ${PROTOCOLS.join(', ')}.`);
          }
        });
      }
    });
    return messages;
  },
};
