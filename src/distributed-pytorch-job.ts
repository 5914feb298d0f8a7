import { ApiObject, Duration, JsonPatch, Names } from 'cdk8s';
import { Construct } from 'constructs';
import type { PyTorchJobSpec, PyTorchJobSpecElasticPolicy, PyTorchJobSpecRunPolicy } from './imports/kubeflow.org';
import type { TrainingRuntimeSpec } from './imports/trainingruntime-trainer.kubeflow.org';
import type { TrainJobSpec } from './imports/trainjob-trainer.kubeflow.org';
import { JOBSET_GVK, PYTORCH_JOB_GVK, TRAIN_JOB_GVK, TRAINING_RUNTIME_GVK } from './trainer/custom-resources';
import { NODE_JOB, trainingJobSetSpec } from './trainer/jobset-spec';
import { resolvePreemptionContract } from './trainer/preemption-policy';
import { RenderedApiObject } from './trainer/rendered-api-object';
import { SpotScheduling } from './trainer/spot-scheduling';
import { torchLauncherScript } from './trainer/torch-launcher';
import { addLabels, checkWorkloadName, compact, nonNegativeInteger, nonNegativeSeconds, positiveSeconds, TrainerPod } from './trainer/trainer-pod';
import { TrainingEngine } from './trainer/training-engine';
import { TrainingWorkloadProps } from './trainer/training-workload-props';
import { TrainingWorkload } from './training-workload';
import { Warnings } from './warnings';

const CONTAINER_NAME = 'pytorch';
const PORT_NAME = 'pytorchjob-port';
const DEFAULT_PORT = 23456;
const DEFAULT_ACTIVE_DEADLINE = Duration.hours(8);
const DEFAULT_TTL_AFTER_FINISHED = Duration.hours(24);
const DEFAULT_BACKOFF_LIMIT = 3;
const DEFAULT_PYTHON = 'python3';
/** How long a failed launcher waits for the other pods of its job to record theirs. */
const LAUNCHER_SETTLE_SECONDS = 20;
/** A failure this soon after another pod's preemption or failure is its consequence (not counted). */
const LAUNCHER_FOLLOW_ON_SECONDS = 300;
const JOBSET_MASTER_PORT = 29500;
const ENGINE_TRAINING_OPERATOR = 'training-operator';
const ENGINE_TRAINER_V2 = 'trainer-v2';

/**
 * How the Training Operator restarts a replica's pods (the replica `restartPolicy`).
 */
export enum ReplicaRestartPolicy {
  /**
   * Exit codes 1-127 are permanent failures, 128 and up (signals, and the contract's 143
   * after an emergency checkpoint) are retried.
   */
  EXIT_CODE = 'ExitCode',
  /** Restart the container in place on any failure (counted by backoffLimit). */
  ON_FAILURE = 'OnFailure',
  /** Never restart: any failure fails the replica. */
  NEVER = 'Never',
}

/**
 * Which pods the Training Operator deletes when the job ends (`runPolicy.cleanPodPolicy`).
 */
export enum CleanPodPolicy {
  /** Delete pods still running, which frees their GPUs. */
  RUNNING = 'Running',
  /** Delete all pods. */
  ALL = 'All',
  /** Keep every pod (they keep their GPUs until deleted). */
  NONE = 'None',
}

/**
 * Rendezvous backends of torchrun for elastic training.
 */
export enum RendezvousBackend {
  /** c10d: hosted by the first worker (`<name>-worker-0`), no extra service. */
  C10D = 'c10d',
  /** etcd v3 at `rendezvousEndpoint`. */
  ETCD = 'etcd',
  /** etcd v2 API at `rendezvousEndpoint`. */
  ETCD_V2 = 'etcd-v2',
}

/**
 * Elastic training: the number of nodes may change between `minNodes` and `maxNodes`
 * (torchrun re-forms the group after a node is lost).
 */
