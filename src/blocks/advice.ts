import { IConstruct, Node } from 'constructs';
import { Warnings } from './warnings';

/**
 * Warnings a construct raises from its props, about things the YAML alone does not show
 * (or shows only with the construct's knowledge): each has an id like a rule's, is printed
 * once when the app synthesizes, and can be acknowledged with `acknowledgeRule(id, reason)`.
 */
export interface Advice {
  readonly id: string;
  /** One line: what the warning is about. */
  readonly what: string;
  /** One line: how to act on it. */
  readonly fix: string;
}

export const ADVICE: Advice[] = [
  {
    id: 'image-tag',
    what: 'An image of the pod (the trainer, an init container or a sidecar) has no tag, or the tag latest.',
    fix: 'Pin a version tag or a digest (image@sha256:...), so a retry after preemption runs the same code.',
  },
  {
    id: 'checkpoint-save-time',
    what: 'checkpoint.saveTime does not fit in the time a pod gets between the reclaim notice and the kill.',
    fix: 'Save less on SIGTERM (model and optimizer only), or use capacity with a longer notice.',
  },
  {
    id: 'checkpoint-claim-size',
    what: 'A new checkpoint claim on GKE Filestore asks for less than its about 1 TiB minimum.',
    fix: 'Request Size.tebibytes(1) or more.',
  },
  {
    id: 'master-on-spot',
    what: 'The Master of a PyTorchJob runs on spot capacity: if it is reclaimed every rank restarts.',
    fix: 'Set onDemandMaster: true.',
  },
  {
    id: 'rendezvous-on-spot',
    what: "An elastic PyTorchJob's c10d rendezvous host (worker 0) runs on spot capacity.",
    fix: 'Use an etcd rendezvous endpoint on on-demand capacity (elastic.rendezvousBackend, rendezvousEndpoint) for long runs.',
  },
  {
    id: 'init-pytorch-pod-security',
    what: "The Training Operator adds an 'init-pytorch' container without a securityContext to every Worker pod of a non-elastic PyTorchJob.",
    fix: 'Run the operator with --pytorch-init-container-template-file set to DistributedPyTorchJob.RESTRICTED_INIT_CONTAINER_TEMPLATE, then acknowledge.',
  },
  {
    id: 'kueue-pytorchjob',
    what: "Kueue acts on a PyTorchJob's queue label only with its deprecated kubeflow.org/pytorchjob integration enabled (off by default in v0.19, removed in v0.20).",
    fix: 'On Kueue v0.19, enable that integration in the Kueue configuration and acknowledge; on v0.20 and later, use TrainingEngine.trainerV2() or TrainingEngine.jobSet().',
  },
  {
    id: 'jobset-deadline',
    what: 'A JobSet has no whole-run deadline: activeDeadline bounds each attempt, and preemption restarts are not counted.',
    fix: 'Watch long runs, or use TrainingEngine.trainerV2() (TrainJob activeDeadlineSeconds) or TrainingEngine.trainingOperator().',
  },
  {
    id: 'trainjob-ttl',
    what: 'A Kubeflow Trainer v2 TrainJob has no TTL: the finished TrainJob stays until deleted.',
    fix: 'Delete finished TrainJobs (a cleanup CronJob or your GitOps tool), then acknowledge.',
  },
];

/** The advice of an id, if it is one. */
export function findAdvice(id: string): Advice | undefined {
  return ADVICE.find((advice) => advice.id === id);
}

/** A construct that collects advice and reports it at synth (TrainingWorkload). */
interface AdviceSink {
  _advise(id: string, message: string): void;
}

function isSink(scope: IConstruct): scope is IConstruct & AdviceSink {
  return typeof (scope as any)._advise === 'function';
}

/**
 * Raises advice `id` on the nearest training construct at or above `scope`; it is printed at
 * synth unless acknowledged. Outside one, it is printed at once.
 */
export function advise(scope: IConstruct, id: string, message: string): void {
  if (!findAdvice(id)) throw new Error(`internal: unknown advice id '${id}'`);
  const sink = [...Node.of(scope).scopes].reverse().find(isSink);
  if (sink) {
    sink._advise(id, message);
  } else {
    Warnings.add(scope, formatAdvice(id, message));
  }
}

/** `[warning <id>] <message> Fix: <fix>`, as rule findings read. */
export function formatAdvice(id: string, message: string): string {
  return `[warning ${id}] ${message} Fix: ${findAdvice(id)!.fix}`;
}
