import { IConstruct, Node } from 'constructs';
import { invalid } from './errors';
import { BASELINE_MINOR, NEWEST_KNOWN_MINOR } from '../knowledge/versions';

const CONTEXT_KEY = 'cdk8s-training:kubernetesVersion';

/**
 * The Kubernetes version that synthesized manifests target.
 *
 * Fields of features that are off on the target are silently dropped by its apiserver
 * (its feature gate is off there), so the constructs emit them only when the target supports them, and refuse
 * with a message when a prop asks for one on an older target. The oldest target is 1.28,
 * the version cdk8s-plus-28 describes; the default is `KubernetesVersion.DEFAULT` (1.32).
 *
 * Set it once for an app or a chart with `KubernetesVersion.setTarget(scope, ...)` before
 * adding constructs to that scope, or per construct with its `kubernetesVersion` prop.
 */
export class KubernetesVersion {
  /** Kubernetes 1.28, the oldest target (what cdk8s-plus-28 describes). */
  public static readonly V1_28 = new KubernetesVersion(28);
  /** Kubernetes 1.29: backoffLimitPerIndex, maxFailedIndexes and podReplacementPolicy are beta. */
  public static readonly V1_29 = new KubernetesVersion(29);
  /** Kubernetes 1.30. */
  public static readonly V1_30 = new KubernetesVersion(30);
  /** Kubernetes 1.31: Job successPolicy is beta. */
  public static readonly V1_31 = new KubernetesVersion(31);
  /** Kubernetes 1.32: Job managedBy is beta. */
  public static readonly V1_32 = new KubernetesVersion(32);
  /** Kubernetes 1.33. */
  public static readonly V1_33 = new KubernetesVersion(33);
  /** Kubernetes 1.34. */
  public static readonly V1_34 = new KubernetesVersion(34);
  /** Kubernetes 1.35. */
  public static readonly V1_35 = new KubernetesVersion(35);
  /** Kubernetes 1.36 (the version of the control plane the tests run on). */
  public static readonly V1_36 = new KubernetesVersion(36);
  /** Kubernetes 1.37, the newest minor (December 2026). */
  public static readonly V1_37 = new KubernetesVersion(37);

  /**
   * The target when none is set: 1.32, the oldest minor that EKS, GKE and AKS all still run
   * (EKS in extended support until March 2027; 1.28 to 1.31 are past every provider's end of
   * support). Set an older target for an older cluster.
   */
  public static readonly DEFAULT = KubernetesVersion.V1_32;

  /**
   * A 1.x version by its minor number, e.g. `KubernetesVersion.of(30)`.
   * @param minor the minor version, from 28 (the baseline) up
   */
  public static of(minor: number): KubernetesVersion {
    if (!Number.isInteger(minor) || minor < BASELINE_MINOR || minor > NEWEST_KNOWN_MINOR) {
      throw invalid('KubernetesVersion.of',
        `KubernetesVersion.of(${minor}): the minor version must be a whole number from ${BASELINE_MINOR} ` +
        `(the cdk8s-plus-28 baseline) to ${NEWEST_KNOWN_MINOR}, the newest this library knows.`,
      );
    }
    return new KubernetesVersion(minor);
  }

  /** The newest version this library knows. */
  public static newest(): KubernetesVersion {
    return new KubernetesVersion(NEWEST_KNOWN_MINOR);
  }

  /**
   * Sets the target version for every construct of this library under `scope` (an App or a
   * Chart). Call it before adding children to the scope.
   */
  public static setTarget(scope: IConstruct, version: KubernetesVersion): void {
    const children = Node.of(scope).children;
    if (children.length > 0) {
      throw invalid('KubernetesVersion.setTarget',
        `KubernetesVersion.setTarget(${Node.of(scope).path || 'app'}, ${version}): call it before adding charts or constructs to ` +
        `this scope (it already has ${children.map((c) => `'${c.node.id}'`).join(', ')}), so every construct under it sees the target; ` +
        'or pass kubernetesVersion to each construct.',
      );
    }
    Node.of(scope).setContext(CONTEXT_KEY, version.minor);
  }

  /**
   * The target version in force at `scope`: the nearest `setTarget` above it, else
   * `KubernetesVersion.DEFAULT` (1.32).
   */
  public static targetOf(scope: IConstruct): KubernetesVersion {
    const minor = Node.of(scope).tryGetContext(CONTEXT_KEY);
    return minor === undefined ? KubernetesVersion.DEFAULT : KubernetesVersion.of(Number(minor));
  }

  /** The minor version number, e.g. 28. */
  public readonly minor: number;

  private constructor(minor: number) {
    this.minor = minor;
  }

  /** The version as users write it, e.g. `1.28`. */
  public toString(): string {
    return `1.${this.minor}`;
  }

  /** Whether this version is `other` or newer. */
  public isAtLeast(other: KubernetesVersion): boolean {
    return this.minor >= other.minor;
  }
}