export interface ElasticOptions {
  /** The fewest nodes training continues with. */
  readonly minNodes: number;
  /** The most nodes training uses. */
  readonly maxNodes: number;
  /**
   * Rendezvous backend.
   * @default RendezvousBackend.C10D
   */
  readonly rendezvousBackend?: RendezvousBackend;
  /**
   * `host:port` of the rendezvous service; required for etcd.
   * @default - `<name>-worker-0` with c10d
   */
  readonly rendezvousEndpoint?: string;
  /**
   * Times torchrun re-forms the worker group before failing.
   * @default 100
   */
  readonly maxRestarts?: number;
}

/**
 * Gang scheduling for the job (`runPolicy.schedulingPolicy`).
 */
export interface GangScheduling {
  /**
   * Pods that must be schedulable together before any starts.
   * @default - all pods (or minNodes when elastic)
   */
  readonly minAvailable?: number;
  /**
   * Queue of the gang scheduler (Volcano).
   * @default - none
   */
  readonly queue?: string;
  /**
   * PriorityClass of the gang.
   * @default - none
   */
  readonly priorityClass?: string;
}

/**
 * Props for `DistributedPyTorchJob`.
 */
export interface DistributedPyTorchJobProps extends TrainingWorkloadProps {
  /**
   * The training script and its arguments, launched by torchrun with the variables the
   * operator injects (no --nnodes / --nproc_per_node / --master_port of its own). Exactly
   * one of `script` and `command` is required.
   * @default - `command`
   */
  readonly script?: string[];

  /**
   * The image's Python interpreter. It runs the library's launcher: torch's own launcher
   * (`torch.distributed.run`, what `torchrun` runs) in-process, with container exit codes the
   * controllers act on (the preemption code after SIGTERM, a worker's configuration-error
   * code, a crash budget on the Training Operator). Used with `script` only.
   * @default 'python3'
   */
  readonly python?: string;

  /** Total pods: Master 1 + Workers (nodes - 1), or Workers only when elastic. */
  readonly nodes: number;

  /**
   * Processes per pod (`spec.nprocPerNode`).
   * @default - the GPUs per pod, or 1
   */
  readonly processesPerNode?: number;

  /**
   * Elastic training between a minimum and a maximum number of nodes.
   * @default - a fixed number of nodes with a Master
   */
  readonly elastic?: ElasticOptions;

  /**
   * Replica restart policy (`Always` is never used: it would restart finished replicas).
   * @default ReplicaRestartPolicy.EXIT_CODE
   */
  readonly restartPolicy?: ReplicaRestartPolicy;

  /**
   * Pods deleted when the job ends.
   * @default CleanPodPolicy.RUNNING
   */
  readonly cleanPodPolicy?: CleanPodPolicy;

  /**
   * Crashes tolerated (`runPolicy.backoffLimit`; the JobSet `failurePolicy.maxRestarts` on the
   * JobSet engines). Under the ExitCode policy the Training Operator does not count (its
   * requeue counter always returns 0), so the library's launcher keeps this budget on the
   * checkpoint volume; preemptions and the failures they cause on other ranks do not count.
   * @default 3
   */
  readonly backoffLimit?: number;

  /**
   * Bound on the whole run (`runPolicy.activeDeadlineSeconds`).
   * @default Duration.hours(8)
   */
  readonly activeDeadline?: Duration;

  /**
   * How long the finished job is kept (`runPolicy.ttlSecondsAfterFinished`).
   * @default Duration.hours(24)
   */
  readonly ttlAfterFinished?: Duration;

  /**
   * Gang scheduling (Volcano / scheduler-plugins).
   * @default - no gang scheduling policy
   */
  readonly gangScheduling?: GangScheduling;

  /**
   * Runs the Master on on-demand capacity while Workers use `spot`: losing the Master
   * restarts every rank.
   * @default false
   */
  readonly onDemandMaster?: boolean;

  /**
   * Creates the job suspended.
   * @default false
   */
  readonly suspend?: boolean;

  /**
   * The system that runs the job.
   * @default TrainingEngine.trainingOperator()
   */
  readonly engine?: TrainingEngine;
}

