/**
 * The contract between DistributedPyTorchJob and the systems that run it. The construct
 * resolves and checks the props every engine shares (nodes, processes, budget, deadline,
 * TTL, the launch command); an engine declares the props it cannot express, the kinds it
 * writes (where their pod templates are, and the module whose CRDs define them), and builds
 * its objects from the resolved settings and the trainer pod. A new engine (Volcano,
 * LeaderWorkerSet) is one file implementing `EngineStrategy` and a line in registry.ts: the
 * rules walk its pod templates, lint counts its kinds, the strict schemas and the CRD import
 * read its CRDs from that list.
 */
import { ApiObject, Chart, Duration, Names } from 'cdk8s';
import { Construct } from 'constructs';
import type { CleanPodPolicy, DistributedPyTorchJobProps, ReplicaRestartPolicy } from './distributed-pytorch-job-props';
import { invalid } from '../blocks/errors';
import { ReservedEnv } from '../blocks/pod/env';
import { PodContribution, PodIdentity, TrainerPod } from '../blocks/pod/trainer-pod';
import { RenderedApiObject } from '../blocks/rendered-api-object';
import { TrainingWorkloadProps } from '../blocks/training-workload-props';
import { checkWorkloadName } from '../blocks/validation';
import { WorkloadKind } from '../k8s/workloads';
import { TORCHRUN_ENV, TRAINING_OPERATOR_ENV } from '../knowledge/controllers';

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
  /**
   * The container command for the workload of this name (the launcher and its torchrun
   * arguments, whose crash records are kept per workload name, or the user's command).
   */
  readonly command: (workloadName: string) => string[];
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
export type PodBuilder = (props: TrainingWorkloadProps, identity: PodIdentity, contribution: PodContribution) => TrainerPod;

/** CRDs an engine's kinds come from: files of a Go module pinned in cluster/operators/go.mod. */
export interface CrdSource {
  readonly module: string;
  readonly files: ReadonlyArray<{
    readonly path: string;
    /** The prefix `cdk8s import` gives the generated types (`<name>:=<file>`), for CRDs whose types the engine uses; none when it uses none. */
    readonly types?: string;
  }>;
}

export interface EngineStrategy {
  /** `TrainingEngine.id`. */
  readonly id: string;
  /** Name used in messages. */
  readonly displayName: string;
  /** The kinds the engine writes, with where their pod templates are. */
  readonly kinds: readonly WorkloadKind[];
  /** Where the CRDs of those kinds come from. */
  readonly crds: readonly CrdSource[];
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
export const TORCH_ENV: ReservedEnv = {
  matches: (name: string) => /^PET_/.test(name) || (name !== 'PYTHONUNBUFFERED' && TRAINING_OPERATOR_ENV.includes(name)) || TORCHRUN_ENV.includes(name),
  why: 'is set for the ranks by the operator or torchrun (sizes come from nodes and processesPerNode)',
};

/**
 * The engine's workload object (id `Resource`), named `name`, or without one as cdk8s names it,
 * shortened where the pods and services named after it (`<name>-<lastPod>`) need the room: its
 * hash is kept and the path part cut, as cdk8s shortens a CronJob's name. A `name` given that
 * is too long is an error naming the prop.
 */
export function workloadObject(
  scope: Construct, gvk: { apiVersion: string; kind: string }, name: string | undefined, lastPod: string,
): RenderedApiObject {
  if (name !== undefined) {
    checkName(name, lastPod, gvk.kind);
    return new RenderedApiObject(scope, 'Resource', { ...gvk, metadata: { name } });
  }
  let workload = new RenderedApiObject(scope, 'Resource', { ...gvk, metadata: {} });
  const budget = nameBudget(lastPod);
  if (workload.name.length > budget) {
    // Chart's disableResourceNameHashes, kept in a private field (cdk8s 2.70).
    const includeHash = (Chart.of(scope) as unknown as { _disableResourceNameHashes?: boolean })._disableResourceNameHashes !== true;
    const fitted = Names.toDnsLabel(workload, { maxLen: budget, includeHash });
    scope.node.tryRemoveChild('Resource');
    workload = new RenderedApiObject(scope, 'Resource', { ...gvk, metadata: { name: fitted } });
  }
  checkName(workload.name, lastPod, gvk.kind);
  return workload;
}

/** How long a workload name can be for `<name>-<lastPod>` to be a DNS label (63 characters). */
function nameBudget(lastPod: string): number {
  return 63 - lastPod.length - 1;
}

/**
 * A workload name that is a DNS-1035 label and leaves room for the pods and services named
 * after it, such as `<name>-worker-3`.
 */
function checkName(name: string, lastPod: string, kind: string): void {
  if (!/^[a-z]/.test(name)) {
    throw invalid('name', `name ('${name}') must start with a letter: a ${kind} name is a DNS-1035 label.`);
  }
  checkWorkloadName(name, nameBudget(lastPod), kind, `its pod and service names such as '<name>-${lastPod}' (63 characters at most)`);
}
