/**
 * Where the pod templates of a workload kind live, so the pod rules apply to every one of them
 * (the apiserver does not validate pod templates inside custom resources: an operator finds
 * their mistakes later, as events). Kinds are declared beside what writes them: the batch and
 * core kinds here, each engine's own custom resources in its engine file; the findings
 * pipeline hands the rules the whole list (`WorkloadKinds`).
 */
import { FieldPath, pathText } from './paths';
import { isWithinDirectory, withoutTrailingSlash } from './syntax';

/** A pod template inside a workload object. */
export interface PodTemplateRef {
  /** Where the template is in the object (`[]` for a Pod: the object is the pod). */
  readonly keys: FieldPath;
  /** `keys` as messages write it (`spec.template`), `''` for a Pod. */
  readonly path: string;
  readonly template: any;
  /** How many pods of this template can run at once. */
  readonly concurrentPods: number;
  /** A Trainer runtime's dataset or model initializer: it prepares inputs and does not train. */
  readonly initializer?: boolean;
}

/** A kind whose objects run pods, and where their templates are. */
export interface WorkloadKind {
  /** API group (`''` for the core group), e.g. `batch`, `kubeflow.org`. */
  readonly group: string;
  readonly kind: string;
  /** The versions recognised; any version of the group when unset. */
  readonly versions?: readonly string[];
  /** Whether the kind is itself a training workload (the training rules apply whatever its pods request). */
  readonly training?: boolean;
  /** Every pod template of an object of this kind. */
  podTemplates(object: any): PodTemplateRef[];
}

/** A template reference at `keys` in its object. */
export function templateAt(keys: FieldPath, template: any, concurrentPods: number, initializer?: boolean): PodTemplateRef {
  return { keys, path: pathText(keys), template, concurrentPods, ...(initializer ? { initializer } : {}) };
}

/** Whether `object` is of `kind` (its kind name and API group, and version where the kind names versions). */
export function isOfKind(object: any, kind: { readonly group: string; readonly kind: string; readonly versions?: readonly string[] }): boolean {
  if (object?.kind !== kind.kind || typeof object.apiVersion !== 'string') return false;
  const apiVersion: string = object.apiVersion;
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  if (group !== kind.group) return false;
  return kind.versions === undefined || kind.versions.includes(slash < 0 ? apiVersion : apiVersion.slice(slash + 1));
}

/** The Job spec inside a Job or a CronJob, if any. */
export function jobSpecOf(object: any): any | undefined {
  if (object?.kind === 'Job' && object.apiVersion === 'batch/v1') return object.spec;
  if (object?.kind === 'CronJob' && object.apiVersion === 'batch/v1') return object.spec?.jobTemplate?.spec;
  return undefined;
}

/** Where the Job spec of a Job or a CronJob is. */
export function jobSpecKeys(object: any): string[] {
  return object?.kind === 'CronJob' ? ['spec', 'jobTemplate', 'spec'] : ['spec'];
}

/** The metadata a Job's controller reads for a Job or a CronJob's job template. */
export function jobMetadataOf(object: any): any | undefined {
  if (object?.kind === 'Job') return object.metadata;
  if (object?.kind === 'CronJob') return object.spec?.jobTemplate?.metadata;
  return undefined;
}

function jobTemplates(object: any): PodTemplateRef[] {
  const job = jobSpecOf(object);
  if (!job?.template) return [];
  return [templateAt([...jobSpecKeys(object), 'template'], job.template, Math.max(1, job.parallelism ?? 1))];
}

/** batch/v1 Job, CronJob, and the core Pod. */
export const CORE_KINDS: readonly WorkloadKind[] = [
  { group: 'batch', kind: 'Job', versions: ['v1'], podTemplates: jobTemplates },
  { group: 'batch', kind: 'CronJob', versions: ['v1'], podTemplates: jobTemplates },
  {
    group: '',
    kind: 'Pod',
    versions: ['v1'],
    podTemplates: (object) => [templateAt([], { metadata: object.metadata, spec: object.spec }, 1)],
  },
];

/** Containers and init containers of a pod spec. */
export function containersOf(podSpec: any): any[] {
  return [...(podSpec?.initContainers ?? []), ...(podSpec?.containers ?? [])];
}

/** A container of a pod spec with where it is (`initContainers` or `containers`, and its index). */
export interface ContainerRef {
  readonly container: any;
  readonly keys: FieldPath;
}

/** Init containers then containers, each with its path below `podSpecKeys`. */
export function containerRefs(podSpec: any, podSpecKeys: FieldPath): ContainerRef[] {
  const refs: ContainerRef[] = [];
  for (const list of ['initContainers', 'containers']) {
    const containers = podSpec?.[list];
    if (!Array.isArray(containers)) continue;
    containers.forEach((container, i) => refs.push({ container, keys: [...podSpecKeys, list, i] }));
  }
  return refs;
}

/** `Kind/name` of an object, for messages. */
export function describe(object: any): string {
  return `${object?.kind ?? 'object'}/${object?.metadata?.name ?? '(unnamed)'}`;
}

