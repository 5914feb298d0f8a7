import { GroupVersionKind } from 'cdk8s';

/**
 * Group, version and kind of the custom resources the library emits. Their typed classes in
 * src/imports (`cdk8s import` of the pinned operator modules' CRDs) are imported for types only, so requiring
 * the package does not load 3.5 MB of generated code; a test holds these equal to the
 * generated classes' GVK.
 */
export const PYTORCH_JOB_GVK: GroupVersionKind = { apiVersion: 'kubeflow.org/v1', kind: 'PyTorchJob' };
export const TRAIN_JOB_GVK: GroupVersionKind = { apiVersion: 'trainer.kubeflow.org/v1alpha1', kind: 'TrainJob' };
export const TRAINING_RUNTIME_GVK: GroupVersionKind = { apiVersion: 'trainer.kubeflow.org/v1alpha1', kind: 'TrainingRuntime' };
export const JOBSET_GVK: GroupVersionKind = { apiVersion: 'jobset.x-k8s.io/v1alpha2', kind: 'JobSet' };
