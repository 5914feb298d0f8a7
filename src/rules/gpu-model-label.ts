import { requiredPlacement } from './placement';
import { Rule } from './rule';
import { forEachPodSpec } from './workloads';
import { GpuNodeLabels } from '../trainer/accelerator';

/**
 * How `value` is out of the form of GPU model label `key`: no upper case under feature
 * discovery's label (a GKE name), or upper case under GKE's; undefined when it fits or the label is
 * another.
 */
export function gpuModelFormProblem(key: string, value: string): 'lower' | 'upper' | undefined {
  if (key === GpuNodeLabels.NVIDIA_GPU_PRODUCT && !/[A-Z]/.test(value)) return 'lower';
  if (key === GpuNodeLabels.GKE_ACCELERATOR && /[A-Z]/.test(value)) return 'upper';
  return undefined;
}

/**
 * A GPU model selected in the form of the other label. NVIDIA GPU feature discovery writes
 * `nvidia.com/gpu.product` from the device name NVML reports, spaces made dashes and case
 * kept (`NVIDIA-A100-SXM4-80GB`, `Tesla-T4`); GKE's `cloud.google.com/gke-accelerator` values
 * are Compute Engine accelerator types, always lower case (`nvidia-tesla-a100`).
 */
export const gpuModelLabel: Rule = {
  id: 'gpu-model-label',
  rulebook: [],
  severity: 'warning',
  what: 'A pod selects a GPU model in the other label\'s form: a lower-case GKE accelerator type under nvidia.com/gpu.product, or an upper-case device name under cloud.google.com/gke-accelerator.',
  why: 'No node carries that value, so every pod stays Pending while the job looks merely queued.',
  fix: 'Use the label\'s own form: NVIDIA-A100-SXM4-80GB under nvidia.com/gpu.product, nvidia-tesla-a100 under cloud.google.com/gke-accelerator (kubectl get nodes -L <label>).',
  example: `nodeSelector:
  nvidia.com/gpu.product: nvidia-tesla-a100   # GKE's name; feature discovery writes NVIDIA-A100-SXM4-40GB`,
  check(object) {
    const messages: string[] = [];
    forEachPodSpec(object, (podSpec, path) => {
      const { selector, terms } = requiredPlacement(podSpec);
      const selected = [...selector, ...terms.flat()].filter((r) => r.operator === 'In')
        .flatMap((r) => (r.values ?? []).map((value) => [r.pair ? `${path}.${r.source}` : `${path}.affinity ${r.source}`, r.key, value]));
      for (const [where, key, value] of selected) {
        const problem = gpuModelFormProblem(key, value);
        if (problem === 'lower') {
          messages.push(`${where} selects ${key}=${value}, a lower-case (GKE) accelerator name; NVIDIA GPU feature discovery writes device names such as NVIDIA-A100-SXM4-40GB or Tesla-T4, so no node matches.`);
        } else if (problem === 'upper') {
          messages.push(`${where} selects ${key}=${value}, which has upper case; GKE's accelerator types are lower case (nvidia-tesla-a100, nvidia-l4), so no node matches.`);
        }
      }
    });
    return messages;
  },
};
