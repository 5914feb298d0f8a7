import { ApiObject, Chart, Duration, Size, SizeRoundingBehavior } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { advise } from './advice';
import { CheckpointInterval } from './checkpoint-interval';
import { invalid } from './errors';
import { PersistentVolumeAccessMode } from './pod-values';
import { isDnsSubdomain } from '../k8s/syntax';
import { storageClassNamed } from '../knowledge/providers';

/**
 * Storage classes known to provide ReadWriteMany volumes (their providers' documentation, in
 * docs/capacity.md), for
 * `CheckpointStorage.newClaim`.
 */
export class StorageClasses {
  /** GKE Filestore CSI, basic HDD tier (about 1 TiB minimum). */
  public static readonly GKE_FILESTORE_STANDARD_RWX = 'standard-rwx';
  /** GKE Filestore CSI, basic SSD tier (about 2.5 TiB minimum). */
  public static readonly GKE_FILESTORE_PREMIUM_RWX = 'premium-rwx';
  /** GKE Filestore CSI, enterprise tier (about 1 TiB minimum). */
  public static readonly GKE_FILESTORE_ENTERPRISE_RWX = 'enterprise-rwx';
  /** EKS: the conventional name of an EFS CSI (`efs.csi.aws.com`) class; size is required but ignored. */
  public static readonly EKS_EFS = 'efs-sc';
  /** AKS: Azure Files CSI, standard tier. */
  public static readonly AKS_AZURE_FILES = 'azurefile-csi';
  /** AKS: Azure Files CSI, premium tier. */
  public static readonly AKS_AZURE_FILES_PREMIUM = 'azurefile-csi-premium';

  private constructor() {}
}

function checkClaimName(what: string, claimName: string): void {
  if (!isDnsSubdomain(claimName)) {
    throw invalid(what, `${what} ('${claimName}') must be a DNS subdomain: lower-case letters, digits, '-' and '.', ` +
      "starting and ending with a letter or digit, at most 253 characters; e.g. 'fraud-checkpoints'.");
  }
}


/**
 * Props for `CheckpointStorage.newClaim`.
 */
export interface NewCheckpointClaimProps {
  /** Requested capacity. */
  readonly size: Size;
  /**
   * Storage class of the claim.
   * @default - the cluster's default storage class
   */
  readonly storageClassName?: string;
  /**
   * How the volume can be mounted. Workloads with more than one pod need ReadWriteMany.
   * @default PersistentVolumeAccessMode.READ_WRITE_MANY
   */
  readonly accessMode?: PersistentVolumeAccessMode;
  /**
   * Name of the PersistentVolumeClaim. It never depends on which constructs use the storage,
   * so adding, removing or moving a job does not rename the claim (a renamed claim is an empty
   * volume, and pruning deletes the old one with its checkpoints).
   * @default 'checkpoints' (give each claim of a chart its own name when there are several)
   */
  readonly claimName?: string;
  /**
   * Annotations that keep GitOps pruning from deleting the claim with its checkpoints when it
   * leaves the manifests: Argo CD `argocd.argoproj.io/sync-options: Delete=false`, Flux
   * `kustomize.toolkit.fluxcd.io/prune: disabled`, kapp `kapp.k14s.io/delete-strategy: orphan`.
   * (`kubectl apply --prune` honours no annotation: exclude the claim with a label selector.)
   * @default true
   */
  readonly protectFromPruning?: boolean;
}

/** The default name of a new checkpoint claim. */
export const DEFAULT_CHECKPOINT_CLAIM_NAME = 'checkpoints';

/** Annotations that keep GitOps tools from pruning a checkpoint claim. */
export const PRUNE_PROTECTION_ANNOTATIONS: { [key: string]: string } = {
  'argocd.argoproj.io/sync-options': 'Delete=false',
  'kustomize.toolkit.fluxcd.io/prune': 'disabled',
  'kapp.k14s.io/delete-strategy': 'orphan',
};

/**
 * A PersistentVolumeClaim construct of any cdk8s-plus version, as `CheckpointStorage.fromClaim`
 * reads it. It is matched by shape, so the claim of whichever cdk8s-plus your app uses (28 up
 * to the newest) fits; the library depends on none.
 */
