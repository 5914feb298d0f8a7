// The seed's distributed run: 4 nodes x 4 GPUs of fraud-transformer on the Kubeflow
// Training Operator, checkpoints on Filestore (ReadWriteMany: 4 pods mount it), and its
// elastic variant on spot capacity that keeps training with 2 to 4 nodes, its rendezvous on
// an etcd that runs on on-demand capacity. The two warnings about how the team's operator and
// Kueue are configured are acknowledged with the reason, so a synth prints nothing.
import { App, Chart, Size } from 'cdk8s';
import {
  Accelerator, CheckpointStorage, Cpu, DistributedPyTorchJob, PersistentVolumeAccessMode, RendezvousBackend, SpotScheduling,
} from '../src';

export function teamFraudDistributed(app: App): Chart {
  const chart = new Chart(app, 'team-fraud-distributed', { namespace: 'team-fraud' });
  const checkpoints = CheckpointStorage.existingClaim('fraud-checkpoints', PersistentVolumeAccessMode.READ_WRITE_MANY);

  const ddp = new DistributedPyTorchJob(chart, 'fraud-transformer-ddp', {
    name: 'fraud-transformer-ddp',
    image: 'registry.company.com/fraud-trainer:v3.0',
    script: ['train_distributed.py', '--epochs=50'],
    nodes: 4,
    accelerator: Accelerator.nvidiaGpu(4),
    cpu: Cpu.units(16),
    memory: Size.gibibytes(128),
    checkpoint: { storage: checkpoints, subPath: 'ddp' },
    spot: SpotScheduling.gke(),
    onDemandMaster: true,
    queue: 'team-fraud-gpu',
  });
  ddp.acknowledgeRule('init-pytorch-pod-security', 'our Training Operator runs with --pytorch-init-container-template-file (the restricted template)');
  ddp.acknowledgeRule('kueue-pytorchjob', 'our Kueue v0.19 configuration lists the kubeflow.org/pytorchjob integration');

  const elastic = new DistributedPyTorchJob(chart, 'fraud-transformer-elastic', {
    name: 'fraud-transformer-elastic',
    image: 'registry.company.com/fraud-trainer:v3.0',
    script: ['train_distributed.py', '--epochs=50'],
    nodes: 4,
    elastic: { minNodes: 2, maxNodes: 4, rendezvousBackend: RendezvousBackend.ETCD, rendezvousEndpoint: 'etcd-client.team-fraud:2379' },
    accelerator: Accelerator.nvidiaGpu(4),
    memory: Size.gibibytes(128),
    checkpoint: { storage: checkpoints, subPath: 'elastic' },
    spot: SpotScheduling.gke(),
    queue: 'team-fraud-gpu',
  });
  elastic.acknowledgeRule('kueue-pytorchjob', 'our Kueue v0.19 configuration lists the kubeflow.org/pytorchjob integration');

  return chart;
}
