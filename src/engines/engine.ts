/**
 * The contract between DistributedPyTorchJob and the systems that run it. The construct
 * resolves and checks the props every engine shares (nodes, processes, budget, deadline,
 * TTL, the launch command); an engine declares the props it cannot express and builds its
 * objects from those resolved settings and the trainer pod. A new engine (Volcano,
 * LeaderWorkerSet) is one new file implementing `EngineStrategy` and a line in registry.ts.
 */
import { ApiObject, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { CleanPodPolicy, DistributedPyTorchJobProps, ReplicaRestartPolicy } from '../distributed-pytorch-job-props';
import { TORCHRUN_ENV, TRAINING_OPERATOR_ENV } from '../rules/knowledge';
import { TrainerPod, TrainerPodOptions } from '../trainer/trainer-pod';
import { TrainingWorkloadProps } from '../trainer/training-workload-props';
import { checkWorkloadName } from '../trainer/validation';

/** The run settings the construct resolved, shared by every engine. */
export interface EngineRun {
  readonly props: DistributedPyTorchJobProps;
  readonly nodes: number;
  readonly processesPerNode: number;
  readonly isElastic: boolean;
  readonly restartPolicy: ReplicaRestartPolicy;
  readonly cleanPodPolicy: CleanPodPolicy;
  readonly backoffLimit: number;
  readonly activeDeadline: Duration;
  readonly activeDeadlineSeconds: number;
  readonly ttlSeconds: number;
  /** The container command (the launcher and its torchrun arguments, or the user's command). */
  readonly command: string[];
}

/** What an engine emitted, and the pod it built for the training ranks. */
export interface EngineObjects {
  /** The object users see as "the job" (escape hatches, labels, name). */
  readonly workload: ApiObject;
  /** An object the workload needs first (Trainer v2's TrainingRuntime). */
  readonly runtime?: ApiObject;
  readonly pod: TrainerPod;
}

/** Builds the trainer pod of the construct (its shared building blocks). */
export type PodBuilder = (props: TrainingWorkloadProps, options: TrainerPodOptions) => TrainerPod;

export interface EngineStrategy {
  /** `TrainingEngine.id`. */
  readonly id: string;
  /**
   * Props the engine cannot express: [prop, set, why]. A set one is a synth error naming the
   * engine and the prop.
   */
  unsupported(props: DistributedPyTorchJobProps): Array<[string, boolean, string]>;
  /** Checks props before anything is built (e.g. the elastic bounds). */
  validate(props: DistributedPyTorchJobProps): void;
  /** Whether torchrun needs `--master_addr/--master_port` on its command line (static rendezvous). */
  masterOnCommandLine(run: { isElastic: boolean }): boolean;
  /** Whether the launcher keeps the crash budget (the controller counts nothing). */
  launcherCountsCrashes(restartPolicy: ReplicaRestartPolicy): boolean;
  /** The engine's objects, created under `scope`. */
  build(scope: Construct, run: EngineRun, buildPod: PodBuilder): EngineObjects;
}

/** What the operator and torchrun set for the ranks; a user value would fight them. */
export const TORCH_ENV = {
  matches: (name: string) => /^PET_/.test(name) || (name !== 'PYTHONUNBUFFERED' && TRAINING_OPERATOR_ENV.includes(name)) || TORCHRUN_ENV.includes(name),
  why: 'is set for the ranks by the operator or torchrun (sizes come from nodes and processesPerNode)',
};

/**
 * A workload name that is a DNS-1035 label and leaves room for the pods and services named
 * after it, such as `<name>-worker-3`.
 */
export function checkName(name: string, lastPod: string, kind: string): void {
  if (!/^[a-z]/.test(name)) {
    throw new Error(`name ('${name}') must start with a letter: a ${kind} name is a DNS-1035 label (RULEBOOK K1).`);
  }
  const budget = 63 - lastPod.length - 1;
  checkWorkloadName(name, budget, kind, `its pod and service names such as '<name>-${lastPod}' (63 characters at most, RULEBOOK K1)`);
}
