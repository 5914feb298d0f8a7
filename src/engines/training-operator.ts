/**
 * Kubeflow Training Operator v1 (v1.9): a kubeflow.org/v1 PyTorchJob with a Master and
 * Workers, or Workers only when elastic.
 */
import { GroupVersionKind } from 'cdk8s';
import { Construct } from 'constructs';
import { CleanPodPolicy, DistributedPyTorchJobProps, RendezvousBackend, ReplicaRestartPolicy } from './distributed-pytorch-job-props';
import { EngineObjects, EngineRun, EngineStrategy, PodBuilder, TORCH_ENV, workloadObject } from './engine';
import { advise } from '../blocks/advice';
import { invalid } from '../blocks/errors';
import { addLabels } from '../blocks/pod/labels';
import { TrainerPod } from '../blocks/pod/trainer-pod';
import { nonNegativeInteger } from '../blocks/validation';
import type { PyTorchJobSpec, PyTorchJobSpecElasticPolicy, PyTorchJobSpecRunPolicy } from '../imports/kubeflow.org';
import * as k8s from '../k8s/api';
import { compact, copyJson } from '../k8s/json';
import { templateAt, WorkloadKind } from '../k8s/workloads';

const CONTAINER_NAME = 'pytorch';
const PORT_NAME = 'pytorchjob-port';
const DEFAULT_PORT = 23456;

/** The custom resource this engine writes (its typed classes in src/imports are used for types only). */
export const PYTORCH_JOB_GVK: GroupVersionKind = { apiVersion: 'kubeflow.org/v1', kind: 'PyTorchJob' };

/** A PyTorchJob's pod templates: one per replica spec, all its pods running at once. */
const PYTORCH_JOB: WorkloadKind = {
  group: 'kubeflow.org',
  kind: 'PyTorchJob',
  training: true,
  podTemplates(object) {
    const specs = object.spec?.pytorchReplicaSpecs ?? {};
    const total = Object.values<any>(specs).reduce((sum: number, spec: any) => sum + (spec?.replicas ?? 1), 0);
    return Object.entries<any>(specs)
      .filter(([, spec]) => spec?.template)
      .map(([role, spec]) => templateAt(['spec', 'pytorchReplicaSpecs', role, 'template'], spec.template, total));
  },
};


export const trainingOperatorEngine: EngineStrategy = {
  id: 'training-operator',
  displayName: 'the Kubeflow Training Operator (PyTorchJob)',
  kinds: [PYTORCH_JOB],
  crds: [{ module: 'github.com/kubeflow/training-operator', files: [{ path: 'manifests/base/crds/kubeflow.org_pytorchjobs.yaml', types: '' }] }],

  unsupported: () => [],

  validate(props) {
    elasticPolicy(props);
  },

  masterOnCommandLine: ({ isElastic }) => !isElastic,

  // Under ExitCode the operator counts nothing (its requeue counter is a stub returning 0);
  // OnFailure restarts are counted by runPolicy.backoffLimit, Never has no retries.
  launcherCountsCrashes: (restartPolicy) => restartPolicy === ReplicaRestartPolicy.EXIT_CODE,

  build(scope: Construct, run: EngineRun, buildPod: PodBuilder): EngineObjects {
    const { props, nodes, isElastic } = run;
    const maxPods = isElastic ? props.elastic!.maxNodes : nodes;
    const lastPod = isElastic ? `worker-${maxPods - 1}` : nodes > 1 ? `worker-${nodes - 2}` : 'master-0';
    // A plain ApiObject with the imported GVK and spec types: the generated class converts
    // its whole spec on toJson, which would mangle the pod templates added below.
    const workload = workloadObject(scope, PYTORCH_JOB_GVK, props.name, lastPod);
    const name = workload.name;
    const spec: PyTorchJobSpec = {
      pytorchReplicaSpecs: {},
      nprocPerNode: String(run.processesPerNode),
      elasticPolicy: elasticPolicy(props),
      runPolicy: runPolicy(run, maxPods),
    };

    const identity = {
      workloadName: name,
      containerName: CONTAINER_NAME,
      component: 'distributed-training',
      restartPolicy: run.restartPolicy === ReplicaRestartPolicy.ON_FAILURE ? 'OnFailure' : 'Never',
      concurrentPods: maxPods,
    };
    const contribution = {
      command: run.command(name),
      reservedEnv: TORCH_ENV,
      // The port the operator's Service targets (training-operator v1.9.4 pytorch: the default port).
      ports: [{ name: PORT_NAME, containerPort: DEFAULT_PORT, protocol: 'TCP' }],
      // No PET_NPROC_PER_NODE here: the operator sets it from spec.nprocPerNode on every replica
      // (training-operator v1.9.4 pytorch/envvar.go setPodEnv), elastic or not.
    };
    const workers = buildPod(props, identity, contribution);
    if (run.restartPolicy === ReplicaRestartPolicy.EXIT_CODE) checkExitCodeContract(workers);
    addLabels(workload, workers.workloadLabels);

    const replicas: { [role: string]: Replica } = {};
    if (isElastic) {
      replicas.Worker = replica(nodes, workers, run.restartPolicy);
    } else {
      // The on-demand Master keeps the Workers' grace period, so all ranks agree on the save window.
      // The on-demand Master runs on the Workers' provider: kept off its spot nodes, and
      // selecting the GPU model with the same label.
      const masterProps = {
        ...props,
        capacity: undefined,
        spot: workers.spot._onDemandBeside(),
        provider: workers.provider,
        terminationGracePeriod: workers.terminationGracePeriod,
      };
      const master = props.onDemandMaster ? buildPod(masterProps, identity, contribution) : workers;
      replicas.Master = replica(1, master, run.restartPolicy);
      if (nodes > 1) replicas.Worker = replica(nodes - 1, workers, run.restartPolicy);
    }
    workload._setSpec({ ...compact({ ...spec, pytorchReplicaSpecs: undefined }), pytorchReplicaSpecs: replicas });
    warn(scope, run, name, workers);
    return { workload, pod: workers };
  },
};

