import { IConstruct, Node } from 'constructs';
import { invalid } from './errors';
import type { SpotScheduling } from './spot-scheduling';
import { providerNamed, PROVIDERS, ProviderFacts } from '../knowledge/providers';

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
    return CloudProvider.of('gke');
  }

  /**
   * Amazon EKS, with managed node groups and/or Karpenter: on-demand pods avoid nodes labelled
   * `eks.amazonaws.com/capacityType=SPOT` or `karpenter.sh/capacity-type=spot`; GPU models are
   * `nvidia.com/gpu.product` values (NVIDIA GPU feature discovery, part of the GPU operator).
   */
  public static aws(): CloudProvider {
    return CloudProvider.of('aws');
  }

  /**
   * Azure Kubernetes Service: on-demand pods avoid nodes labelled
   * `kubernetes.azure.com/scalesetpriority=spot`; GPU models are `nvidia.com/gpu.product` values.
   */
  public static aks(): CloudProvider {
    return CloudProvider.of('aks');
  }

  /**
   * A provider the library knows, by its short name (`gke`, `aws`, `aks`): the same as its
   * named factory.
   * @param name the provider's short name
   */
  public static of(name: string): CloudProvider {
    const facts = providerNamed(name);
    if (facts === undefined) {
      throw invalid('CloudProvider.of', `CloudProvider.of('${name}'): no such provider; the providers are ${PROVIDERS.map((p) => `'${p.name}'`).join(', ')}.`);
    }
    return new CloudProvider(facts);
  }

  /**
   * Sets the provider for every construct of this library under `scope` (an App or a Chart).
   * Call it before adding children to the scope.
   */
  public static setDefault(scope: IConstruct, provider: CloudProvider): void {
    const children = Node.of(scope).children;
    if (children.length > 0) {
      throw invalid('CloudProvider.setDefault',
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
    if (providerNamed(name) === undefined) {
      throw invalid('CloudProvider.setDefault', `unknown cloud provider '${name}' in the construct context '${CONTEXT_KEY}'; use CloudProvider.setDefault.`);
    }
    return CloudProvider.of(name);
  }

  /** The provider's short name, e.g. `gke`, `aws` or `aks`. */
  public readonly name: string;
  /** The name used in messages, e.g. `GKE`. */
  public readonly displayName: string;
  /** The node label whose value names a node's GPU model. */
  public readonly gpuProductLabel: string;

  private readonly facts: ProviderFacts;

  private constructor(facts: ProviderFacts) {
    this.facts = facts;
    this.name = facts.name;
    this.displayName = facts.displayName;
    this.gpuProductLabel = facts.gpuProductLabel;
  }

  /**
   * The node affinity requirements that keep a pod off this provider's spot capacity: one
   * `NotIn` per spot label (a node without the label matches, as on-demand nodes do).
   */
  public get onDemandRequirements(): NodeLabelRequirement[] {
    return this.facts.spotCapacities.filter((c) => c.sameNodesAs === undefined).map((c) => ({ key: c.labelKey, operator: 'NotIn', values: [c.labelValue] }));
  }
}
