import { invalid } from './errors';
import { EKS_ACCELERATOR_LABEL, EKS_AUTO_MODE_GPU_NAME_LABEL, GKE_ACCELERATOR_LABEL, KARPENTER_GPU_NAME_LABEL, NVIDIA_GPU_PRODUCT_LABEL } from '../knowledge/gpu';

/**
 * Node labels that name the GPU model of a node, for `GpuOptions.productLabel`.
 */
export class GpuNodeLabels {
  /** GKE: `cloud.google.com/gke-accelerator`, e.g. `nvidia-tesla-a100`, `nvidia-l4`. */
  public static readonly GKE_ACCELERATOR = GKE_ACCELERATOR_LABEL;
  /** NVIDIA GPU feature discovery: `nvidia.com/gpu.product`, e.g. `NVIDIA-A100-SXM4-40GB`. */
  public static readonly NVIDIA_GPU_PRODUCT = NVIDIA_GPU_PRODUCT_LABEL;
  /** EKS accelerated AMIs: `k8s.amazonaws.com/accelerator`, e.g. `nvidia-tesla-v100`. */
  public static readonly EKS_ACCELERATOR = EKS_ACCELERATOR_LABEL;
  /**
   * Karpenter on AWS: `karpenter.k8s.aws/instance-gpu-name`, e.g. `a100`, `h100`, `l40s`; the
   * default under `SpotScheduling.karpenterSpot()`, and what on-demand Karpenter pods should use.
   */
  public static readonly KARPENTER_GPU_NAME = KARPENTER_GPU_NAME_LABEL;
  /** EKS Auto Mode: `eks.amazonaws.com/instance-gpu-name`, e.g. `a100`; the default under `SpotScheduling.eksAutoModeSpot()`. */
  public static readonly EKS_AUTO_MODE_GPU_NAME = EKS_AUTO_MODE_GPU_NAME_LABEL;

  private constructor() {}
}

/**
 * Options for `Accelerator.nvidiaGpu`.
 */
export interface GpuOptions {
  /**
   * The GPU model to schedule on, as the node label value: a lower-case accelerator type on
   * GKE (`nvidia-tesla-a100`, `nvidia-l4`), the device name NVIDIA GPU feature discovery
   * writes elsewhere (`NVIDIA-A100-SXM4-80GB`, `NVIDIA-L4`). A value in the other label's form
   * is a synth error unless `productLabel` is set.
   * @default - any GPU model
   */
  readonly product?: string;

  /**
   * The node label that carries `product` (required with `Accelerator.custom`).
   * @default - the spot preset's provisioner's (`GpuNodeLabels.KARPENTER_GPU_NAME` under
   *   `SpotScheduling.karpenterSpot()`, `GpuNodeLabels.EKS_AUTO_MODE_GPU_NAME` under
   *   `eksAutoModeSpot()`), else the provider's (`CloudProvider.gpuProductLabel`):
   *   `GpuNodeLabels.GKE_ACCELERATOR` on GKE, otherwise `GpuNodeLabels.NVIDIA_GPU_PRODUCT`
   */
  readonly productLabel?: string;
}

/**
 * An accelerator a trainer pod requests: an extended resource such as `nvidia.com/gpu`.
 *
 * Extended resources are whole numbers and their request equals their limit (the apiserver
 * refuses other pods); the library writes both, and tolerates the taint that GPU node pools carry.
 */
export class Accelerator {
  /**
   * `count` NVIDIA GPUs per pod (`nvidia.com/gpu`).
   * @param count whole number of GPUs, at least 1
   */
  public static nvidiaGpu(count: number, options: GpuOptions = {}): Accelerator {
    return new Accelerator('nvidia.com/gpu', count, options.product, options.productLabel);
  }

  /**
   * Any other extended resource (e.g. `amd.com/gpu`, `aws.amazon.com/neuron`), with a
   * toleration for a taint of the same key.
   * @param resourceName the extended resource name, `domain/name`
   * @param count whole number of devices, at least 1
   */
  public static custom(resourceName: string, count: number, options: GpuOptions = {}): Accelerator {
    if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?\/[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(resourceName)) {
      throw invalid('Accelerator.custom',
        `Accelerator.custom: resourceName '${resourceName}' is not an extended resource name; ` +
        "use a domain-prefixed name such as 'amd.com/gpu'.",
      );
    }
    return new Accelerator(resourceName, count, options.product, options.productLabel);
  }

  /** The extended resource name, e.g. `nvidia.com/gpu`. */
  public readonly resourceName: string;
  /** Devices per pod. */
  public readonly count: number;
  /** The GPU model to select, if any. */
  public readonly product?: string;
  /** The node label for `product`, if set explicitly. */
  public readonly productLabel?: string;

  private constructor(resourceName: string, count: number, product?: string, productLabel?: string) {
    if (!Number.isInteger(count) || count < 1) {
      throw invalid('accelerator.count',
        `accelerator: ${resourceName} count (${count}) must be a whole number of at least 1; ` +
        'extended resources cannot be shared fractionally (use GPU time-slicing or MIG profiles on the node instead).',
      );
    }
    if (productLabel !== undefined && product === undefined) {
      throw invalid('accelerator.productLabel', `accelerator: productLabel '${productLabel}' is set without a product; set product too, or drop productLabel.`);
    }
    // The known model labels (GKE's, NVIDIA feature discovery's) name NVIDIA GPUs only
    // (whole GPUs or MIG slices, nvidia.com/mig-<profile>).
    if (product !== undefined && productLabel === undefined && !resourceName.startsWith('nvidia.com/')) {
      throw invalid('accelerator.productLabel',
        `accelerator: product '${product}' of ${resourceName} has no productLabel; the labels the library knows name NVIDIA GPU models ` +
        'only. Set productLabel to the node label that carries this model on your nodes (kubectl get nodes --show-labels).',
      );
    }
    this.resourceName = resourceName;
    this.count = count;
    this.product = product;
    this.productLabel = productLabel;
  }
}
