/**
 * The one pod template of the library, assembled from its parts: placement, containers,
 * volumes and the checkpoint, labels, security. A construct or an engine says who the pod is
 * (`PodIdentity`) and adds what its runtime needs as a typed `PodContribution`; every check
 * of the shared props happens here, in one order, so the same mistake always gets the same
 * message.
 */
import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { checkArgv, extraContainers, objectName, requireImage } from './containers';
import { ReservedEnv, userEnv } from './env';
import { podAnnotations, podLabels, workloadLabels } from './labels';
import { checkSaveTime, podPlacement, resolveProvider, spreadAcross, terminationGrace } from './placement';
import { sharedMemorySize, trainerResources } from './resources';
import { podSecurity } from './security';
import { checkCheckpointArguments, checkpointMount, scratchVolumes, userVolumes } from './volumes';
import * as k8s from '../../k8s/api';
import { compact } from '../../k8s/json';
import { isDnsSubdomain } from '../../k8s/syntax';
import { ENV_CONFIG_ERROR_EXIT_CODE, ENV_PREEMPTION_EXIT_CODE } from '../../knowledge/contract';
import { CloudProvider } from '../cloud-provider';
import { invalid } from '../errors';
import { KubernetesVersion } from '../kubernetes-version';
import { resolvePreemptionContract, ResolvedPreemptionContract } from '../preemption-policy';
import { SpotScheduling } from '../spot-scheduling';
import { TrainingWorkloadProps } from '../training-workload-props';

/** Who the pod is: what the construct or engine decided before building it. */
export interface PodIdentity {
  /** The workload's object name (already checked by the construct). */
  readonly workloadName: string;
  /** Name of the trainer container (`trainer`, `pytorch` for the Training Operator, `node` for JobSets). */
  readonly containerName: string;
  /** `app.kubernetes.io/component` of the workload. */
  readonly component: string;
  /** Pod restartPolicy. */
  readonly restartPolicy: string;
  /** How many pods can mount the checkpoint volume at once (parallelism, replicas). */
  readonly concurrentPods: number;
}

/** What a construct's or an engine's runtime adds to the trainer pod. */
export interface PodContribution {
  /** Env after the library's own and before the user's. */
  readonly env?: k8s.EnvVar[];
  /** Replaces the trainer's command (a wrapper that execs the user's, the torch launcher). */
  readonly command?: string[];
  /** Volumes of the pod beside the library's and the user's. */
  readonly volumes?: k8s.Volume[];
  /** Mounts of the trainer container beside the library's and the user's. */
  readonly mounts?: k8s.VolumeMount[];
  /** Init containers before the user's (they get the trainer's container security context). */
  readonly initContainers?: k8s.Container[];
  /** Ports of the trainer container. */
  readonly ports?: k8s.ContainerPort[];
  /** Mount the checkpoint volume at this `subPathExpr` (one folder per run or trial), under `checkpoint.subPath`. */
  readonly checkpointSubPathExpr?: string;
  /** Env names the runtime sets, which the user's env must not override. */
  readonly reservedEnv?: ReservedEnv;
}

/** Everything the shared props resolve to, read by the constructs for their own fields. */
export interface TrainerPod {
  readonly template: k8s.PodTemplateSpec;
  /** Labels of the pods and of objects Kueue does not admit (CronJob, TrainingRuntime). */
  readonly labels: k8s.Labels;
  /** `labels` plus the Kueue labels, for the object Kueue admits. */
  readonly workloadLabels: k8s.Labels;
  readonly spot: SpotScheduling;
  readonly terminationGracePeriod: Duration;
  readonly contract: ResolvedPreemptionContract;
  readonly checkpointMountPath?: string;
  readonly checkpointClaimName?: string;
  readonly kubernetesVersion: KubernetesVersion;
  /** The cluster's provider as resolved for these pods (prop, app default, or spot preset). */
  readonly provider?: CloudProvider;
}