/**
 * A kubeflow.org/v1 PyTorchJob for the Kubeflow Training Operator (v1.9).
 *
 * Enforced defaults: Master exactly 1 plus Workers (Workers only when elastic); the
 * container named `pytorch`; torchrun configured only by the operator's variables; replica
 * restartPolicy ExitCode (the contract's exit 143 is retried, crashes are not); runPolicy
 * with cleanPodPolicy Running, a TTL, a deadline and a backoffLimit; ReadWriteMany
 * checkpoints for more than one pod; the trainer pod of the other constructs (spot, GPUs,
 * /dev/shm, grace period), on both templates. Kueue labels go on the PyTorchJob.
 */
export class DistributedPyTorchJob extends TrainingWorkload {
  /**
   * The Training Operator's `init-pytorch` container with a Pod Security "restricted"
   * securityContext, as a template for the operator's `--pytorch-init-container-template-file`.
   *
   * On a PyTorchJob with a Master, the operator (v1.9) adds an `init-pytorch` container that
   * waits for the Master's DNS name to every Worker pod. Its built-in template has no
   * securityContext, so a namespace enforcing "restricted" refuses every Worker pod. The
   * template is operator-wide configuration (no per-job field shapes it): mount this text as
   * a file in the operator's Deployment and pass its path with that flag. It is the
   * operator's own template (pkg/controller.v1/pytorch/initcontainer.go) plus the
   * securityContext (user nobody, so it also holds in a pod that runs as root).
   */
  public static readonly RESTRICTED_INIT_CONTAINER_TEMPLATE = [
    '- name: init-pytorch',
    '  image: {{.InitContainerImage}}',
    '  imagePullPolicy: IfNotPresent',
    '  resources:',
    '    limits:',
    '      cpu: 100m',
    '      memory: 20Mi',
    '    requests:',
    '      cpu: 50m',
    '      memory: 10Mi',
    '  securityContext:',
    '    allowPrivilegeEscalation: false',
    '    capabilities:',
    '      drop: [ALL]',
    '    runAsNonRoot: true',
    '    runAsUser: 65534',
    '    seccompProfile:',
    '      type: RuntimeDefault',
    "  command: ['sh', '-c', 'err=1;for i in $(seq {{.MaxTries}}); do if nslookup {{.MasterAddr}}; then err=0 && break; fi;echo waiting for master; sleep 2; done; exit $err']",
    '',
  ].join('\n');

  /** The PyTorchJob object. */
  public readonly apiObject: ApiObject;
  /** The PyTorchJob name. */
  public readonly name: string;
  /** Total pods (initial pods when elastic). */
  public readonly nodes: number;
  /** Processes per pod. */
  public readonly processesPerNode: number;
  /** Replica restart policy (Training Operator engine; the JobSet engines use a failurePolicy). */
  public readonly restartPolicy: ReplicaRestartPolicy;
  /** `runPolicy.cleanPodPolicy` (Training Operator engine only). */
  public readonly cleanPodPolicy: CleanPodPolicy;
  /** `runPolicy.backoffLimit`, or the JobSet `failurePolicy.maxRestarts` with the JobSet engines. */
  public readonly backoffLimit: number;
  /** `runPolicy.activeDeadlineSeconds`. */
  public readonly activeDeadline: Duration;
  /** `runPolicy.ttlSecondsAfterFinished`. */
  public readonly ttlAfterFinished: Duration;
  /** The capacity the Workers run on. */
  public readonly spot: SpotScheduling;
  /** The pods' termination grace period. */
  public readonly terminationGracePeriod: Duration;
  /** Whether the job is elastic (Workers only). */
  public readonly isElastic: boolean;
  /** The engine that runs the job. */
  public readonly engine: TrainingEngine;
  /** The TrainingRuntime the job references, with the Trainer v2 engine. */
  public readonly runtime?: ApiObject;

