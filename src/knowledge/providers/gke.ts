import { ProviderFacts } from './provider';

/** Google Kubernetes Engine, Standard and Autopilot. */
export const GKE: ProviderFacts = {
  name: 'gke',
  displayName: 'GKE',
  gpuProductLabel: 'cloud.google.com/gke-accelerator',
  spotCapacities: [
    {
      id: 'gke-spot',
      name: 'GKE spot',
      labelKey: 'cloud.google.com/gke-spot',
      labelValue: 'true',
      taintKey: 'cloud.google.com/gke-spot',
      // Standard: the taint is the operator's choice (--node-taints); Autopilot: tolerated for the pod.
      taintOptional: true,
      noticeSeconds: 30,
      // Graceful node shutdown gives non-system pods about 15 of the 30 seconds.
      saveWindowSeconds: 15,
      // GKE 1.35.0-gke.1171000+: a node system config (Standard) or ComputeClass extends the
      // termination period to up to 120 s; critical system pods keep their 15 s.
      maxNoticeSeconds: 120,
      longerNotice: 'a node system config on the node pool (GKE 1.35.0-gke.1171000 or later) or a custom ComputeClass',
      source: 'https://cloud.google.com/kubernetes-engine/docs/concepts/spot-vms',
      taintSource: 'https://cloud.google.com/kubernetes-engine/docs/how-to/autopilot-spot-pods',
    },
    {
      id: 'gke-preemptible',
      name: 'GKE preemptible',
      labelKey: 'cloud.google.com/gke-preemptible',
      labelValue: 'true',
      taintKey: 'cloud.google.com/gke-preemptible',
      taintOptional: true,
      noticeSeconds: 30,
      saveWindowSeconds: 15,
      source: 'https://cloud.google.com/kubernetes-engine/docs/how-to/preemptible-vms',
    },
  ],
  storageClasses: [
    { name: 'standard-rwx', product: 'GKE Filestore', readWriteMany: true, minimumGiB: 1024 },
    { name: 'premium-rwx', product: 'GKE Filestore', readWriteMany: true, minimumGiB: 1024 },
    { name: 'enterprise-rwx', product: 'GKE Filestore', readWriteMany: true, minimumGiB: 1024 },
    { name: 'standard-rwo', product: 'GKE Persistent Disk', readWriteMany: false },
    { name: 'premium-rwo', product: 'GKE Persistent Disk', readWriteMany: false },
    { name: 'standard', product: 'GKE Persistent Disk', readWriteMany: false },
    { name: 'hyperdisk-balanced', product: 'GKE Hyperdisk', readWriteMany: false },
  ],
  sources: [
    'https://cloud.google.com/kubernetes-engine/docs/how-to/gpus',
    'https://cloud.google.com/filestore/docs/csi-driver',
    'https://cloud.google.com/kubernetes-engine/docs/how-to/persistent-volumes/gce-pd-csi-driver',
  ],
};
