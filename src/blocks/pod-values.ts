import { Size, SizeRoundingBehavior } from 'cdk8s';
import { invalid } from './errors';
import { copyJson } from '../k8s/json';

/*
 * The few pod-level values the props take, in cdk8s-plus's vocabulary but owned here, so the
 * library needs no cdk8s-plus at run time and an app on any cdk8s-plus version (or none)
 * installs one copy of it. In TypeScript a cdk8s-plus `Cpu` or `EnvValue` of any version
 * also fits these types: they are matched by shape (`amount`; `value` and `valueFrom`).
 */

/**
 * An amount of CPU, as `Cpu.units(8)` or `Cpu.millis(500)`.
 */
export class Cpu {
  /**
   * Whole or fractional cores, e.g. `Cpu.units(8)` (written `8`).
   * @param amount cores
   */
  public static units(amount: number): Cpu {
    return new Cpu(String(amount));
  }

  /**
   * Thousandths of a core, e.g. `Cpu.millis(500)` (written `500m`).
   * @param amount millicores
   */
  public static millis(amount: number): Cpu {
    return new Cpu(`${amount}m`);
  }

  /** The quantity as Kubernetes writes it (`8`, `500m`). */
  public readonly amount: string;

  private constructor(amount: string) {
    this.amount = amount;
  }
}

/** Options of the `EnvValue` factories that reference another object. */
export interface EnvValueFromOptions {
  /**
   * Start the container even when the referenced object or key is missing.
   * @default false: the pod waits for it (CreateContainerConfigError)
   */
  readonly optional?: boolean;
}

/**
 * The value of an environment variable: a plain value, or a reference to a Secret key, a
 * ConfigMap key or a field of the pod.
 */
export class EnvValue {
  /**
   * A plain value.
   * @param value the value
   */
  public static fromValue(value: string): EnvValue {
    return new EnvValue(value, undefined);
  }

  /**
   * A key of a Secret in the namespace.
   * @param secretName name of the Secret
   * @param key key in the Secret
   */
  public static fromSecret(secretName: string, key: string, options: EnvValueFromOptions = {}): EnvValue {
    return new EnvValue(undefined, { secretKeyRef: { name: secretName, key, optional: options.optional } });
  }

  /**
   * A key of a ConfigMap in the namespace.
   * @param configMapName name of the ConfigMap
   * @param key key in the ConfigMap
   */
  public static fromConfigMap(configMapName: string, key: string, options: EnvValueFromOptions = {}): EnvValue {
    return new EnvValue(undefined, { configMapKeyRef: { name: configMapName, key, optional: options.optional } });
  }

  /**
   * A field of the pod, e.g. `metadata.name`, `status.podIP`, `spec.nodeName`, or one label or
   * annotation: `metadata.annotations['batch.kubernetes.io/job-completion-index']`. Checked at
   * synth against the fields the apiserver lets an env var read.
   * @param fieldPath the field's path
   */
  public static fromFieldRef(fieldPath: string): EnvValue {
    return new EnvValue(undefined, { fieldRef: { fieldPath } });
  }

  /** The plain value, when it is one. */
  public readonly value?: string;
  /** The reference, as Kubernetes writes `valueFrom`, when it is one. */
  public readonly valueFrom?: any;

  private constructor(value: string | undefined, valueFrom: any) {
    this.value = value;
    this.valueFrom = valueFrom;
  }
}

/** When the kubelet pulls a container image. */
export enum ImagePullPolicy {
  /** Pull on every container start. */
  ALWAYS = 'Always',
  /** Pull when the node does not have the image. */
  IF_NOT_PRESENT = 'IfNotPresent',
  /** Never pull: the image must be on the node. */
  NEVER = 'Never',
}

/** When the kubelet changes a volume's ownership to the pod's `fsGroup` at mount. */
export enum FsGroupChangePolicy {
  /** Every mount: walks the whole volume (slow on large checkpoint folders). */
  ALWAYS = 'Always',
  /** Only when the volume's root does not already have the group and permissions. */
  ON_ROOT_MISMATCH = 'OnRootMismatch',
}