  constructor(scope: Construct, id: string, props: DistributedPyTorchJobProps) {
    super(scope, id, props.kubernetesVersion);
    if (!Number.isInteger(props.nodes) || props.nodes < 1) {
      throw new Error(`nodes (${props.nodes}) must be a whole number of at least 1.`);
    }
    this.nodes = props.nodes;
    this.engine = props.engine ?? TrainingEngine.trainingOperator();
    this.isElastic = props.elastic !== undefined;
    const maxPods = this.isElastic ? props.elastic!.maxNodes : this.nodes;
    this.processesPerNode = props.processesPerNode ?? props.accelerator?.count ?? 1;
    if (!Number.isInteger(this.processesPerNode) || this.processesPerNode < 1) {
      throw new Error(`processesPerNode (${this.processesPerNode}) must be a whole number of at least 1.`);
    }
    if (props.accelerator && props.processesPerNode !== undefined && props.processesPerNode > props.accelerator.count) {
      throw new Error(
        `processesPerNode (${props.processesPerNode}) exceeds the ${props.accelerator.count} GPUs per pod; ranks would share GPUs. ` +
        'Lower processesPerNode or raise the accelerator count.',
      );
    }
    const elastic = this.engine.id === ENGINE_TRAINING_OPERATOR ? this.elasticPolicy(props) : undefined;
    this.restartPolicy = props.restartPolicy ?? ReplicaRestartPolicy.EXIT_CODE;
    this.cleanPodPolicy = props.cleanPodPolicy ?? CleanPodPolicy.RUNNING;
    this.backoffLimit = nonNegativeInteger('backoffLimit', props.backoffLimit ?? DEFAULT_BACKOFF_LIMIT, 'container restarts tolerated');
    this.activeDeadline = props.activeDeadline ?? DEFAULT_ACTIVE_DEADLINE;
    positiveSeconds('activeDeadline', this.activeDeadline);
    this.ttlAfterFinished = props.ttlAfterFinished ?? DEFAULT_TTL_AFTER_FINISHED;
    const ttlSeconds = nonNegativeSeconds('ttlAfterFinished', this.ttlAfterFinished);
    if (this.isElastic && props.onDemandMaster) {
      throw new Error(
        'onDemandMaster is set on an elastic job, which has no Master: the c10d rendezvous host is worker-0 and shares the ' +
        "Workers' template. Use elastic.rendezvousBackend ETCD with an endpoint on on-demand capacity, or drop elastic.",
      );
    }

    // Only the Training Operator's static rendezvous needs the master address on the command line.
    const command = this.launchCommand(props, props.name);
    if (this.engine.id !== ENGINE_TRAINING_OPERATOR) {
      checkEngineSupport(this.engine, props);
      const built = this.jobSetBased(props, command, ttlSeconds);
      this.apiObject = built.workload;
      this.runtime = built.runtime;
      this.name = this.apiObject.name;
      this.spot = built.pod.spot;
      this.terminationGracePeriod = built.pod.terminationGracePeriod;
      return;
    }

    const lastPod = this.isElastic ? `worker-${maxPods - 1}` : this.nodes > 1 ? `worker-${this.nodes - 2}` : 'master-0';
    if (props.name !== undefined) checkName(props.name, lastPod);
    // A plain ApiObject with the imported GVK and spec types: the generated class converts
    // its whole spec on toJson, which would mangle the pod templates added below.
    this.apiObject = new RenderedApiObject(this, 'Resource', {
      ...PYTORCH_JOB_GVK,
      metadata: props.name === undefined ? {} : { name: props.name },
    });
    const spec: PyTorchJobSpec = {
      pytorchReplicaSpecs: {},
      nprocPerNode: String(this.processesPerNode),
      elasticPolicy: elastic,
      runPolicy: this.runPolicy(props, ttlSeconds, maxPods),
    };
    this.name = this.apiObject.name;
    if (props.name === undefined) checkName(this.name, lastPod);

    const podOptions = {
      workloadName: this.name,
      containerName: CONTAINER_NAME,
      component: 'distributed-training',
      restartPolicy: this.restartPolicy === ReplicaRestartPolicy.ON_FAILURE ? 'OnFailure' : 'Never',
      concurrentPods: maxPods,
      command,
      // No PET_NPROC_PER_NODE here: the operator sets it from spec.nprocPerNode on every replica
      // (training-operator v1.9.4 pytorch/envvar.go setPodEnv), elastic or not.
    };
    const workers = this._buildTrainerPod(props, podOptions);
    this.spot = workers.spot;
    this.terminationGracePeriod = workers.terminationGracePeriod;
    if (this.restartPolicy === ReplicaRestartPolicy.EXIT_CODE) checkExitCodeContract(workers);
    addLabels(this.apiObject, workers.workloadLabels);

    const replicas: { [role: string]: any } = {};
    if (this.isElastic) {
      replicas.Worker = this.replica(this.nodes, workers);
    } else {
      // The on-demand Master keeps the Workers' grace period, so all ranks agree on the save window.
      const masterProps = { ...props, spot: SpotScheduling.onDemand(), terminationGracePeriod: workers.terminationGracePeriod };
      const master = props.onDemandMaster ? this._buildTrainerPod(masterProps, podOptions) : workers;
      replicas.Master = this.replica(1, master);
      if (this.nodes > 1) replicas.Worker = this.replica(this.nodes - 1, workers);
    }
    this.apiObject.addJsonPatch(JsonPatch.add('/spec', compact({ ...spec, pytorchReplicaSpecs: undefined })));
    this.apiObject.addJsonPatch(JsonPatch.add('/spec/pytorchReplicaSpecs', replicas));
    this.warnAboutPreemptibleCoordinator(props);
    if (!this.isElastic && this.nodes > 1) {
      Warnings.add(this, "the Training Operator adds an 'init-pytorch' container without a securityContext to every Worker pod: " +
        "a namespace enforcing Pod Security 'restricted' refuses them unless the operator runs with " +
        '--pytorch-init-container-template-file pointing at DistributedPyTorchJob.RESTRICTED_INIT_CONTAINER_TEMPLATE (see the README). ' +
        'Elastic jobs (Workers only) and the JobSet engines get no such container.');
    }
    if (props.queue !== undefined) {
      Warnings.add(this, `queue '${props.queue}': Kueue ignores the queue label of a PyTorchJob unless its configuration lists the ` +
        "deprecated 'kubeflow.org/pytorchjob' integration (off by default in Kueue v0.19); without it the job starts at once, " +
        'outside the queue. Enable that integration, or use TrainingEngine.trainerV2() or TrainingEngine.jobSet(), which Kueue manages by default.');
    }
  }