export interface ICheckpointClaim {
  /** The claim's name. */
  readonly name: string;
  /**
   * The claim's access modes (`ReadWriteMany`, `ReadWriteOnce`, ...).
   * @default - none declared: fromClaim refuses the claim
   */
  readonly accessModes?: string[];
}

/**
 * Where checkpoints live: a PersistentVolumeClaim that outlives the pods.
 *
 * One `CheckpointStorage` can be shared by several constructs; a new claim is created once
 * per chart, under its own name (`claimName`, default `checkpoints`) whichever constructs use
 * it, with annotations that keep GitOps pruning from deleting it. Its access mode is known at synth time, so a
 * ReadWriteOnce volume mounted by several pods is rejected before it fails to attach.
 */
export class CheckpointStorage {
  /**
   * Creates a new PersistentVolumeClaim for checkpoints.
   */
  public static newClaim(props: NewCheckpointClaimProps): CheckpointStorage {
    if (props.size.toMebibytes({ rounding: SizeRoundingBehavior.NONE }) <= 0) {
      throw invalid('CheckpointStorage.newClaim', `CheckpointStorage.newClaim: size (${props.size.asString()}) must be positive; e.g. Size.gibibytes(100).`);
    }
    const claimName = props.claimName ?? DEFAULT_CHECKPOINT_CLAIM_NAME;
    checkClaimName('CheckpointStorage.newClaim: claimName', claimName);
    const accessMode = props.accessMode ?? PersistentVolumeAccessMode.READ_WRITE_MANY;
    const known = props.storageClassName === undefined ? undefined : storageClassNamed(props.storageClassName);
    const block = known !== undefined && !known.readWriteMany ? known.product : undefined;
    if (block !== undefined && accessMode === PersistentVolumeAccessMode.READ_WRITE_MANY) {
      throw invalid('CheckpointStorage.newClaim',
        `CheckpointStorage.newClaim: storageClassName '${props.storageClassName}' is ${block} block storage, which cannot be ` +
        'mounted ReadWriteMany: the claim would stay Pending and every pod with it. Use a file-storage class ' +
        '(StorageClasses.GKE_FILESTORE_STANDARD_RWX, EKS_EFS, AKS_AZURE_FILES), or accessMode READ_WRITE_ONCE for a single pod.',
      );
    }
    return new CheckpointStorage(claimName, [accessMode], props);
  }

  /**
   * Uses a claim that already exists in the namespace.
   * @param claimName name of the PersistentVolumeClaim
   * @param accessMode the claim's access mode; it decides how many pods may mount it
   */
  public static existingClaim(claimName: string, accessMode: PersistentVolumeAccessMode): CheckpointStorage {
    checkClaimName('CheckpointStorage.existingClaim', claimName);
    return new CheckpointStorage(claimName, [accessMode]);
  }

  /**
   * Uses a cdk8s-plus PersistentVolumeClaim defined in the app, of any cdk8s-plus version
   * (matched by shape: `name` and `accessModes`).
   * @param claim the claim; its access modes must be set
   */
  public static fromClaim(claim: ICheckpointClaim): CheckpointStorage {
    const modes = claim.accessModes ?? [];
    if (modes.length === 0) {
      throw invalid('CheckpointStorage.fromClaim',
        `CheckpointStorage.fromClaim: claim '${claim.name}' declares no accessModes; set accessModes on the ` +
        'PersistentVolumeClaim so the library can tell how many pods may mount it.',
      );
    }
    const known: string[] = Object.values(PersistentVolumeAccessMode);
    const unknown = modes.filter((mode) => !known.includes(mode));
    if (unknown.length > 0) {
      throw invalid('CheckpointStorage.fromClaim', `CheckpointStorage.fromClaim: claim '${claim.name}' has access mode(s) ${unknown.map((m) => `'${m}'`).join(', ')}; ` +
        `Kubernetes knows ${known.join(', ')}.`);
    }
    return new CheckpointStorage(claim.name, modes as PersistentVolumeAccessMode[]);
  }

  /** The access modes of the claim. */
  public readonly accessModes: PersistentVolumeAccessMode[];
  private readonly newClaimProps?: NewCheckpointClaimProps;
  private readonly fixedName?: string;
  private readonly claims = new Map<Chart, ApiObject>();