/** How a PersistentVolume can be mounted. */
export enum PersistentVolumeAccessMode {
  /** Read-write by the pods of one node. */
  READ_WRITE_ONCE = 'ReadWriteOnce',
  /** Read-only by pods on many nodes. */
  READ_ONLY_MANY = 'ReadOnlyMany',
  /** Read-write by pods on many nodes. */
  READ_WRITE_MANY = 'ReadWriteMany',
  /** Read-write by a single pod. */
  READ_WRITE_ONCE_POD = 'ReadWriteOncePod',
}

/** Options of `PodVolume.fromPersistentVolumeClaim`. */
export interface PodVolumeClaimOptions {
  /**
   * Name of the volume in the pod.
   * @default 'pvc-<claim name>'
   */
  readonly name?: string;
  /**
   * Attach the claim read-only.
   * @default false
   */
  readonly readOnly?: boolean;
}

/** Options of `PodVolume.fromConfigMap` and `PodVolume.fromSecret`. */
export interface PodVolumeFilesOptions {
  /**
   * Name of the volume in the pod.
   * @default 'configmap-<name>' or 'secret-<name>'
   */
  readonly name?: string;
  /**
   * Only these keys, each written to the given relative path.
   * @default - every key, as a file of its name
   */
  readonly items?: { [key: string]: string };
  /**
   * Permission bits of the files (e.g. 0o440).
   * @default - Kubernetes' default, 0644
   */
  readonly defaultMode?: number;
  /**
   * Start the pod even when the object does not exist.
   * @default false
   */
  readonly optional?: boolean;
}

/** Options of `PodVolume.fromEmptyDir`. */
export interface PodVolumeEmptyDirOptions {
  /**
   * Keep it in memory (tmpfs, counted against the memory limit) instead of the node's disk.
   * @default false
   */
  readonly memory?: boolean;
  /**
   * Most space it may use; the pod is evicted beyond it.
   * @default - no limit
   */
  readonly sizeLimit?: Size;
}

/** Options of `PodVolume.fromCsi`. */
export interface PodVolumeCsiOptions {
  /**
   * Driver-specific attributes (e.g. `bucketName` for GCS FUSE).
   * @default - none
   */
  readonly attributes?: { [key: string]: string };
  /**
   * Mount it read-only.
   * @default false
   */
  readonly readOnly?: boolean;
  /**
   * Filesystem type, for drivers that format.
   * @default - the driver's default
   */
  readonly fsType?: string;
}

/**
 * A volume of the training pods beside the library's own: a dataset claim, a ConfigMap, a
 * Secret, scratch space, a CSI volume such as GCS FUSE. Mount it with `volumes` (the trainer)
 * or `volumeMounts` (init containers and sidecars).
 */
export class PodVolume {
  /**
   * A PersistentVolumeClaim that exists in the namespace (a read-only dataset, say).
   * @param claimName name of the claim
   */
  public static fromPersistentVolumeClaim(claimName: string, options: PodVolumeClaimOptions = {}): PodVolume {
    return new PodVolume(options.name ?? `pvc-${claimName}`, { persistentVolumeClaim: { claimName, readOnly: options.readOnly } });
  }

  /**
   * The keys of a ConfigMap as files.
   * @param configMapName name of the ConfigMap
   */
  public static fromConfigMap(configMapName: string, options: PodVolumeFilesOptions = {}): PodVolume {
    return new PodVolume(options.name ?? `configmap-${configMapName}`, {
      configMap: { name: configMapName, items: keyPaths(options.items), defaultMode: options.defaultMode, optional: options.optional },
    });
  }

  /**
   * The keys of a Secret as files.
   * @param secretName name of the Secret
   */
  public static fromSecret(secretName: string, options: PodVolumeFilesOptions = {}): PodVolume {
    return new PodVolume(options.name ?? `secret-${secretName}`, {
      secret: { secretName, items: keyPaths(options.items), defaultMode: options.defaultMode, optional: options.optional },
    });
  }

