import { ApiObject, Duration, Size, SizeRoundingBehavior } from 'cdk8s';
import { Construct } from 'constructs';
import { advise } from '../advice';
import { humanDuration } from '../human-duration';
import { GpuNodeLabels } from './accelerator';
import { CheckpointOptions } from './checkpoint-storage';
import { CloudProvider, NodeLabelRequirement } from './cloud-provider';
import { ContainerPort, Cpu, EnvValue, ExtraContainerProps, PodVolume } from './pod-values';
import { resolvePreemptionContract, ResolvedPreemptionContract } from './preemption-policy';
import { copyJson } from './rendered-api-object';
import { SpotScheduling } from './spot-scheduling';
import { TrainingWorkloadProps } from './training-workload-props';
import { KubernetesVersion } from '../kubernetes-version';
import { compact, positiveSeconds } from './validation';
import { gpuModelFormProblem } from '../rules/gpu-model-label';
import {
  envFieldRefProblem, isDescendingPath, isDnsLabel, isDnsSubdomain, isEnvVarName, isLabelKey, isLabelValue, isPortNumber, isWithinDirectory,
  portNameProblem, withoutTrailingSlash,
} from '../rules/k8s-syntax';
import { JOB_CONTROLLER_LABELS, KUEUE_PRIORITY_LABEL, KUEUE_QUEUE_LABEL } from '../rules/knowledge';
import { describeConflict, LabelRequirement, labelConflict } from '../rules/placement';

/** Library-owned environment variables of the trainer container. */
export const ENV_CHECKPOINT_DIR = 'CHECKPOINT_DIR';
export const ENV_CHECKPOINT_INTERVAL_EPOCHS = 'CHECKPOINT_INTERVAL_EPOCHS';
export const ENV_PREEMPTION_EXIT_CODE = 'PREEMPTION_EXIT_CODE';
export const ENV_CONFIG_ERROR_EXIT_CODE = 'CONFIG_ERROR_EXIT_CODE';
const RESERVED_ENV = [ENV_CHECKPOINT_DIR, ENV_CHECKPOINT_INTERVAL_EPOCHS, ENV_PREEMPTION_EXIT_CODE, ENV_CONFIG_ERROR_EXIT_CODE];

export const DEFAULT_CHECKPOINT_MOUNT_PATH = '/checkpoints';
export const DEFAULT_CHECKPOINT_INTERVAL_EPOCHS = 1;
export const DEFAULT_RUN_AS_USER = 1000;
export const MIN_TERMINATION_GRACE = Duration.seconds(30);
const CHECKPOINT_VOLUME = 'checkpoints';
const SHM_VOLUME = 'dshm';
const TMP_VOLUME = 'tmp';
const MANAGED_BY = 'cdk8s-training';

/** What a construct tells the builder beyond the shared props. */
export interface TrainerPodOptions {
  /** The workload's object name (already checked by the construct). */
  readonly workloadName: string;
  /** Name of the trainer container (`trainer`, or `pytorch` for the Training Operator). */
  readonly containerName: string;
  /** `app.kubernetes.io/component` of the workload. */
  readonly component: string;
  /** Pod restartPolicy. */
  readonly restartPolicy: string;
  /** How many pods can mount the checkpoint volume at once (parallelism, replicas). */
  readonly concurrentPods: number;
  /** Extra env after the library's own and before the user's. */
  readonly extraEnv?: any[];
  /** Replaces the trainer's command (e.g. a wrapper that execs the user's command). */
  readonly command?: string[];
  /** Extra volumes of the pod. */
  readonly extraVolumes?: any[];
  /** Extra mounts of the trainer container. */
  readonly extraMounts?: any[];
  /** Init containers (they get the trainer's container security context). */
  readonly initContainers?: any[];
  /** Mount the checkpoint volume with this subPathExpr (e.g. one directory per trial). */
  readonly checkpointSubPathExpr?: string;
  /** Env names the construct's runtime sets (operator, launcher, sweep), which user env must not override. */
  readonly reservedEnv?: { readonly matches: (name: string) => boolean; readonly why: string };
}

/** Everything the shared props resolve to, read by the constructs for their own fields. */
export interface TrainerPod {
  readonly template: any;
  /** Labels of the pods and of objects Kueue does not admit (CronJob, TrainingRuntime). */
  readonly labels: { [key: string]: string };
  /** `labels` plus the Kueue labels, for the object Kueue admits. */
  readonly workloadLabels: { [key: string]: string };
  readonly spot: SpotScheduling;
  readonly terminationGracePeriod: Duration;
  readonly contract: ResolvedPreemptionContract;
  readonly checkpointMountPath?: string;
  readonly checkpointClaimName?: string;
  readonly kubernetesVersion: KubernetesVersion;
  /** The cluster's provider as resolved for these pods (prop, app default, or spot preset). */
  readonly provider?: CloudProvider;
}

/**
 * The one pod-template path of the library: turns `TrainingWorkloadProps` into a pod
 * template with the enforced defaults, throwing on single-prop mistakes.
 */