/** A replica spec of a PyTorchJob, in the wire format. */
interface Replica {
  readonly replicas: number;
  readonly restartPolicy: ReplicaRestartPolicy;
  readonly template: k8s.PodTemplateSpec;
}

function replica(count: number, pod: TrainerPod, restartPolicy: ReplicaRestartPolicy): Replica {
  return { replicas: count, restartPolicy, template: copyJson(pod.template) };
}

function elasticPolicy(props: DistributedPyTorchJobProps): PyTorchJobSpecElasticPolicy | undefined {
  const elastic = props.elastic;
  if (!elastic) return undefined;
  for (const [prop, value] of [['elastic.minNodes', elastic.minNodes], ['elastic.maxNodes', elastic.maxNodes]] as const) {
    if (!Number.isInteger(value) || value < 1) throw invalid(prop, `${prop} (${value}) must be a whole number of at least 1.`);
  }
  if (elastic.minNodes > elastic.maxNodes) {
    throw invalid('elastic.minNodes', `elastic.minNodes (${elastic.minNodes}) must not exceed elastic.maxNodes (${elastic.maxNodes}).`);
  }
  if (props.nodes < elastic.minNodes || props.nodes > elastic.maxNodes) {
    throw invalid('nodes', `nodes (${props.nodes}) must lie within elastic.minNodes (${elastic.minNodes}) and elastic.maxNodes (${elastic.maxNodes}).`);
  }
  const backend = elastic.rendezvousBackend ?? RendezvousBackend.C10D;
  let host: string | undefined;
  let port: number | undefined;
  if (elastic.rendezvousEndpoint !== undefined) {
    const match = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?):(\d{1,5})$/.exec(elastic.rendezvousEndpoint);
    if (!match || Number(match[3]) > 65535) {
      throw invalid('elastic.rendezvousEndpoint', `elastic.rendezvousEndpoint ('${elastic.rendezvousEndpoint}') must be host:port, e.g. 'etcd-client.training:2379'.`);
    }
    host = match[1];
    port = Number(match[3]);
  } else if (backend !== RendezvousBackend.C10D) {
    throw invalid('elastic.rendezvousEndpoint', `elastic.rendezvousBackend ${backend} needs elastic.rendezvousEndpoint (host:port of the etcd service).`);
  }
  const maxRestarts = nonNegativeInteger('elastic.maxRestarts', elastic.maxRestarts ?? 100, 'worker group restarts before failing');
  const metrics = (elastic.metrics ?? []).map((metric, i) => {
    if (metric.resource !== 'cpu' && metric.resource !== 'memory') {
      throw invalid('elastic.metrics.resource', `elastic.metrics[${i}].resource ('${metric.resource}') must be 'cpu' or 'memory' (the resources the autoscaler measures).`);
    }
    if (!Number.isInteger(metric.averageUtilization) || metric.averageUtilization < 1 || metric.averageUtilization > 100) {
      throw invalid('elastic.metrics.averageUtilization', `elastic.metrics[${i}].averageUtilization (${metric.averageUtilization}) must be a whole percentage from 1 to 100, e.g. 80.`);
    }
    if (metric.resource === 'cpu' && props.cpu === undefined) {
      throw invalid('elastic.metrics.resource', `elastic.metrics[${i}] scales on cpu utilization, which is measured against the cpu request; set cpu, e.g. Cpu.units(8).`);
    }
    if (metric.resource === 'memory' && props.memory === undefined) {
      throw invalid('elastic.metrics.resource', `elastic.metrics[${i}] scales on memory utilization, which is measured against the memory request; set memory.`);
    }
    return { type: 'Resource', resource: { name: metric.resource, target: { type: 'Utilization', averageUtilization: metric.averageUtilization } } };
  });
  return {
    rdzvBackend: backend,
    rdzvHost: host,
    rdzvPort: port,
    minReplicas: elastic.minNodes,
    maxReplicas: elastic.maxNodes,
    maxRestarts,
    metrics: metrics.length > 0 ? metrics as any : undefined,
  };
}

