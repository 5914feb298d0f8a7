import { at, Rule, RuleMessage, WORKLOADS } from './rule';
import { parseQuantity } from '../k8s/syntax';
import { containerRefs } from '../k8s/workloads';
import { SOURCES } from '../knowledge/sources';

const NATIVE = ['cpu', 'memory', 'ephemeral-storage'];

/** Quantity syntax, known resource names, request <= limit, and memory in millibytes. */
export const resourceQuantities: Rule = {
  id: 'resource-quantities',
  sources: [SOURCES.coreValidation, 'https://github.com/kubernetes/apimachinery/blob/v0.37.2/pkg/api/resource/quantity.go'],
  kinds: [WORKLOADS],
  severity: 'error',
  refusedBy: 'the apiserver',
  what: 'A resource quantity does not parse, names an unknown resource, exceeds its limit, or gives memory in millibytes.',
  why: 'The apiserver rejects the pod, or (memory `512m` = 0.512 bytes) the trainer is OOM killed at once.',
  fix: "Write quantities like '16', '500m' (cpu) or '128Gi' (memory), with requests at most the limits.",
  example: `resources:
  limits: {memory: 512m}   # 0.512 bytes; meant 512Mi`,
  check(object, context) {
    const messages: RuleMessage[] = [];
    context.workloads.forEachPodSpec(object, (podSpec, path, _ref, keys) => {
      for (const { container, keys: containerKeys } of containerRefs(podSpec, keys)) {
        const where = `${path} container '${container?.name}'`;
        const requests = container?.resources?.requests ?? {};
        const limits = container?.resources?.limits ?? {};
        for (const [kind, group] of [['requests', requests], ['limits', limits]] as const) {
          for (const [name, value] of Object.entries<any>(group)) {
            const field = [...containerKeys, 'resources', kind, name];
            if (!name.includes('/') && !NATIVE.includes(name) && !name.startsWith('hugepages-')) {
              messages.push(at(field, `${where} ${kind}.${name}: '${name}' is not a resource Kubernetes knows; use cpu, memory, ephemeral-storage or a domain/name.`));
            }
            if (value === null) {
              // YAML `nvidia.com/gpu:` with nothing after it: the apiserver decodes a null quantity as 0 (quantity.go UnmarshalJSON).
              messages.push({
                path: field,
                message: `${where} ${kind}.${name} has no value (null), which the apiserver reads as 0: the container asks for no ${name}.`,
                fix: `Give ${kind}.${name} its number, e.g. '${name.includes('/') ? '1' : name === 'cpu' ? '4' : '16Gi'}', or remove it (or write 0) if none is meant.`,
              });
              continue;
            }
            const parsed = parseQuantity(value);
            if (!parsed) {
              messages.push(at(field, `${where} ${kind}.${name} ('${value}') is not a Kubernetes quantity.`));
            } else if (parsed.value < 0) {
              messages.push(at(field, `${where} ${kind}.${name} ('${value}') is negative; the apiserver accepts only quantities of 0 or more.`));
            } else if ((name === 'memory' || name === 'ephemeral-storage') && parsed.suffix === 'm') {
              messages.push(at(field, `${where} ${kind}.${name} ('${value}') is in millibytes (${parsed.value} bytes); use Mi or Gi, e.g. '${value.slice(0, -1)}Mi'.`));
            }
          }
        }
        for (const name of NATIVE) {
          const request = parseQuantity(requests[name]);
          const limit = parseQuantity(limits[name]);
          if (request && limit && requests[name] !== undefined && limits[name] !== undefined && request.value > limit.value) {
            messages.push(at([...containerKeys, 'resources', 'requests', name], `${where} ${name} request (${requests[name]}) exceeds its limit (${limits[name]}).`));
          }
        }
      }
    });
    return messages;
  },
};