export function buildTrainerPod(scope: Construct, props: TrainingWorkloadProps, options: TrainerPodOptions): TrainerPod {
  const spot = props.spot ?? SpotScheduling.onDemand();
  const provider = resolveProvider(scope, props, spot);
  const kubernetesVersion = props.kubernetesVersion ?? KubernetesVersion.targetOf(scope);
  const contract = resolvePreemptionContract(props.preemption);
  checkArgv('command', props.command);
  checkArgv('args', props.args);
  const terminationGracePeriod = resolveGrace(props, spot);
  checkSaveTime(scope, props.checkpoint, spot, terminationGracePeriod);

  const volumes: any[] = [];
  const mounts: any[] = [];
  const env: any[] = [];

  let checkpointMountPath: string | undefined;
  let checkpointClaimName: string | undefined;
  if (props.checkpoint) {
    if (props.noCheckpointReason !== undefined) {
      throw new Error('checkpoint and noCheckpointReason are both set; keep checkpoint and remove noCheckpointReason.');
    }
    const checkpoint = props.checkpoint;
    checkSharedAccess(checkpoint, options.concurrentPods);
    checkpointMountPath = checkpoint.mountPath ?? DEFAULT_CHECKPOINT_MOUNT_PATH;
    checkMountPath('checkpoint.mountPath', checkpointMountPath, '/checkpoints');
    const interval = checkpoint.intervalEpochs ?? DEFAULT_CHECKPOINT_INTERVAL_EPOCHS;
    if (!Number.isInteger(interval) || interval < 1) {
      throw new Error(`checkpoint.intervalEpochs (${interval}) must be a whole number of at least 1.`);
    }
    if (checkpoint.subPath !== undefined && !isDescendingPath(checkpoint.subPath)) {
      throw new Error(`checkpoint.subPath ('${checkpoint.subPath}') must be a relative path without '..'.`);
    }
    checkpointClaimName = checkpoint.storage._bind(scope);
    volumes.push({ name: CHECKPOINT_VOLUME, persistentVolumeClaim: { claimName: checkpointClaimName } });
    if (options.checkpointSubPathExpr !== undefined) {
      const prefix = checkpoint.subPath === undefined ? '' : `${withoutTrailingSlash(checkpoint.subPath)}/`;
      mounts.push({ name: CHECKPOINT_VOLUME, mountPath: checkpointMountPath, subPathExpr: `${prefix}${options.checkpointSubPathExpr}` });
    } else {
      mounts.push({ name: CHECKPOINT_VOLUME, mountPath: checkpointMountPath, subPath: checkpoint.subPath });
    }
    env.push({ name: ENV_CHECKPOINT_DIR, value: checkpointMountPath });
    env.push({ name: ENV_CHECKPOINT_INTERVAL_EPOCHS, value: String(interval) });
  } else if (props.noCheckpointReason === undefined || props.noCheckpointReason.trim() === '') {
    throw new Error(
      'checkpoint is not set: a training job without checkpoint storage restarts from scratch after every preemption. ' +
      'Set checkpoint: { storage: CheckpointStorage.newClaim({...}) }, or set noCheckpointReason to say why it is not needed.',
    );
  }
  env.push({ name: ENV_PREEMPTION_EXIT_CODE, value: String(contract.exitCode) });
  if (contract.nonRetriableExitCodes.length > 0) {
    env.push({ name: ENV_CONFIG_ERROR_EXIT_CODE, value: String(contract.nonRetriableExitCodes[0]) });
  }
  env.push(...(options.extraEnv ?? []));
  env.push(...userEnv(props, env, options.reservedEnv));

  const resources = buildResources(props);
  const shm = sharedMemory(props);
  volumes.push({ name: SHM_VOLUME, emptyDir: { medium: 'Memory', sizeLimit: shm.asString() } });
  mounts.push({ name: SHM_VOLUME, mountPath: '/dev/shm' });
  volumes.push({ name: TMP_VOLUME, emptyDir: {} });
  mounts.push({ name: TMP_VOLUME, mountPath: '/tmp' });
  volumes.push(...(options.extraVolumes ?? []));
  mounts.push(...(options.extraMounts ?? []));
  const userVolumes = trainerVolumes(props, volumes, mounts);
  volumes.push(...userVolumes.volumes);
  mounts.push(...userVolumes.mounts);

  const runAsRoot = props.runAsRoot ?? false;
  const runAsUser = props.runAsUser ?? DEFAULT_RUN_AS_USER;
  if (!runAsRoot && (!Number.isInteger(runAsUser) || runAsUser < 1)) {
    throw new Error(`runAsUser (${runAsUser}) must be a whole number of at least 1 for a non-root pod; set runAsRoot: true for images that need root.`);
  }
  if (runAsRoot && props.runAsUser !== undefined) {
    throw new Error('runAsUser and runAsRoot are both set; remove runAsUser to run as root, or runAsRoot to run as that user.');
  }

  if (props.priorityClassName !== undefined && !isDnsSubdomain(props.priorityClassName)) {
    throw new Error(`priorityClassName ('${props.priorityClassName}') must be a DNS subdomain: lower-case letters, digits, '-' and '.'.`);
  }

  const containerSecurity = {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    readOnlyRootFilesystem: props.readOnlyRootFilesystem ?? false,
    runAsNonRoot: runAsRoot ? undefined : true,
  };
  const container = {
    name: options.containerName,
    image: requireImage(scope, 'image', props.image, 'registry.example.com/trainer:v1'),
    imagePullPolicy: props.imagePullPolicy,
    command: options.command ?? props.command,
    args: props.args,
    workingDir: props.workingDir,
    env,
    resources,
    volumeMounts: mounts,
    securityContext: containerSecurity,
  };

  const labels = commonLabels(props, options);
  const workloadLabels: { [key: string]: string } = { ...labels };
  if (props.queue !== undefined) {
    workloadLabels[KUEUE_QUEUE_LABEL] = checkedLabelValue('queue', props.queue);
  }
  if (props.workloadPriorityClass !== undefined) {
    workloadLabels[KUEUE_PRIORITY_LABEL] = checkedLabelValue('workloadPriorityClass', props.workloadPriorityClass);
  }

  const initContainers = [
    ...(options.initContainers ?? []),
    ...extraContainers(scope, 'initContainers', props.initContainers, [options.containerName, ...(options.initContainers ?? []).map((c) => c.name)], volumes),
  ];
  const sidecars = extraContainers(scope, 'sidecars', props.sidecars, [options.containerName, ...initContainers.map((c) => c.name)], volumes);
  if (sidecars.length > 0 && kubernetesVersion.minor < 29) {
    throw new Error(`sidecars need native sidecar containers, on by default from Kubernetes 1.29; the target is ${kubernetesVersion}. ` +
      'Set KubernetesVersion.setTarget(app, KubernetesVersion.V1_29) or later before adding charts, or pass kubernetesVersion.');
  }
  const selector = nodeSelector(props, spot, provider);
  const required = requiredNodeLabels(spot, provider, props.requiredNodeLabels);
  checkPlacement(props, spot, selector, required);
  const affinity = nodeAffinity(required);
  const template = {
    metadata: { labels, annotations: podAnnotations(props) },
    spec: {
      restartPolicy: options.restartPolicy,
      terminationGracePeriodSeconds: terminationGracePeriod.toSeconds(),
      initContainers: [
        ...initContainers.map((init) => ({ ...init, securityContext: containerSecurity })),
        // Native sidecars: restartable init containers that run for the pod's life.
        ...sidecars.map((sidecar) => ({ ...sidecar, restartPolicy: 'Always', securityContext: containerSecurity })),
      ],
      containers: [container],
      volumes,
      nodeSelector: selector,
      affinity,
      topologySpreadConstraints: props.spreadAcross === undefined ? undefined : [spread(props.spreadAcross, labels)],
      tolerations: tolerations(props, spot),
      priorityClassName: props.priorityClassName,
      serviceAccountName: objectName('serviceAccountName', props.serviceAccountName),
      imagePullSecrets: props.imagePullSecrets?.map((secret, i) => ({ name: objectName(`imagePullSecrets[${i}]`, secret) })),
      securityContext: {
        runAsNonRoot: runAsRoot ? undefined : true,
        runAsUser: runAsRoot ? undefined : runAsUser,
        runAsGroup: runAsRoot ? undefined : runAsUser,
        fsGroup: runAsRoot ? undefined : runAsUser,
        seccompProfile: { type: 'RuntimeDefault' },
      },
    },
  };

  return {
    template: compact(template),
    labels,
    workloadLabels,
    spot,
    terminationGracePeriod,
    contract,
    checkpointMountPath,
    checkpointClaimName,
    kubernetesVersion,
    provider,
  };
}

