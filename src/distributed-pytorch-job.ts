import { ApiObject, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { failConstruct, invalid } from './blocks/errors';
import { resolvePreemptionContract } from './blocks/preemption-policy';
import { SpotScheduling } from './blocks/spot-scheduling';
import { torchLauncherScript } from './blocks/torch-launcher';
import { nonNegativeInteger, nonNegativeSeconds, positiveSeconds } from './blocks/validation';
import { CleanPodPolicy, DistributedPyTorchJobProps, ReplicaRestartPolicy } from './engines/distributed-pytorch-job-props';
import { EngineStrategy } from './engines/engine';
import { engineById } from './engines/registry';
import { TrainingEngine } from './engines/training-engine';
import { TrainingWorkload } from './training-workload';

const DEFAULT_ACTIVE_DEADLINE = Duration.hours(8);
const DEFAULT_TTL_AFTER_FINISHED = Duration.hours(24);
const DEFAULT_BACKOFF_LIMIT = 3;
const DEFAULT_PYTHON = 'python3';
/** How long a failed launcher waits for the other pods of its job to record theirs. */
const LAUNCHER_SETTLE_SECONDS = 20;
/** A failure this soon after another pod's preemption or failure is its consequence (not counted). */
const LAUNCHER_FOLLOW_ON_SECONDS = 300;

/**
 * Distributed PyTorch training with torchrun: a kubeflow.org/v1 PyTorchJob for the Kubeflow
 * Training Operator (v1.9) by default, or a Trainer v2 TrainJob or a JobSet (`engine`; each
 * engine is a strategy in src/engines).
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
    try {
      if (!Number.isInteger(props.nodes) || props.nodes < 1) {
        throw invalid('nodes', `nodes (${props.nodes}) must be a whole number of at least 1.`);
      }
      if (props.nodes === 1 && props.elastic === undefined) {
        throw invalid('nodes', 'nodes (1): a distributed job of one node has no peer to rendezvous with; the operator and the launcher ' +
          "only add ways to fail. Use SpotTolerantTrainingJob with command ['torchrun', '--standalone', '--nproc-per-node=<GPUs>', 'train.py'] " +
          'for one node, set nodes to 2 or more, or make it elastic (elastic: { minNodes: 1, maxNodes: <n> }).');
      }
      this.nodes = props.nodes;
      this.engine = props.engine ?? TrainingEngine.trainingOperator();
      const strategy = engineById(this.engine.id)!;
      this.isElastic = props.elastic !== undefined;
      this.processesPerNode = props.processesPerNode ?? props.accelerator?.count ?? 1;
      if (!Number.isInteger(this.processesPerNode) || this.processesPerNode < 1) {
        throw invalid('processesPerNode', `processesPerNode (${this.processesPerNode}) must be a whole number of at least 1.`);
      }
      if (props.accelerator && props.processesPerNode !== undefined && props.processesPerNode > props.accelerator.count) {
        throw invalid('processesPerNode',
          `processesPerNode (${props.processesPerNode}) exceeds the ${props.accelerator.count} GPUs per pod; ranks would share GPUs. ` +
          'Lower processesPerNode or raise the accelerator count.',
        );
      }
      strategy.validate(props);
      this.restartPolicy = props.restartPolicy ?? ReplicaRestartPolicy.EXIT_CODE;
      this.cleanPodPolicy = props.cleanPodPolicy ?? CleanPodPolicy.RUNNING;
      this.backoffLimit = nonNegativeInteger('backoffLimit', props.backoffLimit ?? DEFAULT_BACKOFF_LIMIT, 'crashes tolerated');
      this.activeDeadline = props.activeDeadline ?? DEFAULT_ACTIVE_DEADLINE;
      positiveSeconds('activeDeadline', this.activeDeadline, 'Duration.hours(8)');
      this.ttlAfterFinished = props.ttlAfterFinished ?? DEFAULT_TTL_AFTER_FINISHED;
      const ttlSeconds = nonNegativeSeconds('ttlAfterFinished', this.ttlAfterFinished);
      if (this.isElastic && props.onDemandMaster) {
        throw invalid('onDemandMaster',
          'onDemandMaster is set on an elastic job, which has no Master: the c10d rendezvous host is worker-0 and shares the ' +
          "Workers' template. Use elastic.rendezvousBackend ETCD with an endpoint on on-demand capacity, or drop elastic.",
        );
      }
      for (const [prop, set, why] of strategy.unsupported(props)) {
        if (set) {
          throw invalid(prop, `${prop} is not supported by the ${this.engine.displayName} engine: ${why}. Remove ${prop}, or use TrainingEngine.trainingOperator().`);
        }
      }

      const built = strategy.build(this, {
        props,
        nodes: this.nodes,
        processesPerNode: this.processesPerNode,
        isElastic: this.isElastic,
        restartPolicy: this.restartPolicy,
        cleanPodPolicy: this.cleanPodPolicy,
        backoffLimit: this.backoffLimit,
        activeDeadline: this.activeDeadline,
        activeDeadlineSeconds: this.activeDeadline.toSeconds(),
        ttlSeconds,
        command: this.launchCommand(props, strategy),
      }, (podProps, identity, contribution) => this._buildTrainerPod(podProps, identity, contribution));
      this.apiObject = built.workload;
      this.runtime = built.runtime;
      this.name = this.apiObject.name;
      this.spot = built.pod.spot;
      this.terminationGracePeriod = built.pod.terminationGracePeriod;
    } catch (error) {
      failConstruct(this, error);
    }
  }

  /**
   * The container command for the workload of a given name: `script` under the library's torch
   * launcher (src/blocks/torch-launcher.ts), or `command` as given. The props are checked now;
   * the engine calls it once it has named the workload, whose name keys the launcher's crash
   * records (`$CHECKPOINT_DIR/.cdk8s-training/launcher/<name>`).
   */
  private launchCommand(props: DistributedPyTorchJobProps, strategy: EngineStrategy): (workloadName: string) => string[] {
    if ((props.script === undefined) === (props.command === undefined)) {
      throw invalid('script', "set exactly one of script (run by torchrun, e.g. ['train.py', '--epochs=10']) and command (run as given).");
    }
    if (props.command !== undefined) {
      const command = props.command;
      return () => command;
    }
    if (props.script!.length === 0) throw invalid('script', "script is empty; give the training script and its arguments, e.g. ['train.py'].");
    const python = props.python ?? DEFAULT_PYTHON;
    if (python.trim() === '' || /\s/.test(python)) {
      throw invalid('python', `python ('${python}') must be the interpreter's name or path, e.g. 'python3' or '/opt/conda/bin/python'.`);
    }
    const contract = resolvePreemptionContract(props.preemption);
    const launcherCounts = strategy.launcherCountsCrashes(this.restartPolicy);
    // Static rendezvous needs the Master's address; $(VAR) is expanded by the kubelet from the
    // MASTER_ADDR / MASTER_PORT the operator injects. Elastic jobs use the PET_RDZV_* variables.
    const master = strategy.masterOnCommandLine({ isElastic: this.isElastic })
      ? ['--master_addr=$(MASTER_ADDR)', '--master_port=$(MASTER_PORT)'] : [];
    const script = props.script!;
    return (workloadName) => [python, '-c', torchLauncherScript({
      preemptionExitCode: contract.exitCode,
      nonRetriableExitCodes: contract.nonRetriableExitCodes,
      crashBudget: launcherCounts ? this.backoffLimit : undefined,
      job: workloadName,
      followOnSeconds: LAUNCHER_FOLLOW_ON_SECONDS,
      settleSeconds: LAUNCHER_SETTLE_SECONDS,
      horizonSeconds: this.activeDeadline.toSeconds(),
    }), ...master, ...script];
  }
}
