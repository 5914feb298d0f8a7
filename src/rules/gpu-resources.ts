import { at, Rule, RuleMessage, WORKLOADS } from './rule';
import { parseQuantity } from '../k8s/syntax';
import { containerRefs } from '../k8s/workloads';
import { SOURCES } from '../knowledge/sources';

const NATIVE = ['cpu', 'memory', 'ephemeral-storage'];

function isExtended(name: string): boolean {
  return name.includes('/') && !name.startsWith('kubernetes.io/') && !name.startsWith('requests.');
}

/** Extended resources (GPUs) are whole numbers, and a request equals its limit. */
export const gpuResources: Rule = {
  id: 'gpu-resources',
  sources: [SOURCES.coreValidation],
  kinds: [WORKLOADS],
  severity: 'error',
  refusedBy: 'the apiserver',
  what: 'A GPU (extended resource) count is fractional, or its request differs from its limit or has no limit.',
  why: 'The apiserver rejects the pod: extended resources cannot be overcommitted or shared fractionally.',
  fix: 'Use a whole number and set the limit (and the request, if any) to the same value, e.g. Accelerator.nvidiaGpu(4).',
  example: `resources:
  requests: {nvidia.com/gpu: 2}
  limits: {nvidia.com/gpu: 4}   # must be equal`,
  check(object, context) {
    const messages: RuleMessage[] = [];
    context.workloads.forEachPodSpec(object, (podSpec, path, _ref, keys) => {
      for (const { container, keys: containerKeys } of containerRefs(podSpec, keys)) {
        const requests = container?.resources?.requests ?? {};
        const limits = container?.resources?.limits ?? {};
        const names = new Set([...Object.keys(requests), ...Object.keys(limits)].filter((n) => !NATIVE.includes(n) && isExtended(n)));
        for (const name of names) {
          const where = `${path} container '${container.name}' ${name}`;
          const resource = (group: string) => [...containerKeys, 'resources', group, name];
          for (const [kind, group, value] of [['request', 'requests', requests[name]], ['limit', 'limits', limits[name]]]) {
            // A null value (a key with nothing after it) is resource-quantities' to report: it reads as 0.
            if (value === undefined || value === null) continue;
            const parsed = parseQuantity(value);
            if (!parsed || !Number.isInteger(parsed.value)) messages.push(at(resource(group), `${where} ${kind} (${value}) must be a whole number.`));
          }
          if (requests[name] !== undefined && limits[name] === undefined) {
            messages.push(at(resource('requests'), `${where} has a request (${requests[name]}) without a limit.`));
          } else if (requests[name] !== undefined && parseQuantity(requests[name])?.value !== parseQuantity(limits[name])?.value) {
            messages.push(at(resource('requests'), `${where} request (${requests[name]}) must be equal to ${name} limit of ${limits[name]}.`));
          }
        }
      }
    });
    return messages;
  },
};