/** Adds each label to the object's metadata. */
export function addLabels(apiObject: ApiObject, labels: { [key: string]: string }): void {
  for (const [key, value] of Object.entries(labels)) {
    apiObject.metadata.addLabel(key, value);
  }
}

/**
 * An image reference the kubelet can pull: not empty, no whitespace, a lower-case repository
 * (upper case fails only on the node, as InvalidImageName, after the pod took its GPUs). A
 * missing or `latest` tag is advised against: a retry or a replacement may run other code.
 * @param prop the prop, for messages (`image`, `sidecars[0].image`)
 * @param example a reference to suggest
 */
function requireImage(scope: Construct, prop: string, image: string, example: string): string {
  if (typeof image !== 'string' || image.trim() === '') {
    throw new Error(`${prop} is empty; set it to the container's image, e.g. '${example}'.`);
  }
  if (/\s/.test(image)) {
    throw new Error(`${prop} ('${image}') contains whitespace; write the reference without spaces, e.g. '${example}'.`);
  }
  const [withoutDigest, digest] = image.split('@');
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  const hasTag = colon > lastSlash;
  const repository = hasTag ? withoutDigest.slice(0, colon) : withoutDigest;
  const path = repository.includes('/') && /[.:]|^localhost$/.test(repository.split('/')[0]) ? repository.slice(repository.indexOf('/') + 1) : repository;
  if (path !== path.toLowerCase()) {
    throw new Error(`${prop} ('${image}'): the repository '${path}' has upper-case letters, which image references do not allow; write '${path.toLowerCase()}'.`);
  }
  if (digest === undefined && (!hasTag || withoutDigest.slice(colon + 1) === 'latest')) {
    advise(scope, 'image-tag', `${prop} ('${image}') has ${hasTag ? 'the tag latest' : 'no tag (so :latest)'}: a retry or a replacement after ` +
      'preemption may run different code than the first attempt.');
  }
  return image;
}

/** Command and args entries that Kubernetes passes literally but a shell would have interpreted, or that are empty. */
function checkArgv(prop: string, argv: string[] | undefined): void {
  (argv ?? []).forEach((arg, i) => {
    if (arg === '') {
      throw new Error(`${prop}[${i}] is an empty string, which the program receives as an empty argument; remove it.`);
    }
    if (/^(\d?>>?|<|\d?>&\d|&>|\|)$/.test(arg)) {
      throw new Error(`${prop}[${i}] ('${arg}') is shell redirection, but Kubernetes runs no shell: the program receives it literally. ` +
        "Use TrainerCommand.shell('python train.py > /tmp/log 2>&1') or let the trainer write its own files.");
    }
  });
}

