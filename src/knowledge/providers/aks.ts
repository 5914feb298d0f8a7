import { ProviderFacts } from './provider';

/** Azure Kubernetes Service. */
export const AKS: ProviderFacts = {
  name: 'aks',
  displayName: 'AKS',
  gpuProductLabel: 'nvidia.com/gpu.product',
  spotCapacities: [
    {
      id: 'aks-spot',
      name: 'AKS spot',
      labelKey: 'kubernetes.azure.com/scalesetpriority',
      labelValue: 'spot',
      taintKey: 'kubernetes.azure.com/scalesetpriority',
      noticeSeconds: 30,
      saveWindowSeconds: 30,
      source: 'https://learn.microsoft.com/en-us/azure/aks/spot-node-pool',
    },
  ],
  storageClasses: [
    { name: 'azurefile-csi', product: 'AKS Azure Files', readWriteMany: true },
    { name: 'azurefile-csi-premium', product: 'AKS Azure Files', readWriteMany: true },
    { name: 'managed-csi', product: 'AKS Azure Disk', readWriteMany: false },
    { name: 'managed-csi-premium', product: 'AKS Azure Disk', readWriteMany: false },
    { name: 'managed', product: 'AKS Azure Disk', readWriteMany: false },
    { name: 'managed-premium', product: 'AKS Azure Disk', readWriteMany: false },
    { name: 'default', product: 'AKS Azure Disk', readWriteMany: false },
  ],
  sources: [
    'https://learn.microsoft.com/en-us/azure/aks/gpu-cluster',
    'https://learn.microsoft.com/en-us/azure/aks/azure-csi-driver-volume-provisioning',
  ],
};