  /** The JobSet engines: a plain JobSet, or a Trainer v2 TrainJob and its TrainingRuntime. */
  private jobSetBased(props: DistributedPyTorchJobProps, command: string[], ttlSeconds: number): JobSetBasedObjects {
    const trainerV2 = this.engine.id === ENGINE_TRAINER_V2;
    const lastHost = `node-0-${this.nodes - 1}`;
    const kind = trainerV2 ? 'TrainJob' : 'JobSet';
    if (props.name !== undefined) checkName(props.name, lastHost, kind);
    const apiObject = new RenderedApiObject(this, 'Resource', {
      ...(trainerV2 ? TRAIN_JOB_GVK : JOBSET_GVK),
      metadata: props.name === undefined ? {} : { name: props.name },
    });
    const name = apiObject.name;
    if (props.name === undefined) checkName(name, lastHost, kind);

    // Trainer v2 injects the PET_* variables into the `node` container; for a plain JobSet the
    // library sets them: node rank from the completion index, rank 0 through the headless service.
    const torchEnv = trainerV2 ? [] : [
      { name: 'PET_NNODES', value: String(this.nodes) },
      { name: 'PET_NPROC_PER_NODE', value: String(this.processesPerNode) },
      { name: 'PET_NODE_RANK', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } },
      { name: 'PET_MASTER_ADDR', value: `${name}-${NODE_JOB}-0-0.${name}` },
      { name: 'PET_MASTER_PORT', value: String(JOBSET_MASTER_PORT) },
    ];
    const pod = this._buildTrainerPod(props, {
      workloadName: name,
      containerName: NODE_JOB,
      component: 'distributed-training',
      restartPolicy: 'Never',
      concurrentPods: this.nodes,
      command,
      extraEnv: torchEnv,
    });
    const jobSetSpec = trainingJobSetSpec({
      pod,
      containerName: NODE_JOB,
      nodes: this.nodes,
      maxRestarts: this.backoffLimit,
      activeDeadlineSeconds: this.activeDeadline.toSeconds(),
      jobTemplateLabels: trainerV2 ? { 'trainer.kubeflow.org/trainjob-ancestor-step': 'trainer' } : undefined,
    });
    addLabels(apiObject, pod.workloadLabels);