function resolveGrace(props: TrainingWorkloadProps, spot: SpotScheduling): Duration {
  const notice = spot.notice.toSeconds();
  if (props.terminationGracePeriod === undefined) {
    return Duration.seconds(Math.max(notice, MIN_TERMINATION_GRACE.toSeconds()));
  }
  const grace = positiveSeconds('terminationGracePeriod', props.terminationGracePeriod, 'Duration.seconds(60)');
  if (grace < notice) {
    throw new Error(
      `terminationGracePeriod (${humanDuration(props.terminationGracePeriod)}) is shorter than the ${spot.name} notice ` +
      `(${humanDuration(spot.notice)}); the trainer would be killed before its emergency checkpoint. ` +
      `Set it to at least ${humanDuration(spot.notice)}, or leave it unset.`,
    );
  }
  return props.terminationGracePeriod;
}

function checkSaveTime(scope: Construct, checkpoint: CheckpointOptions | undefined, spot: SpotScheduling, grace: Duration): void {
  if (checkpoint?.saveTime === undefined) return;
  const save = positiveSeconds('checkpoint.saveTime', checkpoint.saveTime, 'Duration.seconds(20)');
  const window = Math.min(grace.toSeconds(), spot.saveWindow.toSeconds());
  if (save > window) {
    advise(
      scope,
      'checkpoint-save-time',
      `checkpoint.saveTime (${humanDuration(checkpoint.saveTime)}) does not fit in the ${window} seconds a pod gets on ` +
      `${spot.name} (grace ${humanDuration(grace)}, save window ${humanDuration(spot.saveWindow)}): the emergency ` +
      'checkpoint will be cut off.',
    );
  }
}

function checkSharedAccess(checkpoint: CheckpointOptions, concurrentPods: number): void {
  if (concurrentPods > 1 && !checkpoint.storage.isReadWriteMany) {
    throw new Error(
      `checkpoint.storage has access modes ${checkpoint.storage.accessModes.join(', ')} but up to ${concurrentPods} pods ` +
      'mount it at once; a ReadWriteOnce volume cannot attach to pods on several nodes (Multi-Attach error, RULEBOOK V2). ' +
      'Use a ReadWriteMany claim (e.g. StorageClasses.GKE_FILESTORE_STANDARD_RWX, EKS_EFS, AKS_AZURE_FILES).',
    );
  }
}

function userEnv(props: TrainingWorkloadProps, libraryEnv: any[], reserved?: TrainerPodOptions['reservedEnv']): any[] {
  const taken = new Set(libraryEnv.map((entry) => entry.name));
  return envList('env', props.env, (name) => {
    if (reserved?.matches(name)) {
      throw new Error(`env: '${name}' ${reserved.why}; remove it from env.`);
    }
    if (RESERVED_ENV.includes(name) || taken.has(name)) {
      throw new Error(`env: '${name}' is set by the library; configure it through its prop (checkpoint, preemption) instead.`);
    }
  });
}

/** Env values as Kubernetes writes them (a cdk8s-plus EnvValue of any version has the same shape). */
function envList(prop: string, env: { [name: string]: EnvValue } | undefined, check: (name: string) => void = () => {}): any[] {
  return Object.entries(env ?? {}).map(([name, value]) => {
    if (!isEnvVarName(name)) {
      throw new Error(`${prop}: '${name}' is not a valid environment variable name; use letters, digits, '_', '-' and '.', not starting with a digit.`);
    }
    check(name);
    if (value === undefined || value === null || (value.value === undefined) === (value.valueFrom === undefined)) {
      throw new Error(`${prop}: '${name}' needs exactly one of a value or a reference; use EnvValue.fromValue('...'), fromSecret, fromConfigMap or fromFieldRef.`);
    }
    const fieldRef = value.valueFrom?.fieldRef === undefined ? undefined : envFieldRefProblem(value.valueFrom.fieldRef);
    if (fieldRef !== undefined) {
      throw new Error(`${prop}: '${name}' EnvValue.fromFieldRef: ${fieldRef}; e.g. EnvValue.fromFieldRef('metadata.name') or ` +
        "EnvValue.fromFieldRef(\"metadata.annotations['batch.kubernetes.io/job-completion-index']\").");
    }
    return { name, value: value.value, valueFrom: copyJson(value.valueFrom) };
  });
}

/** A CPU amount checked: positive, in whole millicores at most. */
function cpuQuantity(prop: string, cpu: Cpu): string {
  const match = /^(\d+(?:\.\d+)?)(m?)$/.exec(String(cpu?.amount));
  const millis = match === null ? NaN : Number(match[1]) * (match[2] === 'm' ? 1 : 1000);
  if (!(millis > 0)) {
    throw new Error(`${prop} (${cpu?.amount}) must be a positive amount of CPU; e.g. Cpu.units(8) or Cpu.millis(500), or leave ${prop} unset for no request.`);
  }
  if (!Number.isInteger(Math.round(millis * 1e6) / 1e6)) {
    throw new Error(`${prop} (${cpu.amount}) is finer than a millicore, which Kubernetes rounds up; write whole millicores, e.g. Cpu.millis(${Math.ceil(millis)}).`);
  }
  return cpu.amount;
}

