import { Duration } from 'cdk8s';
import { invalid } from './errors';
import { humanDuration } from '../k8s/duration';
import { spotCapacities } from '../knowledge/providers';

/**
 * A node taint that spot capacity carries and that trainer pods must tolerate.
 */
export interface SpotTaint {
  /** Taint key. */
  readonly key: string;
  /**
   * Taint value; the toleration matches it with `Equal`.
   * @default - the toleration uses `Exists`
   */
  readonly value?: string;
  /**
   * Taint effect.
   * @default 'NoSchedule'
   */
  readonly effect?: string;
}

/**
 * Options for `SpotScheduling.custom`.
 */
export interface CustomSpotOptions {
  /** A short name used in messages, e.g. `on-prem-preemptible`. */
  readonly name: string;
  /** Node labels that select the spot capacity. */
  readonly nodeSelector: { [key: string]: string };
  /**
   * Taints on the spot capacity to tolerate.
   * @default - none
   */
  readonly taints?: SpotTaint[];
  /** How long the platform gives a node between the reclaim notice and the shutdown. */
  readonly notice: Duration;
  /**
   * How much of the notice a training pod really gets to save its state.
   * @default - the whole notice
   */
  readonly saveWindow?: Duration;
}

interface SpotSchedulingSpec {
  readonly name: string;
  readonly isSpot: boolean;
  readonly nodeSelector: { [key: string]: string };
  readonly taints: SpotTaint[];
  readonly notice: Duration;
  readonly saveWindow: Duration;
  /** The provider of a preset's capacity (`CloudProvider` names). */
  readonly provider?: string;
  /** The GPU model label of the capacity's provisioner, where it is not the provider's. */
  readonly gpuProductLabel?: string;
  /** Spot preferred, on-demand when there is none: the selector becomes a preferred node affinity. */
  readonly preferred?: boolean;
  /** The preset's id (the name changes with `orOnDemand()`). */
  readonly presetId?: string;
}

/**
 * Where trainer pods run: a spot or preemptible capacity preset of a cloud provider, or
 * on-demand capacity.
 *
 * Each preset knows the node label that selects its capacity, the taints it carries and
 * the notice the platform gives before a node goes away (each provider's documentation, linked
 * in docs/capacity.md). The constructs turn it into a node selector, tolerations and a termination
 * grace period that covers the notice.
 */
export class SpotScheduling {
  /**
   * GKE Spot VMs: `cloud.google.com/gke-spot=true`, 30 s notice of which about 15 s reach
   * non-system pods through graceful node shutdown.
   */
  public static gke(): SpotScheduling {
    return SpotScheduling.preset('gke-spot');
  }

  /**
   * GKE preemptible VMs: `cloud.google.com/gke-preemptible=true`, 30 s notice.
   */
  public static gkePreemptible(): SpotScheduling {
    return SpotScheduling.preset('gke-preemptible');
  }

  /**
   * AKS spot node pools: `kubernetes.azure.com/scalesetpriority=spot`, tainted automatically,
   * about 30 s notice.
   */
  public static aksSpot(): SpotScheduling {
    return SpotScheduling.preset('aks-spot');
  }

  /**
   * EKS managed node groups with spot capacity: `eks.amazonaws.com/capacityType=SPOT`,
   * no taint, 2 minute interruption notice.
   */
  public static eksSpot(): SpotScheduling {
    return SpotScheduling.preset('eks-spot');
  }

  /**
   * Karpenter spot capacity: `karpenter.sh/capacity-type=spot`, 2 minute notice on AWS,
   * drained through the Eviction API. Its `karpenter.sh/disrupted` taint marks draining
   * nodes and is deliberately not tolerated.
   */
  public static karpenterSpot(): SpotScheduling {
    return SpotScheduling.preset('karpenter-spot');
  }

  /**
   * EKS Auto Mode spot capacity: the same nodes as `karpenterSpot()` (`karpenter.sh/capacity-type=spot`,
   * 2 minute notice), whose GPU model label is `eks.amazonaws.com/instance-gpu-name` (`a100`).
   */
  public static eksAutoModeSpot(): SpotScheduling {
    return SpotScheduling.preset('eks-auto-mode-spot');
  }

