import { ProviderFacts } from './provider';

/** Amazon EKS, with managed node groups and/or Karpenter. */
export const AWS: ProviderFacts = {
  name: 'aws',
  displayName: 'EKS',
  gpuProductLabel: 'nvidia.com/gpu.product',
  spotCapacities: [
    {
      id: 'eks-spot',
      name: 'EKS spot',
      labelKey: 'eks.amazonaws.com/capacityType',
      labelValue: 'SPOT',
      noticeSeconds: 120,
      saveWindowSeconds: 120,
      source: 'https://docs.aws.amazon.com/eks/latest/userguide/managed-node-groups.html#managed-node-group-capacity-types',
    },
    {
      id: 'karpenter-spot',
      name: 'Karpenter spot',
      labelKey: 'karpenter.sh/capacity-type',
      labelValue: 'spot',
      noticeSeconds: 120,
      saveWindowSeconds: 120,
      source: 'https://karpenter.sh/docs/concepts/scheduling/#well-known-labels',
    },
  ],
  storageClasses: [
    { name: 'efs-sc', product: 'EKS EFS', readWriteMany: true },
    { name: 'gp2', product: 'EKS EBS', readWriteMany: false },
    { name: 'gp3', product: 'EKS EBS', readWriteMany: false },
    { name: 'io1', product: 'EKS EBS', readWriteMany: false },
    { name: 'io2', product: 'EKS EBS', readWriteMany: false },
  ],
  sources: [
    'https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/spot-instance-termination-notices.html',
    'https://github.com/NVIDIA/k8s-device-plugin/blob/v0.17.0/docs/gpu-feature-discovery/README.md',
    'https://docs.aws.amazon.com/eks/latest/userguide/efs-csi.html',
  ],
};