function positiveMemory(prop: string, memory: Size): string {
  if (!(memory.toMebibytes({ rounding: SizeRoundingBehavior.NONE }) > 0)) {
    throw new Error(`${prop} (${memory.asString()}) must be positive; e.g. Size.gibibytes(64), or leave ${prop} unset for no request.`);
  }
  return memory.asString();
}

function buildResources(props: TrainingWorkloadProps): any {
  const quantities: { [key: string]: string | number } = {};
  if (props.cpu) quantities.cpu = cpuQuantity('cpu', props.cpu);
  if (props.memory) quantities.memory = positiveMemory('memory', props.memory);
  if (props.accelerator) quantities[props.accelerator.resourceName] = props.accelerator.count;
  if (props.ephemeralStorage) {
    if (!(props.ephemeralStorage.toMebibytes({ rounding: SizeRoundingBehavior.NONE }) > 0)) {
      throw new Error(`ephemeralStorage (${props.ephemeralStorage.asString()}) must be positive; e.g. Size.gibibytes(100), or leave it unset.`);
    }
    quantities['ephemeral-storage'] = props.ephemeralStorage.asString();
  }
  // requests = limits: GPUs require it, and a trainer that bursts into an OOM kill loses its work.
  return { requests: { ...quantities }, limits: { ...quantities } };
}

function sharedMemory(props: TrainingWorkloadProps): Size {
  const memoryMiB = props.memory?.toMebibytes({ rounding: SizeRoundingBehavior.NONE });
  if (props.sharedMemorySize === undefined) {
    if (memoryMiB === undefined) return Size.gibibytes(1);
    const quarterMiB = Math.max(1, Math.floor(memoryMiB / 4));
    return quarterMiB % 1024 === 0 ? Size.gibibytes(quarterMiB / 1024) : Size.mebibytes(quarterMiB);
  }
  const shmMiB = props.sharedMemorySize.toMebibytes({ rounding: SizeRoundingBehavior.NONE });
  if (!(shmMiB > 0)) {
    throw new Error(`sharedMemorySize (${props.sharedMemorySize.asString()}) must be positive.`);
  }
  if (memoryMiB !== undefined && shmMiB >= memoryMiB) {
    throw new Error(
      `sharedMemorySize (${props.sharedMemorySize.asString()}) must be below memory (${props.memory!.asString()}): ` +
      '/dev/shm counts against the memory limit (RULEBOOK P11). Lower sharedMemorySize or raise memory.',
    );
  }
  return props.sharedMemorySize;
}

/**
 * The cluster's provider: the construct's prop, else the app's or chart's default, else the
 * one the spot preset implies. A spot preset of another provider is a contradiction.
 */
function resolveProvider(scope: Construct, props: TrainingWorkloadProps, spot: SpotScheduling): CloudProvider | undefined {
  const provider = props.provider ?? CloudProvider.defaultOf(scope);
  const ofSpot = CloudProvider._ofSpot(spot);
  if (provider !== undefined && ofSpot !== undefined && ofSpot.name !== provider.name) {
    throw new Error(
      `spot (${spot.name}) is ${ofSpot.displayName} capacity, but the provider is ${provider.displayName}` +
      `${props.provider ? ' (provider prop)' : ' (CloudProvider.setDefault)'}; no node of the cluster carries its label. ` +
      `Use the ${provider.displayName} spot preset, or set provider to CloudProvider.${ofSpot.name}().`,
    );
  }
  return provider ?? ofSpot;
}

/**
 * The required node labels, checked, and for on-demand pods of a known provider the exclusion
 * of its spot nodes (EKS managed node groups, Karpenter and GKE spot pools without a taint
 * accept any pod that does not exclude them; RULEBOOK spot table), each with where it comes
 * from: the one required term of the pods' node affinity.
 */
function requiredNodeLabels(spot: SpotScheduling, provider: CloudProvider | undefined, required: NodeLabelRequirement[] = []): LabelRequirement[] {
  required.forEach((r, i) => {
    const at = `requiredNodeLabels[${i}]`;
    if (!isLabelKey(r.key)) throw new Error(`${at}.key ('${r.key}') is not a label key; e.g. 'topology.kubernetes.io/zone'.`);
    if (!NODE_OPERATORS.includes(r.operator)) {
      throw new Error(`${at}.operator ('${r.operator}') must be one of ${NODE_OPERATORS.join(', ')}.`);
    }
    const needsValues = r.operator === 'In' || r.operator === 'NotIn';
    if (needsValues !== (r.values.length > 0)) {
      throw new Error(`${at} (${r.operator}) ${needsValues ? 'needs at least one value' : 'takes no values'}; e.g. { key: '${r.key}', operator: 'In', values: ['a'] }.`);
    }
    const bad = r.values.find((v) => !isLabelValue(v));
    if (bad !== undefined) throw new Error(`${at}.values: '${bad}' is not a label value.`);
  });
  return [
    ...required.map((r, i) => ({ key: r.key, operator: r.operator, values: r.values, source: `requiredNodeLabels[${i}]` })),
    ...(spot.isSpot || provider === undefined ? [] : provider.onDemandRequirements.map((r) => ({
      key: r.key, operator: r.operator, values: r.values, source: `the ${provider.displayName} on-demand exclusion of spot nodes`,
    }))),
  ];
}

/** The pods' required node affinity: one term with `expressions`, if any. */
function nodeAffinity(expressions: LabelRequirement[]): any {
  if (expressions.length === 0) return undefined;
  const matchExpressions = expressions.map((e) => ({ key: e.key, operator: e.operator, values: e.values?.length ? [...e.values] : undefined }));
  return { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions }] } } };
}