  /**
   * Spot capacity described by hand: its node labels, taints and notice.
   */
  public static custom(options: CustomSpotOptions): SpotScheduling {
    if (Object.keys(options.nodeSelector).length === 0) {
      throw invalid('SpotScheduling.custom',
        `SpotScheduling.custom '${options.name}': nodeSelector is empty; name the node label that selects ` +
        'the spot capacity, or a spot toleration would let pods land anywhere.',
      );
    }
    return new SpotScheduling({
      name: options.name,
      isSpot: true,
      nodeSelector: { ...options.nodeSelector },
      taints: [...(options.taints ?? [])],
      notice: options.notice,
      saveWindow: options.saveWindow ?? options.notice,
    });
  }

  /**
   * On-demand capacity: no spot tolerations, and a required node affinity that excludes
   * the spot capacity of the cluster's provider (`CloudProvider`), when it is known.
   */
  public static onDemand(): SpotScheduling {
    return new SpotScheduling({
      name: 'on-demand',
      isSpot: false,
      nodeSelector: {},
      taints: [],
      notice: Duration.seconds(30),
      saveWindow: Duration.seconds(30),
    });
  }

  /**
   * The spot capacity of a provider the library knows, by preset id (`gke-spot`,
   * `gke-preemptible`, `aks-spot`, `eks-spot`, `karpenter-spot`, `eks-auto-mode-spot`): the same as its named factory.
   * @param id the preset's id
   */
  public static preset(id: string): SpotScheduling {
    const known = spotCapacities();
    const capacity = known.find((c) => c.id === id);
    if (capacity === undefined) {
      throw invalid('SpotScheduling.preset', `SpotScheduling.preset('${id}'): no such preset; the presets are ${known.map((c) => `'${c.id}'`).join(', ')}, ` +
        'or describe the capacity with SpotScheduling.custom({...}).');
    }
    return new SpotScheduling({
      name: capacity.id,
      isSpot: true,
      nodeSelector: { [capacity.labelKey]: capacity.labelValue },
      taints: capacity.taintKey === undefined ? [] : [{ key: capacity.taintKey, value: capacity.labelValue, effect: 'NoSchedule' }],
      notice: Duration.seconds(capacity.noticeSeconds),
      saveWindow: Duration.seconds(capacity.saveWindowSeconds),
      provider: capacity.provider,
      gpuProductLabel: capacity.gpuProductLabel,
      presetId: capacity.id,
    });
  }

  /** The preset's name, e.g. `gke-spot`. */
  public readonly name: string;
  /** Whether pods can be reclaimed by the provider. */
  public readonly isSpot: boolean;
  /** The reclaim notice; the termination grace period is at least this long. */
  public readonly notice: Duration;
  /** How much of the notice a pod really gets to write its emergency checkpoint. */
  public readonly saveWindow: Duration;
  /** @internal */
  public readonly _spec: SpotSchedulingSpec;

  private constructor(spec: SpotSchedulingSpec) {
    if (spec.notice.toSeconds() <= 0 || spec.saveWindow.toSeconds() <= 0) {
      throw invalid('SpotScheduling.notice',
        `SpotScheduling '${spec.name}': notice (${humanDuration(spec.notice)}) and saveWindow ` +
        `(${humanDuration(spec.saveWindow)}) must be positive durations.`,
      );
    }
    if (spec.saveWindow.toMilliseconds() > spec.notice.toMilliseconds()) {
      throw invalid('SpotScheduling.saveWindow',
        `SpotScheduling '${spec.name}': saveWindow (${humanDuration(spec.saveWindow)}) is longer than the notice ` +
        `(${humanDuration(spec.notice)}); a pod never gets more of the notice than the notice itself. Set saveWindow to at most ` +
        `${humanDuration(spec.notice)}, or leave it unset.`,
      );
    }
    this._spec = spec;
    this.name = spec.name;
    this.isSpot = spec.isSpot;
    this.notice = spec.notice;
    this.saveWindow = spec.saveWindow;
  }

