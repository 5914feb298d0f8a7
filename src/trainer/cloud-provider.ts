import { IConstruct, Node } from 'constructs';
import { GpuNodeLabels } from './accelerator';
import type { SpotScheduling } from './spot-scheduling';
import { SPOT_CAPACITIES } from '../rules/knowledge';

const CONTEXT_KEY = 'cdk8s-training:cloudProvider';

/**
 * A node label requirement of a required node affinity, as the pod spec writes it.
 */
export interface NodeLabelRequirement {
  /** The node label key. */
  readonly key: string;
  /** `In`, `NotIn`, `Exists` or `DoesNotExist`. */
  readonly operator: string;
  /** The label values (`In`, `NotIn`). */
  readonly values: string[];
}

/**
 * The cloud provider whose nodes run the cluster: it decides the node labels that mark spot
 * capacity (so on-demand pods can be kept off it) and the label that names a node's GPU model.
 *
 * Name it once for an app or a chart with `CloudProvider.setDefault(scope, ...)` before adding
 * constructs, or per construct with the `provider` prop. A `SpotScheduling` preset implies its
 * provider (`SpotScheduling.gke()` is GKE), so a job on spot capacity needs neither; an
 * on-demand job, or the on-demand Master of a spot PyTorchJob, uses it to stay off spot nodes.
 */
export class CloudProvider {
  /**
   * Google Kubernetes Engine (Standard and Autopilot): on-demand pods avoid nodes labelled
   * `cloud.google.com/gke-spot=true` or `cloud.google.com/gke-preemptible=true`; GPU models are
   * `cloud.google.com/gke-accelerator` values such as `nvidia-tesla-a100`.
   */
  public static gke(): CloudProvider {
    return new CloudProvider('gke', 'GKE', GpuNodeLabels.GKE_ACCELERATOR);
  }

  /**
   * Amazon EKS, with managed node groups and/or Karpenter: on-demand pods avoid nodes labelled
   * `eks.amazonaws.com/capacityType=SPOT` or `karpenter.sh/capacity-type=spot`; GPU models are
   * `nvidia.com/gpu.product` values (NVIDIA GPU feature discovery, part of the GPU operator).
   */
  public static aws(): CloudProvider {
    return new CloudProvider('aws', 'EKS', GpuNodeLabels.NVIDIA_GPU_PRODUCT);
  }

  /**
   * Azure Kubernetes Service: on-demand pods avoid nodes labelled
   * `kubernetes.azure.com/scalesetpriority=spot`; GPU models are `nvidia.com/gpu.product` values.
   */
  public static aks(): CloudProvider {
    return new CloudProvider('aks', 'AKS', GpuNodeLabels.NVIDIA_GPU_PRODUCT);
  }

  /**
   * Sets the provider for every construct of this library under `scope` (an App or a Chart).
   * Call it before adding children to the scope.
   */
  public static setDefault(scope: IConstruct, provider: CloudProvider): void {
    const children = Node.of(scope).children;
    if (children.length > 0) {
      throw new Error(
        `CloudProvider.setDefault(${Node.of(scope).path || 'app'}, ${provider.name}): call it before adding charts or constructs to ` +
        `this scope (it already has ${children.map((c) => `'${c.node.id}'`).join(', ')}), so every construct under it sees it; ` +
        'or pass provider to each construct.',
      );
    }
    Node.of(scope).setContext(CONTEXT_KEY, provider.name);
  }

  /**
   * The provider set with `setDefault` at or above `scope`, if any.
   */
  public static defaultOf(scope: IConstruct): CloudProvider | undefined {
    const name = Node.of(scope).tryGetContext(CONTEXT_KEY);
    return name === undefined ? undefined : CloudProvider.named(String(name));
  }

  /** @internal The provider a spot preset implies; undefined for on-demand and custom capacity. */
  public static _ofSpot(spot: SpotScheduling): CloudProvider | undefined {
    return spot._spec.provider === undefined ? undefined : CloudProvider.named(spot._spec.provider);
  }

  private static named(name: string): CloudProvider {
    switch (name) {
      case 'gke': return CloudProvider.gke();
      case 'aws': return CloudProvider.aws();
      case 'aks': return CloudProvider.aks();
      default: throw new Error(`unknown cloud provider '${name}' in the construct context '${CONTEXT_KEY}'; use CloudProvider.setDefault.`);
    }
  }

  /** The provider's short name: `gke`, `aws` or `aks`. */
  public readonly name: string;
  /** The name used in messages, e.g. `GKE`. */
  public readonly displayName: string;
  /** The node label whose value names a node's GPU model. */
  public readonly gpuProductLabel: string;

  private constructor(name: string, displayName: string, gpuProductLabel: string) {
    this.name = name;
    this.displayName = displayName;
    this.gpuProductLabel = gpuProductLabel;
  }

  /**
   * The node affinity requirements that keep a pod off this provider's spot capacity: one
   * `NotIn` per spot label (a node without the label matches, as on-demand nodes do).
   */
  public get onDemandRequirements(): NodeLabelRequirement[] {
    return SPOT_CAPACITIES.filter((c) => c.provider === this.name)
      .map((c) => ({ key: c.labelKey, operator: 'NotIn', values: [c.labelValue] }));
  }
}
