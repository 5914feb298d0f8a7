/**
 * Kubeflow Trainer v2 (v2.3): a trainer.kubeflow.org TrainJob and the TrainingRuntime it
 * references, which the library emits beside it (the stock `torch-distributed` runtime
 * cannot carry the failure policy).
 */
import { GroupVersionKind } from 'cdk8s';
import { Construct } from 'constructs';
import { EngineObjects, EngineRun, EngineStrategy, PodBuilder } from './engine';
import { jobSetParts, jobSetTemplates, jobSetUnsupported } from './jobset';
import { advise } from '../blocks/advice';
import { RenderedApiObject } from '../blocks/rendered-api-object';
import type { TrainingRuntimeSpec } from '../imports/trainingruntime-trainer.kubeflow.org';
import type { TrainJobSpec } from '../imports/trainjob-trainer.kubeflow.org';
import { compact } from '../k8s/json';
import { WorkloadKind } from '../k8s/workloads';
import { TRAINJOB_ANCESTOR_STEP_LABEL } from '../knowledge/controllers';

/** The custom resources this engine writes (their typed classes in src/imports are used for types only). */
export const TRAIN_JOB_GVK: GroupVersionKind = { apiVersion: 'trainer.kubeflow.org/v1alpha1', kind: 'TrainJob' };
export const TRAINING_RUNTIME_GVK: GroupVersionKind = { apiVersion: 'trainer.kubeflow.org/v1alpha1', kind: 'TrainingRuntime' };

/** A runtime's JobSet template, whose replicated jobs run the TrainJob's pods. */
const runtimeKind = (kind: string): WorkloadKind => ({
  group: 'trainer.kubeflow.org',
  kind,
  training: true,
  podTemplates: (object) => (object.spec?.template?.spec ? jobSetTemplates(object.spec.template.spec, ['spec', 'template', 'spec'], true) : []),
});

/** A TrainJob names its runtime; its pods are the runtime's. */
const TRAIN_JOB: WorkloadKind = { group: 'trainer.kubeflow.org', kind: 'TrainJob', training: true, podTemplates: () => [] };

const TRAINER_MODULE = 'github.com/kubeflow/trainer/v2';

export const trainerV2Engine: EngineStrategy = {
  id: 'trainer-v2',
  displayName: 'Kubeflow Trainer v2 (TrainJob)',
  kinds: [TRAIN_JOB, runtimeKind('TrainingRuntime'), runtimeKind('ClusterTrainingRuntime')],
  crds: [{
    module: TRAINER_MODULE,
    files: [
      { path: 'manifests/base/crds/trainer.kubeflow.org_trainjobs.yaml', types: 'trainjob' },
      { path: 'manifests/base/crds/trainer.kubeflow.org_trainingruntimes.yaml', types: 'trainingruntime' },
      { path: 'manifests/base/crds/trainer.kubeflow.org_clustertrainingruntimes.yaml' },
    ],
  }],

  unsupported: (props) => [
    ...jobSetUnsupported(props, 'Trainer v2 removed elastic training'),
    // Trainer v2.3 torch plugin: one `node` replicated job runs every rank, and a TrainJob's
    // podTemplateOverrides apply to a whole replicated job, so rank 0 cannot be placed apart.
    ['onDemandMaster', props.onDemandMaster === true,
      "the torch runtime runs every node, rank 0 included, from one replicated job ('node'), and pod template overrides apply to all of its pods"],
    ['ttlAfterFinished', props.ttlAfterFinished !== undefined, 'a TrainJob has no TTL'],
  ],

  validate: () => undefined,

  masterOnCommandLine: () => false,

  // The runtime's JobSet failurePolicy counts restarts against maxRestarts (backoffLimit).
  launcherCountsCrashes: () => false,

  build(scope: Construct, run: EngineRun, buildPod: PodBuilder): EngineObjects {
    // Trainer v2 injects the PET_* variables into the `node` container itself.
    const { workload, pod, jobSetSpec } = jobSetParts(scope, run, buildPod, TRAIN_JOB_GVK, () => [],
      { [TRAINJOB_ANCESTOR_STEP_LABEL]: 'trainer' });
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