/** Turns `TrainingWorkloadProps` into a pod template with the enforced defaults, throwing on single-prop mistakes. */
export function buildTrainerPod(
  scope: Construct, props: TrainingWorkloadProps, identity: PodIdentity, contribution: PodContribution = {},
): TrainerPod {
  if (props.capacity !== undefined && props.spot !== undefined && props.capacity !== props.spot) {
    throw invalid('capacity', `capacity (${props.capacity.name}) and spot (${props.spot.name}) are both set; they are one prop under two names: ` +
      'keep capacity and remove spot.');
  }
  const spot = props.capacity ?? props.spot ?? SpotScheduling.onDemand();
  const provider = resolveProvider(scope, props, spot);
  const kubernetesVersion = props.kubernetesVersion ?? KubernetesVersion.targetOf(scope);
  const contract = resolvePreemptionContract(props.preemption);
  checkArgv('command', props.command);
  checkArgv('args', props.args);
  const terminationGracePeriod = terminationGrace(props, spot);
  checkSaveTime(scope, props.checkpoint, spot, terminationGracePeriod);

  const checkpoint = checkpointMount(scope, props, identity.concurrentPods, contribution.checkpointSubPathExpr);
  const volumes: k8s.Volume[] = checkpoint ? [checkpoint.volume] : [];
  const mounts: k8s.VolumeMount[] = checkpoint ? [checkpoint.mount] : [];
  const env: k8s.EnvVar[] = [...(checkpoint?.env ?? [])];
  env.push({ name: ENV_PREEMPTION_EXIT_CODE, value: String(contract.exitCode) });
  if (contract.nonRetriableExitCodes.length > 0) {
    env.push({ name: ENV_CONFIG_ERROR_EXIT_CODE, value: String(contract.nonRetriableExitCodes[0]) });
  }
  env.push(...(contribution.env ?? []));
  env.push(...userEnv(props.env, env, contribution.reservedEnv));

  const resources = trainerResources(props);
  const scratch = scratchVolumes(sharedMemorySize(props).asString());
  volumes.push(...scratch.volumes, ...(contribution.volumes ?? []));
  mounts.push(...scratch.mounts, ...(contribution.mounts ?? []));
  const user = userVolumes(props, volumes, mounts);
  volumes.push(...user.volumes);
  mounts.push(...user.mounts);
  checkCheckpointArguments(props, env, volumes, mounts, checkpoint?.mountPath);

  const security = podSecurity(props);
  if (props.priorityClassName !== undefined && !isDnsSubdomain(props.priorityClassName)) {
    throw invalid('priorityClassName', `priorityClassName ('${props.priorityClassName}') must be a DNS subdomain: lower-case letters, digits, '-' and '.'.`);
  }
  const container: k8s.Container = {
    name: identity.containerName,
    image: requireImage(scope, 'image', props.image, 'registry.example.com/trainer:v1'),
    imagePullPolicy: props.imagePullPolicy,
    command: contribution.command ?? props.command,
    args: props.args,
    workingDir: props.workingDir,
    env,
    resources,
    volumeMounts: mounts,
    securityContext: security.container,
  };
  // After the security context, where the Training Operator engine has always written it.
  if (contribution.ports !== undefined) container.ports = contribution.ports;

  const labels = podLabels(props, identity.workloadName, identity.component);
  const workload = workloadLabels(props, labels);

  const runtimeInits = contribution.initContainers ?? [];
  const initContainers = [
    ...runtimeInits,
    ...extraContainers(scope, 'initContainers', props.initContainers, [identity.containerName, ...runtimeInits.map((c) => c.name)], volumes),
  ];
  const sidecars = extraContainers(scope, 'sidecars', props.sidecars, [identity.containerName, ...initContainers.map((c) => c.name)], volumes);
  if (sidecars.length > 0 && kubernetesVersion.minor < 29) {
    throw invalid('sidecars', `sidecars need native sidecar containers, on by default from Kubernetes 1.29; the target is ${kubernetesVersion}. ` +
      'Set KubernetesVersion.setTarget(app, KubernetesVersion.V1_29) or later before adding charts, or pass kubernetesVersion.');
  }
  const placement = podPlacement(props, spot, provider);
  const template: k8s.PodTemplateSpec = {
    metadata: { labels, annotations: podAnnotations(props) },
    spec: {
      restartPolicy: identity.restartPolicy,
      terminationGracePeriodSeconds: terminationGracePeriod.toSeconds(),
      initContainers: [
        ...initContainers.map((init) => ({ ...init, securityContext: security.container })),
        // Native sidecars: restartable init containers that run for the pod's life.
        ...sidecars.map((sidecar) => ({ ...sidecar, restartPolicy: 'Always', securityContext: security.container })),
      ],
      containers: [container],
      volumes,
      nodeSelector: placement.nodeSelector,
      affinity: placement.affinity,
      topologySpreadConstraints: props.spreadAcross === undefined ? undefined : [spreadAcross(props.spreadAcross, labels)],
      tolerations: placement.tolerations,
      priorityClassName: props.priorityClassName,
      serviceAccountName: objectName('serviceAccountName', props.serviceAccountName),
      imagePullSecrets: props.imagePullSecrets?.map((secret, i) => ({ name: objectName(`imagePullSecrets[${i}]`, secret)! })),
      securityContext: security.pod,
    },
  };

  return {
    template: compact(template),
    labels,
    workloadLabels: workload,
    spot,
    terminationGracePeriod,
    contract,
    checkpointMountPath: checkpoint?.mountPath,
    checkpointClaimName: checkpoint?.claimName,
    kubernetesVersion,
    provider,
  };
}
