import { ProviderFacts } from './provider';
import { EKS_AUTO_MODE_GPU_NAME_LABEL, KARPENTER_GPU_NAME_LABEL } from '../gpu';

/**
 * Amazon EKS, with managed node groups, Karpenter or EKS Auto Mode. The GPU model label differs
 * by provisioner (EKS user guide, "Target AI/ML workloads to specific nodes with labels"):
 * feature discovery's `nvidia.com/gpu.product` on managed node groups that run the NVIDIA GPU
 * operator, Karpenter's `karpenter.k8s.aws/instance-gpu-name`, Auto Mode's
 * `eks.amazonaws.com/instance-gpu-name` (both short lower-case names, `a100`).
 */
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
      gpuProductLabel: KARPENTER_GPU_NAME_LABEL,
    },
    {
      id: 'eks-auto-mode-spot',
      name: 'EKS Auto Mode spot',
      labelKey: 'karpenter.sh/capacity-type',
      labelValue: 'spot',
      noticeSeconds: 120,
      saveWindowSeconds: 120,
      source: 'https://docs.aws.amazon.com/eks/latest/userguide/create-node-pool.html',
      gpuProductLabel: EKS_AUTO_MODE_GPU_NAME_LABEL,
      sameNodesAs: 'karpenter-spot',
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