    if (!trainerV2) {
      apiObject.addJsonPatch(JsonPatch.add('/spec', {
        ...jobSetSpec, ttlSecondsAfterFinished: ttlSeconds, ...(props.suspend !== undefined ? { suspend: props.suspend } : {}),
      }));
      Warnings.add(this, `${this.engine.displayName} has no whole-run deadline: activeDeadline (${this.activeDeadline.toHumanString()}) ` +
        'bounds each attempt, and preemption restarts do not count against backoffLimit. Watch long runs, or use ' +
        'TrainingEngine.trainerV2() (TrainJob activeDeadlineSeconds) or TrainingEngine.trainingOperator().');
      return { workload: apiObject, pod };
    }

    const runtime = new RenderedApiObject(this, 'Runtime', {
      ...TRAINING_RUNTIME_GVK,
      metadata: { name: `${name}-runtime`, labels: { ...pod.labels, 'trainer.kubeflow.org/framework': 'torch' } },
    });
    const runtimeSpec: TrainingRuntimeSpec = { mlPolicy: { numNodes: this.nodes, torch: {} } };
    runtime.addJsonPatch(JsonPatch.add('/spec', { ...runtimeSpec, template: { spec: jobSetSpec } }));
    // The TrainJob webhook refuses a TrainJob whose runtime does not exist yet: the runtime is
    // written first, so `kubectl apply -f` creates it first.
    apiObject.node.addDependency(runtime);
    const trainJobSpec: TrainJobSpec = {
      runtimeRef: { apiGroup: 'trainer.kubeflow.org', kind: 'TrainingRuntime', name: runtime.name },
      trainer: { numNodes: this.nodes, numProcPerNode: this.processesPerNode },
      activeDeadlineSeconds: this.activeDeadline.toSeconds(),
      suspend: props.suspend,
    };
    apiObject.addJsonPatch(JsonPatch.add('/spec', compact(trainJobSpec)));
    Warnings.add(this, `${this.engine.displayName} has no TTL: the finished TrainJob stays until deleted (ttlAfterFinished is not emitted).`);
    return { workload: apiObject, runtime, pod };
  }

  /**
   * The container command: `script` under the library's torch launcher (src/trainer/torch-launcher.ts),
   * or `command` as given.
   */
  private launchCommand(props: DistributedPyTorchJobProps, name: string | undefined): string[] {
    if ((props.script === undefined) === (props.command === undefined)) {
      throw new Error("set exactly one of script (run by torchrun, e.g. ['train.py', '--epochs=10']) and command (run as given).");
    }
    if (props.command !== undefined) return props.command;
    if (props.script!.length === 0) throw new Error("script is empty; give the training script and its arguments, e.g. ['train.py'].");
    const python = props.python ?? DEFAULT_PYTHON;
    if (python.trim() === '' || /\s/.test(python)) {
      throw new Error(`python ('${python}') must be the interpreter's name or path, e.g. 'python3' or '/opt/conda/bin/python'.`);
    }
    const contract = resolvePreemptionContract(props.preemption);
    // The Training Operator under ExitCode counts nothing: the launcher keeps the crash budget.
    const launcherCounts = this.engine.id === ENGINE_TRAINING_OPERATOR && this.restartPolicy === ReplicaRestartPolicy.EXIT_CODE;
    const script = torchLauncherScript({
      preemptionExitCode: contract.exitCode,
      nonRetriableExitCodes: contract.nonRetriableExitCodes,
      crashBudget: launcherCounts ? this.backoffLimit : undefined,
      job: launcherCounts ? name ?? Names.toDnsLabel(this) : undefined,
      followOnSeconds: LAUNCHER_FOLLOW_ON_SECONDS,
      settleSeconds: LAUNCHER_SETTLE_SECONDS,
      horizonSeconds: this.activeDeadline.toSeconds(),
    });
    // Static rendezvous needs the Master's address; $(VAR) is expanded by the kubelet from the
    // MASTER_ADDR / MASTER_PORT the operator injects. Elastic jobs use the PET_RDZV_* variables.
    const master = this.engine.id === ENGINE_TRAINING_OPERATOR && !this.isElastic
      ? ['--master_addr=$(MASTER_ADDR)', '--master_port=$(MASTER_PORT)'] : [];
    return [python, '-c', script, ...master, ...props.script!];
  }

  private replica(count: number, pod: TrainerPod): any {
    const template = JSON.parse(JSON.stringify(pod.template));
    template.spec.containers[0].ports = [{ name: PORT_NAME, containerPort: DEFAULT_PORT, protocol: 'TCP' }];
    return { replicas: count, restartPolicy: this.restartPolicy, template };
  }

  private elasticPolicy(props: DistributedPyTorchJobProps): PyTorchJobSpecElasticPolicy | undefined {
    const elastic = props.elastic;
    if (!elastic) return undefined;
    for (const [prop, value] of [['elastic.minNodes', elastic.minNodes], ['elastic.maxNodes', elastic.maxNodes]] as const) {
      if (!Number.isInteger(value) || value < 1) throw new Error(`${prop} (${value}) must be a whole number of at least 1.`);
    }
    if (elastic.minNodes > elastic.maxNodes) {
      throw new Error(`elastic.minNodes (${elastic.minNodes}) must not exceed elastic.maxNodes (${elastic.maxNodes}) (RULEBOOK K4).`);
    }
    if (props.nodes < elastic.minNodes || props.nodes > elastic.maxNodes) {
      throw new Error(`nodes (${props.nodes}) must lie within elastic.minNodes (${elastic.minNodes}) and elastic.maxNodes (${elastic.maxNodes}).`);
    }
    const backend = elastic.rendezvousBackend ?? RendezvousBackend.C10D;
    let host: string | undefined;
    let port: number | undefined;
    if (elastic.rendezvousEndpoint !== undefined) {
      const match = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?):(\d{1,5})$/.exec(elastic.rendezvousEndpoint);
      if (!match || Number(match[3]) > 65535) {
        throw new Error(`elastic.rendezvousEndpoint ('${elastic.rendezvousEndpoint}') must be host:port, e.g. 'etcd-client.training:2379'.`);
      }
      host = match[1];
      port = Number(match[3]);
    } else if (backend !== RendezvousBackend.C10D) {
      throw new Error(`elastic.rendezvousBackend ${backend} needs elastic.rendezvousEndpoint (host:port of the etcd service).`);
    }
    const maxRestarts = nonNegativeInteger('elastic.maxRestarts', elastic.maxRestarts ?? 100, 'worker group restarts before failing');
    return { rdzvBackend: backend, rdzvHost: host, rdzvPort: port, minReplicas: elastic.minNodes, maxReplicas: elastic.maxNodes, maxRestarts };
  }

  private runPolicy(props: DistributedPyTorchJobProps, ttlSeconds: number, maxPods: number): PyTorchJobSpecRunPolicy {
    const gang = props.gangScheduling;
    if (gang?.minAvailable !== undefined && (!Number.isInteger(gang.minAvailable) || gang.minAvailable < 1 || gang.minAvailable > maxPods)) {
      throw new Error(`gangScheduling.minAvailable (${gang.minAvailable}) must be a whole number from 1 to the ${maxPods} pods of the job.`);
    }
    return {
      cleanPodPolicy: this.cleanPodPolicy,
      ttlSecondsAfterFinished: ttlSeconds,
      activeDeadlineSeconds: this.activeDeadline.toSeconds(),
      backoffLimit: this.backoffLimit,
      suspend: props.suspend,
      schedulingPolicy: gang === undefined ? undefined : {
        minAvailable: gang.minAvailable ?? (props.elastic?.minNodes ?? this.nodes),
        queue: gang.queue,
        priorityClass: gang.priorityClass,
      },
    };
  }

  private warnAboutPreemptibleCoordinator(props: DistributedPyTorchJobProps): void {
    if (!this.spot.isSpot) return;
    if (this.isElastic && (props.elastic!.rendezvousBackend ?? RendezvousBackend.C10D) === RendezvousBackend.C10D) {
      Warnings.add(this, `the c10d rendezvous host ${this.name}-worker-0 runs on ${this.spot.name} capacity: if it is reclaimed, ` +
        'rendezvous stalls until it returns (RULEBOOK K4). Use an etcd rendezvous endpoint on on-demand capacity for long runs.');
    } else if (!this.isElastic && !props.onDemandMaster) {
      Warnings.add(this, `the Master runs on ${this.spot.name} capacity: if it is reclaimed every rank restarts. ` +
        'Set onDemandMaster: true to keep it on on-demand capacity.');
    }
  }
}

