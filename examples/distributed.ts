// The seed's distributed run: 4 nodes x 4 GPUs of fraud-transformer on the Kubeflow
// Training Operator, checkpoints on Filestore (ReadWriteMany: 4 pods mount it), and its
// elastic variant on spot capacity that keeps training with 2 to 4 nodes.
import { App, Chart, Size } from 'cdk8s';
import {
  Accelerator, CheckpointStorage, Cpu, DistributedPyTorchJob, PersistentVolumeAccessMode, SpotScheduling,
} from '../src';

export function teamFraudDistributed(app: App): Chart {
  const chart = new Chart(app, 'team-fraud-distributed', { namespace: 'team-fraud' });
  const checkpoints = CheckpointStorage.existingClaim('fraud-checkpoints', PersistentVolumeAccessMode.READ_WRITE_MANY);

  new DistributedPyTorchJob(chart, 'fraud-transformer-ddp', {
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

  new DistributedPyTorchJob(chart, 'fraud-transformer-elastic', {
    name: 'fraud-transformer-elastic',
    image: 'registry.company.com/fraud-trainer:v3.0',
    script: ['train_distributed.py', '--epochs=50'],
    nodes: 4,
    elastic: { minNodes: 2, maxNodes: 4 },
    accelerator: Accelerator.nvidiaGpu(4),
    memory: Size.gibibytes(128),
    checkpoint: { storage: checkpoints, subPath: 'elastic' },
    spot: SpotScheduling.gke(),
    queue: 'team-fraud-gpu',
  });

  return chart;
}
