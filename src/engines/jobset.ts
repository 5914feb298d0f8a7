/**
 * JobSet (v0.12): a plain jobset.x-k8s.io JobSet running torchrun, for clusters without
 * Kubeflow. Trainer v2 (trainer-v2.ts) builds its runtime from the same JobSet spec.
 */
import { Construct } from 'constructs';
import { advise } from '../advice';
import { EngineObjects, EngineRun, EngineStrategy, PodBuilder, TORCH_ENV, workloadObject } from './engine';
import { DistributedPyTorchJobProps } from '../distributed-pytorch-job-props';
import { humanDuration } from '../human-duration';
import { JOBSET_GVK } from '../trainer/custom-resources';
import { NODE_JOB, trainingJobSetSpec } from '../trainer/jobset-spec';
import { RenderedApiObject } from '../trainer/rendered-api-object';
import { addLabels, TrainerPod } from '../trainer/trainer-pod';

const JOBSET_MASTER_PORT = 29500;

/** What the JobSet-based engines cannot express, whichever they are. */
export function jobSetUnsupported(props: DistributedPyTorchJobProps, elasticWhy: string): Array<[string, boolean, string]> {
  return [
    ['elastic', props.elastic !== undefined, elasticWhy],
    ['onDemandMaster', props.onDemandMaster === true, 'all nodes share one pod template (there is no Master replica)'],
    ['restartPolicy', props.restartPolicy !== undefined, 'restarts are decided by the JobSet failurePolicy the library writes'],
    ['cleanPodPolicy', props.cleanPodPolicy !== undefined, 'finished pods are cleaned up with their Jobs'],
    ['gangScheduling', props.gangScheduling !== undefined, 'this library does not write its pod-group policy yet'],
  ];
}

/** The workload object, its trainer pod and the JobSet spec both JobSet-based engines emit. */
export function jobSetParts(
  scope: Construct, run: EngineRun, buildPod: PodBuilder, gvk: { apiVersion: string; kind: string },
  torchEnv: (name: string) => any[], jobTemplateLabels?: { [key: string]: string },
): { workload: RenderedApiObject; pod: TrainerPod; jobSetSpec: any } {
  const { props, nodes } = run;
  const lastHost = `node-0-${nodes - 1}`;
  const workload = workloadObject(scope, gvk, props.name, lastHost);
  const name = workload.name;
  const pod = buildPod(props, {
    workloadName: name,
    containerName: NODE_JOB,
    component: 'distributed-training',
    restartPolicy: 'Never',
    concurrentPods: nodes,
    command: run.command(name),
    extraEnv: torchEnv(name),
    reservedEnv: TORCH_ENV,
  });
  const jobSetSpec = trainingJobSetSpec({
    pod,
    containerName: NODE_JOB,
    nodes,
    maxRestarts: run.backoffLimit,
    activeDeadlineSeconds: run.activeDeadlineSeconds,
    jobTemplateLabels,
  });
  addLabels(workload, pod.workloadLabels);
  return { workload, pod, jobSetSpec };
}

export const jobSetEngine: EngineStrategy = {
  id: 'jobset',

  unsupported: (props) => jobSetUnsupported(props, 'a JobSet runs a fixed number of nodes'),

  validate: () => undefined,

  masterOnCommandLine: () => false,

  // The JobSet failurePolicy counts restarts against maxRestarts (backoffLimit).
  launcherCountsCrashes: () => false,

  build(scope: Construct, run: EngineRun, buildPod: PodBuilder): EngineObjects {
    // The library sets what torchrun reads: node rank from the completion index, rank 0
    // through the JobSet's headless service.
    const torchEnv = (name: string) => [
      { name: 'PET_NNODES', value: String(run.nodes) },
      { name: 'PET_NPROC_PER_NODE', value: String(run.processesPerNode) },
      { name: 'PET_NODE_RANK', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } },
      { name: 'PET_MASTER_ADDR', value: `${name}-${NODE_JOB}-0-0.${name}` },
      { name: 'PET_MASTER_PORT', value: String(JOBSET_MASTER_PORT) },
    ];
    const { workload, pod, jobSetSpec } = jobSetParts(scope, run, buildPod, JOBSET_GVK, torchEnv);
    workload._setSpec({
      ...jobSetSpec, ttlSecondsAfterFinished: run.ttlSeconds, ...(run.props.suspend !== undefined ? { suspend: run.props.suspend } : {}),
    });
    advise(scope, 'jobset-deadline', `JobSet has no whole-run deadline: activeDeadline (${humanDuration(run.activeDeadline)}) ` +
      'bounds each attempt, and preemption restarts do not count against backoffLimit.');
    return { workload, pod };
  },
};
