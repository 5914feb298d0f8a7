import { at, Rule, RuleMessage, WORKLOADS } from './rule';
import { isDnsLabel, isPortNumber, portNameProblem } from '../k8s/syntax';
import { containerRefs } from '../k8s/workloads';
import { SOURCES } from '../knowledge/sources';

const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];
const PORT_FIX = "Number ports 1-65535, name them with at most 15 lower-case letters, digits and '-' (with a letter, e.g. 'metrics'), " +
  'once per container, and use protocol TCP, UDP or SCTP.';
const ENUMS: Array<[string, string[]]> = [
  ['imagePullPolicy', ['Always', 'IfNotPresent', 'Never']],
  ['terminationMessagePolicy', ['File', 'FallbackToLogsOnError']],
];

/**
 * Container names are unique DNS-1123 labels and every container has an image; and its ports
 * as the apiserver validates them (validateContainerPorts): numbers 1-65535, IANA service
 * names unique in the container, protocol TCP, UDP or SCTP; imagePullPolicy and
 * terminationMessagePolicy among their values (validatePullPolicy, validateContainerCommon).
 */
export const containers: Rule = {
  id: 'containers',
  sources: [SOURCES.coreValidation],
  kinds: [WORKLOADS],
  severity: 'error',
  refusedBy: 'the apiserver',
  what: 'A container name is not a DNS-1123 label or is repeated, a container has no image, its imagePullPolicy or terminationMessagePolicy is not one Kubernetes knows, or a container port has a bad number, name or protocol.',
  why: 'The apiserver rejects the pod (for custom resources, the operator fails later with an event).',
  fix: 'Give every container a unique lower-case name and an image (a port or policy finding says what to write instead).',
  example: `containers:
  - name: Trainer   # not a DNS-1123 label
    image: trainer:v1`,
  check(object, context) {
    const messages: RuleMessage[] = [];
    context.workloads.forEachPodSpec(object, (podSpec, path, _ref, keys) => {
      const seen = new Set<string>();
      if ((podSpec?.containers ?? []).length === 0) messages.push(at([...keys, 'containers'], `${path} has no containers.`));
      for (const { container, keys: containerKeys } of containerRefs(podSpec, keys)) {
        const name = container?.name;
        if (name === undefined || name === null || name === '') messages.push(at(containerKeys, `${path} has a container without a name; every container needs one.`));
        else if (!isDnsLabel(name)) messages.push(at([...containerKeys, 'name'], `${path} container name '${name}' is not a DNS-1123 label.`));
        if (seen.has(name)) messages.push(at([...containerKeys, 'name'], `${path} container name '${name}' is used twice.`));
        seen.add(name);
        if (typeof container?.image !== 'string' || container.image.trim() === '') messages.push(at([...containerKeys, 'image'], `${path} container '${name}' has no image.`));
        // Enums the OpenAPI schemas do not list (strict schema checks cannot catch a typo here).
        for (const [field, allowed] of ENUMS) {
          const value = container?.[field];
          if (value !== undefined && !allowed.includes(value)) {
            messages.push(at([...containerKeys, field], `${path} container '${name}' ${field} '${value}' must be one of ${allowed.join(', ')}.`,
              `Write ${field} as Kubernetes spells it (${allowed.join(', ')}), or leave it out for the default.`));
          }
        }
        const portNames = new Set<string>();
        (Array.isArray(container?.ports) ? container.ports : []).forEach((entry: any, i: number) => {
          const where = `${path} container '${name}' ports[${i}]`;
          const port = [...containerKeys, 'ports', i];
          for (const field of ['containerPort', 'hostPort']) {
            const value = entry?.[field];
            if (value === undefined && field === 'hostPort') continue;
            if (!isPortNumber(value)) messages.push(at([...port, field], `${where}.${field} (${value}) must be a port number from 1 to 65535.`, PORT_FIX));
          }
          if (entry?.name !== undefined && entry?.name !== '') {
            const problem = portNameProblem(entry.name);
            if (problem !== undefined) messages.push(at([...port, 'name'], `${where}.name '${entry.name}' ${problem}.`, PORT_FIX));
            else if (portNames.has(entry.name)) messages.push(at([...port, 'name'], `${where}.name '${entry.name}' is used twice in the container.`, PORT_FIX));
            else portNames.add(entry.name);
          }
          if (entry?.protocol !== undefined && !PROTOCOLS.includes(entry.protocol)) {
            messages.push(at([...port, 'protocol'], `${where}.protocol '${entry.protocol}' must be one of ${PROTOCOLS.join(', ')}.`, PORT_FIX));
          }
        });
      }
    });
    return messages;
  },
};
