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
/**
 * Karpenter on AWS: `karpenter.k8s.aws/instance-gpu-name`, the EC2 instance type's GPU name
 * lower-cased (`a100`, `h100`, `l40s`, `a10g`, `t4`). Karpenter can provision for it (a
 * well-known label of its AWS provider), unlike feature discovery's, which only exists once a
 * node runs the GPU operator.
 */
export const KARPENTER_GPU_NAME_LABEL = 'karpenter.k8s.aws/instance-gpu-name';
/** EKS Auto Mode: `eks.amazonaws.com/instance-gpu-name`, the same short names (`a100`, `l4`). */
export const EKS_AUTO_MODE_GPU_NAME_LABEL = 'eks.amazonaws.com/instance-gpu-name';

export const GPU_LABEL_SOURCES = [
  'https://github.com/NVIDIA/k8s-device-plugin/blob/v0.17.0/internal/lm/resource.go',
  'https://cloud.google.com/kubernetes-engine/docs/how-to/gpus',
  'https://karpenter.sh/docs/reference/instance-types/',
  'https://docs.aws.amazon.com/eks/latest/userguide/ml-workload-placement.html',
];

/**
 * How `value` is out of the form of GPU model label `key`: no upper case under feature
 * discovery's label (a GKE name), upper case under GKE's, or other than a short lower-case
 * GPU name (`a100`) under Karpenter's and EKS Auto Mode's; undefined when it fits or the label
 * is another.
 */
export function gpuModelFormProblem(key: string, value: string): 'lower' | 'upper' | 'short' | undefined {
  if (key === NVIDIA_GPU_PRODUCT_LABEL && !/[A-Z]/.test(value)) return 'lower';
  if (key === GKE_ACCELERATOR_LABEL && /[A-Z]/.test(value)) return 'upper';
  if ((key === KARPENTER_GPU_NAME_LABEL || key === EKS_AUTO_MODE_GPU_NAME_LABEL) && !/^[a-z0-9]+$/.test(value)) return 'short';
  return undefined;
}

/** The short GPU name Karpenter and EKS Auto Mode use for a model written in another label's form, if one can be read from it. */
export function shortGpuName(value: string): string | undefined {
  const match = /(?:^|[-_ ])(a100|a10g|a10|h100|h200|b200|l40s|l40|l4|t4g|t4|v100|k80|m60|a30|a40)(?:$|[-_ ])/i.exec(value);
  return match?.[1].toLowerCase();
}

/**
 * The extended resources real accelerators are advertised as, by their vendors' device
 * plugins: NVIDIA (`nvidia.com/gpu`, MIG slices `nvidia.com/mig-1g.10gb`, time-sliced
 * `nvidia.com/gpu.shared`), AMD, Intel, Google TPUs, AWS Neuron and Habana Gaudi. A made-up
 * name such as `example.com/gpu` in a tutorial is not one.
 */
const ACCELERATOR_RESOURCES: readonly RegExp[] = [
  /^nvidia\.com\/(?:gpu(?:\.shared)?|mig-[0-9a-z.+-]+)$/,
  /^amd\.com\/gpu$/,
  /^gpu\.intel\.com\/(?:i915|xe)$/,
  /^google\.com\/tpu$/,
  /^aws\.amazon\.com\/(?:neuron|neuroncore|neurondevice)$/,
  /^habana\.ai\/gaudi$/,
];

/** Whether an extended resource name is a real accelerator (a GPU, TPU, Neuron or Gaudi device). */
export function isAcceleratorResource(name: string): boolean {
  return ACCELERATOR_RESOURCES.some((pattern) => pattern.test(name));
}