/** What the JobSet-based engines emit, and the pod they built. */
interface JobSetBasedObjects {
  readonly workload: ApiObject;
  readonly runtime?: ApiObject;
  readonly pod: TrainerPod;
}

/** Props the JobSet-based engines cannot express: a synth error names the engine and the prop. */
function checkEngineSupport(engine: TrainingEngine, props: DistributedPyTorchJobProps): void {
  const unsupported: Array<[string, boolean, string]> = [
    ['elastic', props.elastic !== undefined, engine.id === ENGINE_TRAINER_V2
      ? 'Trainer v2 removed elastic training' : 'a JobSet runs a fixed number of nodes'],
    ['onDemandMaster', props.onDemandMaster === true, 'all nodes share one pod template (there is no Master replica)'],
    ['restartPolicy', props.restartPolicy !== undefined, 'restarts are decided by the JobSet failurePolicy the library writes'],
    ['cleanPodPolicy', props.cleanPodPolicy !== undefined, 'finished pods are cleaned up with their Jobs'],
    ['gangScheduling', props.gangScheduling !== undefined, 'this library does not write its pod-group policy yet'],
    ['ttlAfterFinished', engine.id === ENGINE_TRAINER_V2 && props.ttlAfterFinished !== undefined, 'a TrainJob has no TTL'],
  ];
  for (const [prop, set, why] of unsupported) {
    if (set) {
      throw new Error(`${prop} is not supported by the ${engine.displayName} engine: ${why}. Remove ${prop}, or use TrainingEngine.trainingOperator().`);
    }
  }
}

