import { parseQuantity } from './k8s-syntax';
import { Rule } from './rule';
import { containersOf, forEachPodSpec } from './workloads';

const NATIVE = ['cpu', 'memory', 'ephemeral-storage'];

function isExtended(name: string): boolean {
  return name.includes('/') && !name.startsWith('kubernetes.io/') && !name.startsWith('requests.');
}

/** RULEBOOK P1: extended resources (GPUs) are whole numbers, and a request equals its limit. */
export const gpuResources: Rule = {
  id: 'gpu-resources',
  rulebook: ['P1'],
  severity: 'error',
  refusedBy: 'the apiserver',
  what: 'A GPU (extended resource) count is fractional, or its request differs from its limit or has no limit.',
  why: 'The apiserver rejects the pod: extended resources cannot be overcommitted or shared fractionally.',
  fix: 'Use a whole number and set the limit (and the request, if any) to the same value, e.g. Accelerator.nvidiaGpu(4).',
  example: `resources:
  requests: {nvidia.com/gpu: 2}
  limits: {nvidia.com/gpu: 4}   # must be equal`,
  check(object) {
    const messages: string[] = [];
    forEachPodSpec(object, (podSpec, path) => {
      for (const container of containersOf(podSpec)) {
        const requests = container?.resources?.requests ?? {};
        const limits = container?.resources?.limits ?? {};
        const names = new Set([...Object.keys(requests), ...Object.keys(limits)].filter((n) => !NATIVE.includes(n) && isExtended(n)));
        for (const name of names) {
          const where = `${path} container '${container.name}' ${name}`;
          for (const [kind, value] of [['request', requests[name]], ['limit', limits[name]]]) {
            if (value === undefined) continue;
            const parsed = parseQuantity(value);
            if (!parsed || !Number.isInteger(parsed.value)) messages.push(`${where} ${kind} (${value}) must be a whole number.`);
          }
          if (requests[name] !== undefined && limits[name] === undefined) {
            messages.push(`${where} has a request (${requests[name]}) without a limit.`);
          } else if (requests[name] !== undefined && parseQuantity(requests[name])?.value !== parseQuantity(limits[name])?.value) {
            messages.push(`${where} request (${requests[name]}) must be equal to ${name} limit of ${limits[name]}.`);
          }
        }
      }
    });
    return messages;
  },
};