const NODE_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

/**
 * The node selector and the required node labels (with the on-demand exclusion) must leave
 * some node that matches them all: the scheduler ANDs them, and a pod no node matches stays
 * Pending for good.
 */
function checkPlacement(
  props: TrainingWorkloadProps, spot: SpotScheduling, selector: { [key: string]: string }, expressions: LabelRequirement[],
): void {
  const requirements: LabelRequirement[] = [
    ...Object.entries(selector).map(([key, value]) => ({
      key,
      operator: 'In',
      values: [value],
      pair: true,
      source: props.nodeSelector?.[key] === value ? 'nodeSelector' : spot.nodeSelector[key] === value ? `the ${spot.name} preset` : 'the GPU model',
    })),
    ...expressions,
  ];
  const conflict = labelConflict(requirements);
  if (conflict === undefined) return;
  const yours = conflict.requirements.filter((r) => r.source.startsWith('requiredNodeLabels') || r.source === 'nodeSelector').map((r) => r.source);
  throw new Error(`${yours[0] ?? 'requiredNodeLabels'}: no node can match ${describeConflict(conflict)}, so the pods would stay Pending. ` +
    `Change or remove ${yours.length > 0 ? yours.join(' or ') : 'the requirement'}${spot.isSpot ? '' : ', or set spot to select spot capacity'}.`);
}

function spread(topologyKey: string, labels: { [key: string]: string }): any {
  if (!isLabelKey(topologyKey)) {
    throw new Error(`spreadAcross ('${topologyKey}') is not a node label key; e.g. 'topology.kubernetes.io/zone'.`);
  }
  return {
    maxSkew: 1,
    topologyKey,
    whenUnsatisfiable: 'ScheduleAnyway',
    labelSelector: { matchLabels: { 'app.kubernetes.io/name': labels['app.kubernetes.io/name'] } },
  };
}

function podAnnotations(props: TrainingWorkloadProps): { [key: string]: string } | undefined {
  const annotations = props.podAnnotations;
  if (annotations === undefined || Object.keys(annotations).length === 0) return undefined;
  for (const key of Object.keys(annotations)) {
    if (!isLabelKey(key)) throw new Error(`podAnnotations: '${key}' is not an annotation key; e.g. 'gke-gcsfuse/volumes'.`);
  }
  return sortKeys(annotations);
}

/** The user's volumes and their mounts, checked against each other and the library's. */
function trainerVolumes(props: TrainingWorkloadProps, libraryVolumes: any[], libraryMounts: any[]): { volumes: any[]; mounts: any[] } {
  const volumes: any[] = [];
  const mounts: any[] = [];
  const names = new Set(libraryVolumes.map((v) => v.name));
  const paths = new Map<string, string>(libraryMounts.map((m) => [m.mountPath, m.name]));
  (props.volumes ?? []).forEach((entry, i) => {
    const at = `volumes[${i}]`;
    if (!(entry.volume instanceof PodVolume)) {
      throw new Error(`${at}.volume is not a PodVolume; create it with PodVolume.fromPersistentVolumeClaim, fromConfigMap, fromSecret, fromEmptyDir or fromCsi.`);
    }
    const volume = entry.volume._toKube();
    if (!isDnsLabel(volume.name)) throw new Error(`${at}: the volume name '${volume.name}' must be a DNS label (lower-case letters, digits and '-', at most 63); set its name option.`);
    if (names.has(volume.name)) {
      throw new Error(`${at}: the volume name '${volume.name}' is already used${libraryVolumes.some((v) => v.name === volume.name) ? ' by the library (checkpoints, dshm, tmp)' : ''}; ` +
        'give the PodVolume another name (its name option).');
    }
    checkMountPath(`${at}.mountPath`, entry.mountPath, '/data');
    const mountDir = withoutTrailingSlash(entry.mountPath);
    const taken = paths.get(mountDir);
    if (taken !== undefined) throw new Error(`${at}.mountPath ('${entry.mountPath}') is already the mount of volume '${taken}'; mount it elsewhere.`);
    // A volume mounted inside the checkpoint directory hides that part of the checkpoint volume:
    // what the trainer saves there is on the other volume, and gone with the pod if it is an emptyDir.
    const checkpointMount = libraryMounts.find((m) => m.name === CHECKPOINT_VOLUME);
    const checkpointDir = checkpointMount && withoutTrailingSlash(checkpointMount.mountPath);
    if (checkpointDir !== undefined && mountDir !== checkpointDir && isWithinDirectory(checkpointDir, mountDir)) {
      throw new Error(`${at}.mountPath ('${entry.mountPath}') is inside the checkpoint directory ${checkpointDir}: checkpoints saved under it ` +
        `would go to volume '${volume.name}', not to the checkpoint storage. Mount it outside ${checkpointDir}, e.g. at '/data'.`);
    }
    if (entry.subPath !== undefined && !isDescendingPath(entry.subPath)) {
      throw new Error(`${at}.subPath ('${entry.subPath}') must be a relative path without '..'.`);
    }
    names.add(volume.name);
    paths.set(mountDir, volume.name);
    volumes.push(volume);
    mounts.push({ name: volume.name, mountPath: entry.mountPath, readOnly: entry.readOnly, subPath: entry.subPath });
  });
  return { volumes, mounts };
}