  /**
   * The same capacity with the notice your node pools are configured to give, e.g. GKE spot
   * with an extended termination period: `SpotScheduling.gke().withNotice(Duration.seconds(120))`.
   * The termination grace period follows the notice. The part of the notice the platform keeps
   * for itself stays as the preset has it (GKE: 15 s for critical system pods), so the save
   * window grows with the notice unless `saveWindow` says otherwise.
   * @param notice the time between the reclaim notice and the node's shutdown
   * @param saveWindow how much of it a training pod really gets to save
   * @default saveWindow - the notice minus what the preset keeps for the platform
   */
  public withNotice(notice: Duration, saveWindow?: Duration): SpotScheduling {
    const kept = this.notice.toSeconds() - this.saveWindow.toSeconds();
    const capacity = spotCapacities().find((c) => c.id === (this._spec.presetId ?? this.name));
    const max = capacity?.maxNoticeSeconds ?? capacity?.noticeSeconds;
    if (capacity !== undefined && max !== undefined && notice.toSeconds() > max) {
      throw invalid('SpotScheduling.withNotice',
        `SpotScheduling '${this.name}'.withNotice(${humanDuration(notice)}): ${capacity.name} gives at most ${max} seconds` +
        `${capacity.longerNotice ? `, set by ${capacity.longerNotice}` : ' (its notice cannot be changed)'}. ` +
        `Use at most Duration.seconds(${max}), or SpotScheduling.custom({...}) for other capacity.`);
    }
    if (notice.toSeconds() <= kept) {
      throw invalid('SpotScheduling.withNotice',
        `SpotScheduling '${this.name}'.withNotice(${humanDuration(notice)}): the platform keeps ${kept} seconds of the notice for itself, ` +
        `so a pod would get none. Use more than Duration.seconds(${kept}).`);
    }
    return new SpotScheduling({
      ...this._spec,
      notice,
      saveWindow: saveWindow ?? Duration.seconds(notice.toSeconds() - kept),
    });
  }

  /**
   * This spot capacity when there is some, on-demand capacity when there is none: the most
   * common cost setup (Karpenter's `capacity-type In [spot, on-demand]`, GKE's spot-with-fallback
   * pools). The pods prefer the capacity's nodes (a preferred node affinity of weight 100 on
   * its label, which the scheduler and Karpenter both honour) and tolerate its taints instead of
   * requiring it, and since any pod may still land on spot they keep its grace period and
   * failure policy. `SpotScheduling.gke().orOnDemand()`.
   */
  public orOnDemand(): SpotScheduling {
    if (!this.isSpot) {
      throw invalid('SpotScheduling.orOnDemand', 'SpotScheduling.onDemand().orOnDemand(): on-demand capacity has nothing to fall back from; call orOnDemand() on a spot preset, e.g. SpotScheduling.gke().orOnDemand().');
    }
    if (this._spec.preferred) return this;
    return new SpotScheduling({ ...this._spec, name: `${this.name}-or-on-demand`, preferred: true });
  }

  /** Whether the pods prefer this capacity and fall back to on-demand nodes (`orOnDemand()`), instead of requiring it. */
  public get fallsBackToOnDemand(): boolean {
    return this._spec.preferred === true;
  }

  /**
   * @internal On-demand capacity beside this one (an on-demand Master): the same provisioner,
   * so the GPU model keeps this capacity's label.
   */
  public _onDemandBeside(): SpotScheduling {
    return new SpotScheduling({ ...SpotScheduling.onDemand()._spec, gpuProductLabel: this._spec.gpuProductLabel });
  }

  /** The node selector that picks this capacity (empty for `orOnDemand()`, which prefers it instead: `preferredNodeLabels`). */
  public get nodeSelector(): { [key: string]: string } {
    return this._spec.preferred ? {} : { ...this._spec.nodeSelector };
  }

  /** The node labels the pods prefer (`orOnDemand()`); empty when they require them (`nodeSelector`). */
  public get preferredNodeLabels(): { [key: string]: string } {
    return this._spec.preferred ? { ...this._spec.nodeSelector } : {};
  }

  /** The taints of this capacity that pods tolerate. */
  public get taints(): SpotTaint[] {
    return [...this._spec.taints];
  }
}