/** Under the ExitCode policy 128+ is retried and 1-127 is permanent: the contract must agree. */
function checkExitCodeContract(pod: TrainerPod): void {
  if (pod.contract.exitCode < 128) {
    throw new Error(
      `preemption.exitCode (${pod.contract.exitCode}) is below 128: the ExitCode restart policy treats it as a permanent failure, ` +
      'so a preempted replica would fail the job (RULEBOOK K6). Use 143, or restartPolicy ON_FAILURE.',
    );
  }
  const retried = pod.contract.nonRetriableExitCodes.filter((code) => code >= 128);
  if (retried.length > 0) {
    throw new Error(
      `preemption.nonRetriableExitCodes (${retried.join(', ')}) are 128 or more, which the ExitCode restart policy retries; ` +
      'use codes from 1 to 127 for configuration errors (RULEBOOK K6).',
    );
  }
}


function checkName(name: string, lastPod: string, kind: string = 'PyTorchJob'): void {
  if (!/^[a-z]/.test(name)) {
    throw new Error(`name ('${name}') must start with a letter: a ${kind} name is a DNS-1035 label (RULEBOOK K1).`);
  }
  const budget = 63 - lastPod.length - 1;
  checkWorkloadName(name, budget, kind, `its pod and service names such as '<name>-${lastPod}' (63 characters at most, RULEBOOK K1)`);
}