/** Init containers or sidecars as Kubernetes writes them, named uniquely, mounting only the pod's volumes. */
function extraContainers(scope: Construct, prop: string, list: ExtraContainerProps[] | undefined, taken: string[], volumes: any[]): any[] {
  const names = new Set(taken);
  const volumeNames = volumes.map((v) => v.name);
  return (list ?? []).map((props, i) => {
    const at = `${prop}[${i}]`;
    if (typeof props.name !== 'string' || props.name === '') throw new Error(`${at} has no name; name each container, e.g. name: 'log-shipper'.`);
    if (!isDnsLabel(props.name)) throw new Error(`${at}.name ('${props.name}') must be a DNS label: lower-case letters, digits and '-', at most 63.`);
    if (names.has(props.name)) throw new Error(`${at}: the container name '${props.name}' is already used in the pod; choose another.`);
    names.add(props.name);
    const image = requireImage(scope, `${at}.image`, props.image, 'fluent/fluent-bit:3.1');
    checkArgv(`${at}.command`, props.command);
    checkArgv(`${at}.args`, props.args);
    const quantities: { [key: string]: string } = {};
    if (props.cpu) quantities.cpu = cpuQuantity(`${at}.cpu`, props.cpu);
    if (props.memory) quantities.memory = positiveMemory(`${at}.memory`, props.memory);
    const mounts = (props.volumeMounts ?? []).map((mount, j) => {
      if (!volumeNames.includes(mount.volume)) {
        throw new Error(`${at}.volumeMounts[${j}]: '${mount.volume}' is not a volume of the pod; use one of ${volumeNames.map((n) => `'${n}'`).join(', ')} ` +
          '(add others with the volumes prop).');
      }
      checkMountPath(`${at}.volumeMounts[${j}].mountPath`, mount.mountPath, '/data');
      return { name: mount.volume, mountPath: mount.mountPath, readOnly: mount.readOnly, subPath: mount.subPath };
    });
    return {
      name: props.name,
      image,
      imagePullPolicy: props.imagePullPolicy,
      command: props.command === undefined ? undefined : [...props.command],
      args: props.args === undefined ? undefined : [...props.args],
      workingDir: props.workingDir,
      env: envList(`${at}.env`, props.env),
      ports: containerPorts(`${at}.ports`, props.ports),
      resources: Object.keys(quantities).length === 0 ? undefined : { requests: { ...quantities }, limits: { ...quantities } },
      volumeMounts: mounts,
    };
  });
}

/** An extra container's ports as the apiserver accepts them (validateContainerPorts). */
function containerPorts(prop: string, ports: ContainerPort[] | undefined): any[] {
  const names = new Set<string>();
  return (ports ?? []).map((port, i) => {
    if (!isPortNumber(port.number)) {
      throw new Error(`${prop}[${i}].number (${port.number}) must be a whole number from 1 to 65535.`);
    }
    if (port.name !== undefined) {
      const problem = portNameProblem(port.name);
      if (problem !== undefined) {
        throw new Error(`${prop}[${i}].name ('${port.name}') ${problem}: a port name is an IANA service name of at most 15 lower-case letters, ` +
          "digits and '-', e.g. 'metrics'.");
      }
      if (names.has(port.name)) throw new Error(`${prop}[${i}].name ('${port.name}') is already the name of another port of the container; give each its own.`);
      names.add(port.name);
    }
    return { containerPort: port.number, name: port.name };
  });
}

function nodeSelector(props: TrainingWorkloadProps, spot: SpotScheduling, provider: CloudProvider | undefined): { [key: string]: string } {
  const selector: { [key: string]: string } = { ...spot.nodeSelector };
  const accelerator = props.accelerator;
  if (accelerator?.product !== undefined && !isLabelValue(accelerator.product)) {
    throw new Error(`accelerator product ('${accelerator.product}') is not a valid label value (at most 63 letters, digits, '-', '_' or '.', ` +
      "starting and ending with a letter or digit), so no node can match it; use the node label's value, e.g. 'nvidia-tesla-a100'.");
  }
  if (accelerator?.product !== undefined) {
    // The GPU model label is the cluster's, whatever capacity the pod runs on.
    const label = accelerator.productLabel ?? provider?.gpuProductLabel ?? GpuNodeLabels.NVIDIA_GPU_PRODUCT;
    if (accelerator.productLabel === undefined) checkProductForm(accelerator.product, label, provider);
    selector[label] = accelerator.product;
  }
  for (const [key, value] of Object.entries(props.nodeSelector ?? {})) {
    const spotLabel = spot.isSpot ? undefined : provider?.onDemandRequirements.find((r) => r.key === key && r.values.includes(value));
    if (spotLabel !== undefined) {
      throw new Error(
        `nodeSelector: '${key}=${value}' selects ${provider!.displayName} spot capacity, but the pods are on-demand (spot is not set); ` +
        'no node can match both. Set spot to the spot preset instead, e.g. SpotScheduling.gke().',
      );
    }
    if (selector[key] !== undefined && selector[key] !== value) {
      throw new Error(
        `nodeSelector: '${key}=${value}' contradicts '${key}=${selector[key]}' from the ${spot.name} preset or the GPU model; ` +
        'no node can match both. Remove it from nodeSelector.',
      );
    }
    selector[key] = value;
  }
  return sortKeys(selector);
}

