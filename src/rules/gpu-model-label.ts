import { Rule } from './rule';
import { forEachPodSpec } from './workloads';

const GFD_PRODUCT = 'nvidia.com/gpu.product';
const GKE_ACCELERATOR = 'cloud.google.com/gke-accelerator';

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
      const selected: Array<[string, string, unknown]> = Object.entries<unknown>(podSpec?.nodeSelector ?? {})
        .map(([key, value]) => [`${path}.nodeSelector`, key, value]);
      const terms = podSpec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
      (Array.isArray(terms) ? terms : []).forEach((term: any, i: number) => {
        (Array.isArray(term?.matchExpressions) ? term.matchExpressions : []).forEach((e: any, j: number) => {
          if (e?.operator !== 'In' || !Array.isArray(e.values)) return;
          for (const value of e.values) selected.push([`${path}.affinity nodeSelectorTerms[${i}].matchExpressions[${j}]`, e.key, value]);
        });
      });
      for (const [where, key, value] of selected) {
        if (typeof value !== 'string') continue;
        if (key === GFD_PRODUCT && /[a-z]/.test(value) && !/[A-Z]/.test(value)) {
          messages.push(`${where} selects ${key}=${value}, a lower-case (GKE) accelerator name; NVIDIA GPU feature discovery writes device names such as NVIDIA-A100-SXM4-40GB or Tesla-T4, so no node matches.`);
        } else if (key === GKE_ACCELERATOR && /[A-Z]/.test(value)) {
          messages.push(`${where} selects ${key}=${value}, which has upper case; GKE's accelerator types are lower case (nvidia-tesla-a100, nvidia-l4), so no node matches.`);
        }
      }
    });
    return messages;
  },
};