/** Whether a kind is a Kubeflow Trainer runtime (a JobSet template many TrainJobs share). */
export function isTrainingRuntimeKind(kind: unknown): boolean {
  return kind === 'TrainingRuntime' || kind === 'ClusterTrainingRuntime';
}

/** The JobSet spec of a JobSet, or of a Trainer runtime's JobSet template; undefined for other kinds. */
export function jobSetSpecOf(object: any): any {
  if (object?.kind === 'JobSet') return object.spec;
  return isTrainingRuntimeKind(object?.kind) ? object.spec?.template?.spec : undefined;
}

/**
 * The claim templates of a JobSet spec's volumeClaimPolicies (JobSet v0.12): the controller
 * creates each claim and mounts it, by the template's name, in every pod that names it.
 */
export function volumeClaimTemplates(jobSetSpec: any): any[] {
  return (Array.isArray(jobSetSpec?.volumeClaimPolicies) ? jobSetSpec.volumeClaimPolicies : [])
    .flatMap((policy: any) => (Array.isArray(policy?.templates) ? policy.templates : []));
}

/** Volume types whose data outlives the pod and its node: claims and network or cloud storage. */
const PERSISTENT_VOLUME_TYPES = [
  'persistentVolumeClaim', 'csi', 'nfs', 'cephfs', 'glusterfs', 'azureFile', 'iscsi', 'fc', 'rbd', 'portworxVolume',
  'awsElasticBlockStore', 'gcePersistentDisk', 'azureDisk', 'cinder', 'vsphereVolume',
];

/** CSI drivers whose inline volumes live and die with the pod (secrets, certificates, scratch space). */
const EPHEMERAL_CSI_DRIVERS = /^(?:secrets-store\.csi\.k8s\.io|csi\.cert-manager\.io|spiffe\.csi\.cert-manager\.io|csi\.spiffe\.io|.*ephemeral.*|local\.csi\..*|hostpath\.csi\.k8s\.io)$/;

/**
 * The names of a pod spec's volumes that keep what is written to them when the pod and its node
 * are gone, where checkpoints can live: PersistentVolumeClaims, NFS and other network volumes,
 * and inline CSI volumes of storage drivers (GCS FUSE, EFS, Azure Blob, S3 Mountpoint). Not a
 * generic ephemeral volume (its claim is deleted with the pod), an emptyDir, a hostPath (lost
 * with the node), a ConfigMap or a Secret.
 */
export function persistentVolumeNames(podSpec: any): Set<string> {
  const volumes: any[] = Array.isArray(podSpec?.volumes) ? podSpec.volumes : [];
  return new Set(volumes.filter((v: any) => PERSISTENT_VOLUME_TYPES.some((type) => v?.[type])
    && !(v?.csi && EPHEMERAL_CSI_DRIVERS.test(String(v.csi.driver ?? '')))).map((v: any) => v.name));
}

/** Whether a container of a pod spec mounts one of its persistent volumes (`persistentVolumeNames`). */
export function mountsPersistentVolume(podSpec: any): boolean {
  const persistent = persistentVolumeNames(podSpec);
  return containersOf(podSpec).some((c: any) => (Array.isArray(c?.volumeMounts) ? c.volumeMounts : []).some((m: any) => persistent.has(m?.name)));
}

/**
 * The mount of a container that holds directory `dir`: the deepest one at or above it (the
 * kubelet mounts each path over what is above it), or undefined when `dir` is on the
 * container's own filesystem.
 */
export function mountHolding(container: any, dir: string): any {
  const mounts: any[] = (Array.isArray(container?.volumeMounts) ? container.volumeMounts : [])
    .filter((m: any) => typeof m?.mountPath === 'string' && m.mountPath.startsWith('/'));
  return mounts.filter((m: any) => isWithinDirectory(withoutTrailingSlash(m.mountPath), dir))
    .sort((a: any, b: any) => withoutTrailingSlash(b.mountPath).length - withoutTrailingSlash(a.mountPath).length)[0];
}

/** The workload kinds known to a run of the rules: where each object's pod templates are. */
export class WorkloadKinds {
  private readonly byName = new Map<string, WorkloadKind[]>();

  constructor(public readonly kinds: readonly WorkloadKind[]) {
    for (const kind of kinds) this.byName.set(kind.kind, [...(this.byName.get(kind.kind) ?? []), kind]);
  }

  /** The declared kind of `object`, if it is a workload this run knows. */
  public kindOf(object: any): WorkloadKind | undefined {
    if (object === null || typeof object !== 'object') return undefined;
    return this.byName.get(object.kind)?.find((kind) => isOfKind(object, kind));
  }

  /** Every pod template of a workload object (none for other objects). */
  public podTemplatesOf(object: any): PodTemplateRef[] {
    return this.kindOf(object)?.podTemplates(object) ?? [];
  }

  /** Calls `visit` with each template's pod spec, its path as messages write it, and where it is. */
  public forEachPodSpec(object: any, visit: (podSpec: any, path: string, ref: PodTemplateRef, keys: FieldPath) => void): void {
    for (const ref of this.podTemplatesOf(object)) {
      visit(ref.template?.spec ?? {}, ref.path ? `${ref.path}.spec` : 'spec', ref, [...ref.keys, 'spec']);
    }
  }
}