function runPolicy(run: EngineRun, maxPods: number): PyTorchJobSpecRunPolicy {
  const { props } = run;
  const gang = props.gangScheduling;
  if (gang?.minAvailable !== undefined && (!Number.isInteger(gang.minAvailable) || gang.minAvailable < 1 || gang.minAvailable > maxPods)) {
    throw invalid('gangScheduling.minAvailable', `gangScheduling.minAvailable (${gang.minAvailable}) must be a whole number from 1 to the ${maxPods} pods of the job.`);
  }
  return {
    cleanPodPolicy: run.cleanPodPolicy as CleanPodPolicy,
    ttlSecondsAfterFinished: run.ttlSeconds,
    activeDeadlineSeconds: run.activeDeadlineSeconds,
    backoffLimit: run.backoffLimit,
    suspend: props.suspend,
    schedulingPolicy: gang === undefined ? undefined : {
      minAvailable: gang.minAvailable ?? (props.elastic?.minNodes ?? run.nodes),
      queue: gang.queue,
      priorityClass: gang.priorityClass,
    },
  };
}

/** Under the ExitCode policy 128+ is retried and 1-127 is permanent: the contract must agree. */
function checkExitCodeContract(pod: TrainerPod): void {
  if (pod.contract.exitCode < 128) {
    throw invalid('preemption.exitCode',
      `preemption.exitCode (${pod.contract.exitCode}) is below 128: the ExitCode restart policy treats it as a permanent failure, ` +
      'so a preempted replica would fail the job. Use 143, or restartPolicy ON_FAILURE.',
    );
  }
  const retried = pod.contract.nonRetriableExitCodes.filter((code) => code >= 128);
  if (retried.length > 0) {
    throw invalid('preemption.nonRetriableExitCodes',
      `preemption.nonRetriableExitCodes (${retried.join(', ')}) are 128 or more, which the ExitCode restart policy retries; ` +
      'use codes from 1 to 127 for configuration errors.',
    );
  }
}

/** What the operator and Kueue do that the PyTorchJob cannot say. */
function warn(scope: Construct, run: EngineRun, name: string, workers: TrainerPod): void {
  const { props, isElastic, nodes } = run;
  if (workers.spot.isSpot) {
    if (isElastic && (props.elastic!.rendezvousBackend ?? RendezvousBackend.C10D) === RendezvousBackend.C10D) {
      advise(scope, 'rendezvous-on-spot', `the c10d rendezvous host ${name}-worker-0 runs on ${workers.spot.name} capacity: if it is reclaimed, ` +
        'rendezvous stalls until it returns.');
    } else if (!isElastic && !props.onDemandMaster) {
      advise(scope, 'master-on-spot', `the Master runs on ${workers.spot.name} capacity: if it is reclaimed every rank restarts.`);
    }
  }
  if (!isElastic && nodes > 1) {
    advise(scope, 'init-pytorch-pod-security', "the Training Operator adds an 'init-pytorch' container without a securityContext to every Worker pod: " +
      "a namespace enforcing Pod Security 'restricted' refuses them unless the operator runs with " +
      '--pytorch-init-container-template-file pointing at DistributedPyTorchJob.RESTRICTED_INIT_CONTAINER_TEMPLATE (see the README). ' +
      'Elastic jobs (Workers only) and the JobSet engines get no such container.');
  }
  if (props.queue !== undefined) {
    advise(scope, 'kueue-pytorchjob', `queue '${props.queue}': Kueue ignores the queue label of a PyTorchJob unless its configuration lists the ` +
      "deprecated 'kubeflow.org/pytorchjob' integration, off by default in Kueue v0.19 and removed in v0.20; without it the job starts at once, outside the queue.");
  }
}