  /**
   * Scratch space that lives as long as the pod.
   * @param name name of the volume in the pod
   */
  public static fromEmptyDir(name: string, options: PodVolumeEmptyDirOptions = {}): PodVolume {
    const limit = options.sizeLimit;
    if (limit !== undefined && !(limit.toMebibytes({ rounding: SizeRoundingBehavior.NONE }) > 0)) {
      throw invalid('PodVolume.fromEmptyDir', `PodVolume.fromEmptyDir('${name}'): sizeLimit (${limit.asString()}) must be positive; e.g. Size.gibibytes(50), or leave it unset.`);
    }
    return new PodVolume(name, { emptyDir: { medium: options.memory ? 'Memory' : undefined, sizeLimit: limit?.asString() } });
  }

  /**
   * A volume of a CSI driver that mounts inline (GCS FUSE, the Secrets Store driver...).
   * @param name name of the volume in the pod
   * @param driver the CSI driver, e.g. 'gcsfuse.csi.storage.gke.io'
   */
  public static fromCsi(name: string, driver: string, options: PodVolumeCsiOptions = {}): PodVolume {
    return new PodVolume(name, {
      csi: {
        driver,
        readOnly: options.readOnly,
        fsType: options.fsType,
        volumeAttributes: options.attributes === undefined ? undefined : { ...options.attributes },
      },
    });
  }

  /** Name of the volume in the pod. */
  public readonly name: string;
  private readonly source: { [key: string]: any };

  private constructor(name: string, source: { [key: string]: any }) {
    this.name = name;
    this.source = source;
  }

  /**
   * The volume as Kubernetes writes it.
   * @internal
   */
  public _toKube(): any {
    return { name: this.name, ...copyJson(this.source) };
  }
}

function keyPaths(items: { [key: string]: string } | undefined): any[] | undefined {
  if (items === undefined) return undefined;
  return Object.keys(items).sort().map((key) => ({ key, path: items[key] }));
}

/** A port a sidecar listens on. */
export interface ContainerPort {
  /** The port number, from 1 to 65535. */
  readonly number: number;
  /**
   * Its name, for a Service's targetPort or a PodMonitor: an IANA service name (at most 15
   * lower-case letters, digits and '-', with a letter), unique among the container's ports.
   * @default - unnamed
   */
  readonly name?: string;
}

/** Where an init container or sidecar mounts one of the pod's volumes. */
export interface ContainerVolumeMount {
  /**
   * Name of a pod volume: one of `volumes` (its `PodVolume` name) or the library's
   * `checkpoints`, `tmp` and `dshm`.
   */
  readonly volume: string;
  /** Where the container mounts it (an absolute path). */
  readonly mountPath: string;
  /**
   * Mount it read-only.
   * @default false
   */
  readonly readOnly?: boolean;
  /**
   * Mount only this path of the volume.
   * @default - the volume's root
   */
  readonly subPath?: string;
}

/**
 * An init container or sidecar of the training pods. It runs with the trainer's restricted
 * security context; cpu and memory are both request and limit.
 */
export interface ExtraContainerProps {
  /** Name of the container, unique in the pod. */
  readonly name: string;
  /**
   * Its image, checked as the trainer's: no whitespace, a lower-case repository (the kubelet
   * refuses others only on the node); without a tag or on `latest` it gets the `image-tag`
   * warning, as a retry after preemption may pull other code.
   */
  readonly image: string;
  /**
   * The entrypoint (run without a shell).
   * @default - the image's ENTRYPOINT
   */
  readonly command?: string[];
  /**
   * Arguments to the entrypoint.
   * @default - the image's CMD
   */
  readonly args?: string[];
  /**
   * Working directory.
   * @default - the image's WORKDIR
   */
  readonly workingDir?: string;
  /**
   * Environment variables.
   * @default - none
   */
  readonly env?: { [name: string]: EnvValue };
  /**
   * CPU, request and limit.
   * @default - none
   */
  readonly cpu?: Cpu;
  /**
   * Memory, request and limit.
   * @default - none
   */
  readonly memory?: Size;
  /**
   * Ports it listens on.
   * @default - none
   */
  readonly ports?: ContainerPort[];
  /**
   * Pod volumes it mounts.
   * @default - none
   */
  readonly volumeMounts?: ContainerVolumeMount[];
  /**
   * When the kubelet pulls its image.
   * @default - Kubernetes' default
   */
  readonly imagePullPolicy?: ImagePullPolicy;
}
