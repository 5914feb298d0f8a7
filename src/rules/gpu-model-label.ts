import { at, Rule, RuleMessage, WORKLOADS } from './rule';
import { requiredPlacement } from '../k8s/placement';
import { EKS_AUTO_MODE_GPU_NAME_LABEL, GKE_ACCELERATOR_LABEL, gpuModelFormProblem, KARPENTER_GPU_NAME_LABEL, NVIDIA_GPU_PRODUCT_LABEL } from '../knowledge/gpu';
import { SOURCES } from '../knowledge/sources';

/**
 * A GPU model selected in the form of the other label. NVIDIA GPU feature discovery writes
 * `nvidia.com/gpu.product` from the device name NVML reports, spaces made dashes and case
 * kept (`NVIDIA-A100-SXM4-80GB`, `Tesla-T4`); GKE's `cloud.google.com/gke-accelerator` values
 * are Compute Engine accelerator types, always lower case (`nvidia-tesla-a100`).
 */
export const gpuModelLabel: Rule = {
  id: 'gpu-model-label',
  sources: [SOURCES.gpuFeatureDiscovery, SOURCES.gkeGpus, SOURCES.karpenterLabels, SOURCES.eksGpuLabels],
  kinds: [WORKLOADS],
  severity: 'warning',
  what: `A pod selects a GPU model in another label's form: a lower-case GKE accelerator type under ${NVIDIA_GPU_PRODUCT_LABEL}, an upper-case device name under ${GKE_ACCELERATOR_LABEL}, or anything but a short GPU name (a100) under ${KARPENTER_GPU_NAME_LABEL} or ${EKS_AUTO_MODE_GPU_NAME_LABEL}.`,
  why: 'No node carries that value, so every pod stays Pending while the job looks merely queued.',
  fix: `Use the label's own form: NVIDIA-A100-SXM4-80GB under ${NVIDIA_GPU_PRODUCT_LABEL}, nvidia-tesla-a100 under ${GKE_ACCELERATOR_LABEL}, a100 under ${KARPENTER_GPU_NAME_LABEL} (kubectl get nodes -L <label>).`,
  example: `nodeSelector:
  nvidia.com/gpu.product: nvidia-tesla-a100   # GKE's name; feature discovery writes NVIDIA-A100-SXM4-40GB`,
  check(object, context) {
    const messages: RuleMessage[] = [];
    context.workloads.forEachPodSpec(object, (podSpec, path, _ref, keys) => {
      const { selector, terms } = requiredPlacement(podSpec);
      for (const r of [...selector, ...terms.flat()].filter((requirement) => requirement.operator === 'In')) {
        const where = r.pair ? `${path}.${r.source}` : `${path}.affinity ${r.source}`;
        for (const value of r.values ?? []) {
          const problem = gpuModelFormProblem(r.key, value);
          const field = [...keys, ...(r.keys ?? [])];
          if (problem === 'lower') {
            messages.push(at(field, `${where} selects ${r.key}=${value}, a lower-case (GKE) accelerator name; NVIDIA GPU feature discovery writes device names such as NVIDIA-A100-SXM4-40GB or Tesla-T4, so no node matches.`));
          } else if (problem === 'short') {
            messages.push(at(field, `${where} selects ${r.key}=${value}; its values are the instance type's GPU name in lower case (a100, h100, l40s, a10g, t4), so no node matches and Karpenter provisions none.`));
          } else if (problem === 'upper') {
            messages.push(at(field, `${where} selects ${r.key}=${value}, which has upper case; GKE's accelerator types are lower case (nvidia-tesla-a100, nvidia-l4), so no node matches.`));
          }
        }
      }
    });
    return messages;
  },
};