/**
 * A GPU model in the form of the label it is matched against. NVIDIA GPU feature discovery
 * writes `nvidia.com/gpu.product` from the device name NVML reports, spaces made dashes and
 * case kept (`NVIDIA-A100-SXM4-80GB`, `Tesla-T4`): never all lower case. GKE's
 * `cloud.google.com/gke-accelerator` values are Compute Engine accelerator types
 * (`nvidia-tesla-a100`, `nvidia-l4`): always lower case. A value in the other form matches no
 * node, and the pods stay Pending.
 */
function checkProductForm(product: string, label: string, provider: CloudProvider | undefined): void {
  const where = provider ? `on ${provider.displayName}` : 'without a provider (CloudProvider.setDefault or the provider prop)';
  const problem = gpuModelFormProblem(label, product);
  if (problem === 'lower') {
    throw new Error(
      `accelerator product ('${product}') is all lower case, the form of GKE's accelerator names, but ${where} the model is matched ` +
      `against ${label}, which NVIDIA GPU feature discovery writes from the device name: 'NVIDIA-A100-SXM4-80GB', 'NVIDIA-L4', 'Tesla-T4'. ` +
      `No node carries '${product}' there, so the pods would stay Pending. Use that form (kubectl get nodes -L ${label}), ` +
      `${provider ? '' : 'set CloudProvider.gke() if this is GKE, '}or set productLabel to the label your nodes carry it in (e.g. GpuNodeLabels.EKS_ACCELERATOR).`,
    );
  }
  if (problem === 'upper') {
    throw new Error(
      `accelerator product ('${product}') has upper case, but on GKE the model is matched against ${label}, whose values are ` +
      'Compute Engine accelerator types in lower case: \'nvidia-tesla-a100\', \'nvidia-a100-80gb\', \'nvidia-l4\', \'nvidia-h100-80gb\'. ' +
      'No node carries it, so the pods would stay Pending. Use the accelerator type, or set productLabel: GpuNodeLabels.NVIDIA_GPU_PRODUCT ' +
      'if your GKE nodes run NVIDIA GPU feature discovery.',
    );
  }
}

function tolerations(props: TrainingWorkloadProps, spot: SpotScheduling): any[] {
  const result = spot.taints.map((taint) => ({
    key: taint.key,
    operator: taint.value === undefined ? 'Exists' : 'Equal',
    value: taint.value,
    effect: taint.effect ?? 'NoSchedule',
  }));
  if (props.accelerator) {
    // GPU node pools carry a `<resource>:NoSchedule` taint (GKE, AKS, the NVIDIA operator's convention).
    result.push({ key: props.accelerator.resourceName, operator: 'Exists', value: undefined, effect: 'NoSchedule' });
  }
  return result;
}

function commonLabels(props: TrainingWorkloadProps, options: TrainerPodOptions): { [key: string]: string } {
  const labels: { [key: string]: string } = {
    'app': options.workloadName,
    'experiment': checkedLabelValue('experiment', props.experiment ?? options.workloadName),
    'app.kubernetes.io/name': options.workloadName,
    'app.kubernetes.io/component': options.component,
    'app.kubernetes.io/managed-by': MANAGED_BY,
  };
  if (props.version !== undefined) {
    labels.version = checkedLabelValue('version', props.version);
    labels['app.kubernetes.io/version'] = props.version;
  }
  for (const [key, value] of Object.entries(props.labels ?? {})) {
    if (!isLabelKey(key)) {
      throw new Error(`labels: key '${key}' is not a valid label key: an optional DNS subdomain prefix and '/', then at most 63 alphanumerics, '-', '_' or '.'.`);
    }
    const owner = RESERVED_LABELS[key];
    if (owner !== undefined) throw new Error(`labels: '${key}' ${owner}; remove it from labels.`);
    checkedLabelValue(`labels['${key}']`, value);
    labels[key] = value;
  }
  return labels;
}

/** Labels `labels` cannot set (they also go on the pods), and who sets them instead. */
const RESERVED_LABELS: { [key: string]: string } = {
  [KUEUE_QUEUE_LABEL]: 'is set by the queue prop, on the workload only (Kueue reads it there; on the pods it is not where Kueue looks, RULEBOOK K8)',
  [KUEUE_PRIORITY_LABEL]: 'is set by the workloadPriorityClass prop, on the workload only',
  ...Object.fromEntries(JOB_CONTROLLER_LABELS.map((key) => [key, 'belongs to the Job controller, which sets it on every pod'])),
};

function checkedLabelValue(prop: string, value: string): string {
  if (!isLabelValue(value)) {
    throw new Error(
      `${prop} ('${value}') is not a valid label value: at most 63 characters, alphanumerics, '-', '_' and '.', ` +
      'starting and ending with an alphanumeric.',
    );
  }
  return value;
}

function sortKeys(record: { [key: string]: string }): { [key: string]: string } {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** A referenced object's name (service account, pull secret), checked as the apiserver will. */
function objectName(prop: string, name: string | undefined): string | undefined {
  if (name !== undefined && !isDnsSubdomain(name)) {
    throw new Error(`${prop} ('${name}') must be the name of an object in the namespace: lower-case letters, digits, '-' and '.'.`);
  }
  return name;
}

/** A mount path must be absolute: a relative one is refused by the apiserver. */
function checkMountPath(prop: string, mountPath: string, example: string): void {
  if (!mountPath.startsWith('/')) throw new Error(`${prop} ('${mountPath}') must be an absolute path, e.g. '${example}'.`);
}
