import { TrainingEngine } from './training-engine';
import { TrainingJobProps } from '../blocks/training-workload-props';

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
  /**
   * Resource metrics the Training Operator's HorizontalPodAutoscaler scales Workers on,
   * within minNodes and maxNodes (`elasticPolicy.metrics`).
   * @default - no autoscaling: the job keeps `nodes` Workers
   */
  readonly metrics?: ElasticMetric[];
}

/**
 * A resource utilization target for elastic autoscaling (an autoscaling/v2 Resource metric).
 */
export interface ElasticMetric {
  /** The resource: `cpu` or `memory`. */
  readonly resource: string;
  /** The average utilization across Workers to keep, in percent of their requests (1-100). */
  readonly averageUtilization: number;
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
export interface DistributedPyTorchJobProps extends TrainingJobProps {
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
   * Gang scheduling (Volcano / scheduler-plugins).
   * @default - no gang scheduling policy
   */
  readonly gangScheduling?: GangScheduling;

  /**
   * Runs the Master on on-demand capacity while Workers use `spot`: losing the Master
   * restarts every rank. The Master gets a required node affinity that excludes the spot
   * capacity of the provider (`provider`, `CloudProvider.setDefault`, or the one `spot`
   * implies) and selects the GPU model with the same label as the Workers. On the JobSet
   * engine rank 0 runs alone in a one-pod `master` Job placed so, and each other node in a
   * one-pod `node` Job; Trainer v2 cannot place rank 0 apart (a synth error).
   * @default false
   */
  readonly onDemandMaster?: boolean;

  /**
   * The system that runs the job.
   * @default TrainingEngine.trainingOperator()
   */
  readonly engine?: TrainingEngine;
}
