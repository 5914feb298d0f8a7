/**
 * The upstream files the rules' claims come from, at the versions the project pins (the
 * cluster suite runs the same components): each rule's `sources` cites them, and the rules
 * reference links them.
 */
const K8S = 'https://github.com/kubernetes/kubernetes/blob/v1.37.2';
const TRAINING_OPERATOR = 'https://github.com/kubeflow/training-operator/blob/v1.9.4';

export const SOURCES = {
  batchValidation: `${K8S}/pkg/apis/batch/validation/validation.go`,
  coreValidation: `${K8S}/pkg/apis/core/validation/validation.go`,
  jobController: `${K8S}/pkg/controller/job/job_controller.go`,
  jobStrategy: `${K8S}/pkg/registry/batch/job/strategy.go`,
  ttlController: `${K8S}/pkg/controller/ttlafterfinished/ttlafterfinished_controller.go`,
  cronJobController: `${K8S}/pkg/controller/cronjob/cronjob_controllerv2.go`,
  cronJobUtils: `${K8S}/pkg/controller/cronjob/utils.go`,
  cronParser: 'https://github.com/robfig/cron/blob/v3.0.1/parser.go',
  cronSpec: 'https://github.com/robfig/cron/blob/v3.0.1/spec.go',
  featureGates: `${K8S}/pkg/features/kube_features.go`,
  labelValidation: 'https://github.com/kubernetes/apimachinery/blob/v0.37.2/pkg/util/validation/validation.go',
  nodeAffinity: 'https://github.com/kubernetes/component-helpers/blob/v0.37.2/scheduling/corev1/nodeaffinity/nodeaffinity.go',
  expansion: 'https://github.com/kubernetes/kubernetes/blob/v1.37.2/third_party/forked/golang/expansion/expand.go',
  podDefaults: 'https://github.com/kubernetes/api/blob/v0.37.2/core/v1/types.go',
  pytorchWebhook: `${TRAINING_OPERATOR}/pkg/webhooks/pytorch/pytorchjob_webhook.go`,
  pytorchController: `${TRAINING_OPERATOR}/pkg/controller.v1/pytorch/pytorchjob_controller.go`,
  pytorchEnv: `${TRAINING_OPERATOR}/pkg/controller.v1/pytorch/envvar.go`,
  operatorCommon: `${TRAINING_OPERATOR}/pkg/controller.v1/common/job.go`,
  operatorPods: `${TRAINING_OPERATOR}/pkg/controller.v1/common/pod.go`,
  operatorBackoff: `${TRAINING_OPERATOR}/pkg/core/job.go`,
  jobsetWebhook: 'https://github.com/kubernetes-sigs/jobset/blob/v0.12.0/pkg/webhooks/jobset_webhook.go',
  jobsetFailurePolicy: 'https://github.com/kubernetes-sigs/jobset/blob/v0.12.0/pkg/controllers/failure_policy.go',
  kueueLabels: 'https://github.com/kubernetes-sigs/kueue/blob/v0.19.2/pkg/controller/constants/constants.go',
  trainerConstants: 'https://github.com/kubeflow/trainer/blob/v2.3.0/pkg/constants/constants.go',
  preemptionContract: 'docs/preemption-contract.md',
  gpuFeatureDiscovery: 'https://github.com/NVIDIA/k8s-device-plugin/blob/v0.17.0/internal/lm/resource.go',
  gkeGpus: 'https://cloud.google.com/kubernetes-engine/docs/how-to/gpus',
  karpenterLabels: 'https://karpenter.sh/docs/reference/instance-types/',
  eksGpuLabels: 'https://docs.aws.amazon.com/eks/latest/userguide/ml-workload-placement.html',
  pytorchSharedMemory: 'https://github.com/pytorch/pytorch/blob/v2.5.1/torch/utils/data/dataloader.py',
};
