/**
 * Node labels that name a node's GPU model, and the form of their values.
 *
 * NVIDIA GPU feature discovery writes `nvidia.com/gpu.product` from the device name NVML
 * reports, spaces made dashes and case kept (`NVIDIA-A100-SXM4-80GB`, `Tesla-T4`): never all
 * lower case (k8s-device-plugin, internal/lm/resource.go). GKE's
 * `cloud.google.com/gke-accelerator` values are Compute Engine accelerator types, always lower
 * case (`nvidia-tesla-a100`, `nvidia-l4`). A value in the other form matches no node.
 */
export const GKE_ACCELERATOR_LABEL = 'cloud.google.com/gke-accelerator';
export const NVIDIA_GPU_PRODUCT_LABEL = 'nvidia.com/gpu.product';
/** EKS accelerated AMIs: `k8s.amazonaws.com/accelerator`, e.g. `nvidia-tesla-v100`. */
export const EKS_ACCELERATOR_LABEL = 'k8s.amazonaws.com/accelerator';

export const GPU_LABEL_SOURCES = [
  'https://github.com/NVIDIA/k8s-device-plugin/blob/v0.17.0/internal/lm/resource.go',
  'https://cloud.google.com/kubernetes-engine/docs/how-to/gpus',
];

/**
 * How `value` is out of the form of GPU model label `key`: no upper case under feature
 * discovery's label (a GKE name), or upper case under GKE's; undefined when it fits or the
 * label is another.
 */
export function gpuModelFormProblem(key: string, value: string): 'lower' | 'upper' | undefined {
  if (key === NVIDIA_GPU_PRODUCT_LABEL && !/[A-Z]/.test(value)) return 'lower';
  if (key === GKE_ACCELERATOR_LABEL && /[A-Z]/.test(value)) return 'upper';
  return undefined;
}

/** Whether an extended resource name is an accelerator (a GPU, TPU or Neuron device). */
export function isAcceleratorResource(name: string): boolean {
  return /\/(gpu|tpu|neuron|neuroncore)$/.test(name) || name === 'google.com/tpu';
}
