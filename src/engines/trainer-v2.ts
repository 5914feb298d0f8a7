/**
 * Kubeflow Trainer v2 (v2.3): a trainer.kubeflow.org TrainJob and the TrainingRuntime it
 * references, which the library emits beside it (the stock `torch-distributed` runtime
 * cannot carry the failure policy).
 */
import { Construct } from 'constructs';
import { advise } from '../advice';
import { EngineObjects, EngineRun, EngineStrategy, PodBuilder } from './engine';
import { jobSetParts, jobSetUnsupported } from './jobset';
import type { TrainingRuntimeSpec } from '../imports/trainingruntime-trainer.kubeflow.org';
import type { TrainJobSpec } from '../imports/trainjob-trainer.kubeflow.org';
import { TRAIN_JOB_GVK, TRAINING_RUNTIME_GVK } from '../trainer/custom-resources';
import { RenderedApiObject } from '../trainer/rendered-api-object';
import { compact } from '../trainer/validation';

export const trainerV2Engine: EngineStrategy = {
  id: 'trainer-v2',

  unsupported: (props) => [
    ...jobSetUnsupported(props, 'Trainer v2 removed elastic training'),
    ['ttlAfterFinished', props.ttlAfterFinished !== undefined, 'a TrainJob has no TTL'],
  ],

  validate: () => undefined,

  masterOnCommandLine: () => false,

  // The runtime's JobSet failurePolicy counts restarts against maxRestarts (backoffLimit).
  launcherCountsCrashes: () => false,

  build(scope: Construct, run: EngineRun, buildPod: PodBuilder): EngineObjects {
    // Trainer v2 injects the PET_* variables into the `node` container itself.
    const { workload, pod, jobSetSpec } = jobSetParts(scope, run, buildPod, TRAIN_JOB_GVK, () => [],
      { 'trainer.kubeflow.org/trainjob-ancestor-step': 'trainer' });
    const runtime = new RenderedApiObject(scope, 'Runtime', {
      ...TRAINING_RUNTIME_GVK,
      metadata: { name: `${workload.name}-runtime`, labels: { ...pod.labels, 'trainer.kubeflow.org/framework': 'torch' } },
    });
    const runtimeSpec: TrainingRuntimeSpec = { mlPolicy: { numNodes: run.nodes, torch: {} } };
    runtime._setSpec({ ...runtimeSpec, template: { spec: jobSetSpec } });
    // The TrainJob webhook refuses a TrainJob whose runtime does not exist yet: the runtime is
    // written first, so `kubectl apply -f` creates it first.
    workload.node.addDependency(runtime);
    const trainJobSpec: TrainJobSpec = {
      runtimeRef: { apiGroup: 'trainer.kubeflow.org', kind: 'TrainingRuntime', name: runtime.name },
      trainer: { numNodes: run.nodes, numProcPerNode: run.processesPerNode },
      activeDeadlineSeconds: run.activeDeadlineSeconds,
      suspend: run.props.suspend,
    };
    workload._setSpec(compact(trainJobSpec));
    advise(scope, 'trainjob-ttl', 'Kubeflow Trainer v2 (TrainJob) has no TTL: the finished TrainJob stays until deleted (ttlAfterFinished is not emitted).');
    return { workload, runtime, pod };
  },
};