  private constructor(claimName: string | undefined, accessModes: PersistentVolumeAccessMode[], newClaim?: NewCheckpointClaimProps) {
    this.fixedName = claimName;
    this.accessModes = accessModes;
    this.newClaimProps = newClaim;
  }

  /** Whether several pods on different nodes can mount the volume read-write. */
  public get isReadWriteMany(): boolean {
    return this.accessModes.includes(PersistentVolumeAccessMode.READ_WRITE_MANY);
  }

  /** Whether this storage creates its own PersistentVolumeClaim. */
  public get createsClaim(): boolean {
    return this.newClaimProps !== undefined;
  }

  /**
   * The claim name to mount from `scope`, creating the claim in the scope's chart the first
   * time it is needed there.
   * @internal
   */
  public _bind(scope: Construct): string {
    if (!this.newClaimProps) {
      return this.fixedName!;
    }
    const chart = Chart.of(scope);
    let claim = this.claims.get(chart);
    // A claim made for a construct whose constructor then failed left the tree with it.
    if (claim !== undefined && !isInTree(claim, chart)) claim = undefined;
    if (!claim) {
      const props = this.newClaimProps;
      const annotations = props.protectFromPruning === false ? undefined : { ...PRUNE_PROTECTION_ANNOTATIONS };
      claim = new ApiObject(scope, 'CheckpointClaim', {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: this.fixedName, annotations },
        spec: {
          accessModes: [...this.accessModes],
          resources: { requests: { storage: props.size.asString() } },
          storageClassName: props.storageClassName,
          volumeMode: 'Filesystem',
        },
      });
      this.claims.set(chart, claim);
      const gibibytes = props.size.toGibibytes({ rounding: SizeRoundingBehavior.NONE });
      const known = props.storageClassName === undefined ? undefined : storageClassNamed(props.storageClassName);
      const minimum = known?.minimumGiB;
      if (minimum !== undefined && gibibytes < minimum) {
        const smallest = minimum % 1024 === 0 ? `${minimum / 1024} TiB` : `${minimum} GiB`;
        advise(scope, 'checkpoint-claim-size', `CheckpointStorage.newClaim: size ${props.size.asString()} is below the about ${smallest} minimum of ${known!.product} ` +
          `('${props.storageClassName}'); the claim stays Pending or is rounded up.`);
      }
    }
    return claim.name;
  }
}

/**
 * How a construct uses its checkpoint storage.
 */
export interface CheckpointOptions {
  /** The volume that holds checkpoints. */
  readonly storage: CheckpointStorage;
  /**
   * Where the volume is mounted in the trainer container; also `CHECKPOINT_DIR`.
   * @default '/checkpoints'
   */
  readonly mountPath?: string;
  /**
   * A sub-directory of the volume to mount, so several jobs can share one claim. Two
   * constructs in a namespace mounting one claim without it fail synth: each would resume
   * from the other's checkpoints.
   * @default - the whole volume
   */
  readonly subPath?: string;
  /**
   * Epochs between regular checkpoints, passed as `CHECKPOINT_INTERVAL_EPOCHS`.
   * @default 1 (unless `interval` is set)
   */
  readonly intervalEpochs?: number;
  /**
   * Time between regular checkpoints instead of epochs, passed as `CHECKPOINT_INTERVAL_SECONDS`:
   * `CheckpointInterval.every(Duration.minutes(20))`, or computed from the save time and how
   * often pods are lost without notice, `CheckpointInterval.youngDaly(Duration.minutes(1),
   * Duration.hours(6))` (about 26 minutes). Not with `intervalEpochs`.
   * @default - every `intervalEpochs` epochs
   */
  readonly interval?: CheckpointInterval;
  /**
   * How long the trainer takes to write one checkpoint. When set, the library warns if an
   * emergency checkpoint cannot fit in the grace period the capacity really gives.
   * @default - not checked
   */
  readonly saveTime?: Duration;
}

/** Whether `construct` is still reachable from `root` (no scope on the way removed it). */
function isInTree(construct: IConstruct, root: IConstruct): boolean {
  for (let c: IConstruct | undefined = construct; c !== undefined && c !== root; c = c.node.scope) {
    const parent: IConstruct | undefined = c.node.scope;
    if (parent === undefined || parent.node.tryFindChild(c.node.id) !== c) return false;
  }
  return true;
}
