/**
 * What the library knows about a cloud provider's nodes: how its spot capacity is labelled and
 * tainted and how long its notice is, which node label names a GPU model, and which storage
 * classes it ships. One provider is one file beside this one, listed once in index.ts; the
 * presets (`SpotScheduling`, `CloudProvider`), the rules and lint all read it from there.
 */

/** Spot or preemptible capacity, recognised by its node label. */
export interface SpotCapacityFacts {
  /** Preset id, e.g. `gke-spot` (`SpotScheduling.preset(id)`). */
  readonly id: string;
  /** The name used in messages, e.g. `GKE spot`. */
  readonly name: string;
  /** The node label that marks the capacity. */
  readonly labelKey: string;
  readonly labelValue: string;
  /** The taint the capacity carries (`<key>=<labelValue>:NoSchedule`), which pods must tolerate; none if untainted. */
  readonly taintKey?: string;
  /**
   * The platform does not always set the taint, so a selector without the toleration may well
   * schedule: GKE Standard pools carry it only when their operator adds it, and Autopilot adds the
   * toleration itself to a pod that selects Spot Pods. Lint then says nothing of a missing toleration.
   * @default false
   */
  readonly taintOptional?: boolean;
  /** Time between the reclaim notice and the node's shutdown. */
  readonly noticeSeconds: number;
  /** How much of the notice a non-system pod really gets to save. */
  readonly saveWindowSeconds: number;
  /** The longest notice the platform can be configured to give (`SpotScheduling.withNotice`); the default notice if it cannot be changed. */
  readonly maxNoticeSeconds?: number;
  /** Where a longer notice is configured, for messages. */
  readonly longerNotice?: string;
  /** Where these facts come from (the provider's documentation). */
  readonly source: string;
  /**
   * Where the facts about its taint come from, where another page than `source` says them.
   * @default - `source`
   */
  readonly taintSource?: string;
  /**
   * The node label whose value names a GPU model on this capacity, where its provisioner writes
   * another than the provider's (Karpenter: `karpenter.k8s.aws/instance-gpu-name`).
   */
  readonly gpuProductLabel?: string;
  /** The preset that selects the same nodes (presets that differ only in the GPU label share one on-demand exclusion). */
  readonly sameNodesAs?: string;
}

/** A storage class a provider ships. */
export interface StorageClassFacts {
  readonly name: string;
  /** The product behind it, for messages, e.g. `GKE Filestore`. */
  readonly product: string;
  /** Whether its volumes can be mounted ReadWriteMany (file storage), or only by one node (block storage). */
  readonly readWriteMany: boolean;
  /** The smallest volume it provisions, where that is more than any checkpoint claim would ask for. */
  readonly minimumGiB?: number;
}

export interface ProviderFacts {
  /** Short name, e.g. `gke` (`CloudProvider.of(name)`). */
  readonly name: string;
  /** Name in messages, e.g. `GKE`. */
  readonly displayName: string;
  /** The node label whose value names a node's GPU model. */
  readonly gpuProductLabel: string;
  /** Its spot capacities; on-demand pods are kept off each with a `NotIn` on its label. */
  readonly spotCapacities: SpotCapacityFacts[];
  readonly storageClasses: StorageClassFacts[];
  /** Where the GPU label and storage facts come from. */
  readonly sources: string[];
}
