/**
 * The Kubernetes objects the library writes, in their wire format (the JSON field names of
 * k8s.io/api core/v1 and batch/v1): the fields the building blocks set, typed, so a fragment
 * cannot write a field that does not exist or a value of the wrong shape. The whole object is
 * held to the apiserver's OpenAPI by the strict schema check every test synthesis runs.
 */

export type Labels = { [key: string]: string };
/** A resource quantity (`16`, `128Gi`) or a count of an extended resource. */
export type Quantity = string | number;

export interface ObjectMeta {
  name?: string;
  labels?: Labels;
  annotations?: Labels;
}

export interface EnvVarSource {
  fieldRef?: { fieldPath: string; apiVersion?: string };
  secretKeyRef?: { name: string; key: string; optional?: boolean };
  configMapKeyRef?: { name: string; key: string; optional?: boolean };
  resourceFieldRef?: { resource: string; containerName?: string; divisor?: Quantity };
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: EnvVarSource;
}

export interface ResourceRequirements {
  requests?: { [resource: string]: Quantity };
  limits?: { [resource: string]: Quantity };
}

export interface VolumeMount {
  name: string;
  mountPath: string;
  readOnly?: boolean;
  subPath?: string;
  subPathExpr?: string;
}

export interface ContainerPort {
  containerPort: number;
  name?: string;
  protocol?: string;
}

export interface SecurityContext {
  allowPrivilegeEscalation?: boolean;
  capabilities?: { drop?: string[]; add?: string[] };
  readOnlyRootFilesystem?: boolean;
  runAsNonRoot?: boolean;
}

export interface Container {
  name: string;
  image: string;
  imagePullPolicy?: string;
  command?: string[];
  args?: string[];
  workingDir?: string;
  env?: EnvVar[];
  ports?: ContainerPort[];
  resources?: ResourceRequirements;
  volumeMounts?: VolumeMount[];
  securityContext?: SecurityContext;
  /** `Always` makes an init container a native sidecar (1.29+). */
  restartPolicy?: string;
}

/** A pod volume: its name and one source (persistentVolumeClaim, emptyDir, configMap, secret, csi...). */
export interface Volume {
  name: string;
  persistentVolumeClaim?: { claimName: string; readOnly?: boolean };
  emptyDir?: { medium?: string; sizeLimit?: string };
  configMap?: { name: string; items?: Array<{ key: string; path: string }>; defaultMode?: number; optional?: boolean };
  secret?: { secretName: string; items?: Array<{ key: string; path: string }>; defaultMode?: number; optional?: boolean };
  csi?: { driver: string; readOnly?: boolean; fsType?: string; volumeAttributes?: Labels };
}

export interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
}

export interface NodeSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

export interface Affinity {
  nodeAffinity?: {
    requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms: Array<{ matchExpressions?: NodeSelectorRequirement[] }> };
    preferredDuringSchedulingIgnoredDuringExecution?: Array<{ weight: number; preference: { matchExpressions?: NodeSelectorRequirement[] } }>;
  };
}

export interface TopologySpreadConstraint {
  maxSkew: number;
  topologyKey: string;
  whenUnsatisfiable: string;
  labelSelector?: { matchLabels?: Labels };
}

export interface PodSecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  runAsGroup?: number;
  fsGroup?: number;
  fsGroupChangePolicy?: string;
  seccompProfile?: { type: string };
}

export interface PodSpec {
  restartPolicy?: string;
  terminationGracePeriodSeconds?: number;
  initContainers?: Container[];
  containers: Container[];
  volumes?: Volume[];
  nodeSelector?: Labels;
  affinity?: Affinity;
  topologySpreadConstraints?: TopologySpreadConstraint[];
  tolerations?: Toleration[];
  priorityClassName?: string;
  serviceAccountName?: string;
  imagePullSecrets?: Array<{ name: string }>;
  securityContext?: PodSecurityContext;
}

export interface PodTemplateSpec {
  metadata?: ObjectMeta;
  spec: PodSpec;
}

export interface PodFailurePolicyRule {
  action: string;
  onExitCodes?: { containerName?: string; operator: string; values: number[] };
  onPodConditions: Array<{ type: string; status?: string }>;
}

export interface JobSpec {
  parallelism?: number;
  completions?: number;
  completionMode?: string;
  backoffLimit?: number;
  backoffLimitPerIndex?: number;
  maxFailedIndexes?: number;
  activeDeadlineSeconds?: number;
  podReplacementPolicy?: string;
  suspend?: boolean;
  template: PodTemplateSpec;
  ttlSecondsAfterFinished?: number;
  podFailurePolicy?: { rules: PodFailurePolicyRule[] };
}
