import { App, Chart, Duration, Size } from 'cdk8s';
import {
  Accelerator, CheckpointStorage, Cpu, ExperimentName, SpotScheduling, SpotTolerantTrainingJob, StorageClasses,
} from 'cdk8s-training';

const app = new App();
const chart = new Chart(app, 'team-fraud', { namespace: 'team-fraud' });

const checkpoints = CheckpointStorage.newClaim({
  claimName: 'fraud-checkpoints',
  storageClassName: StorageClasses.GKE_FILESTORE_STANDARD_RWX,
  size: Size.tebibytes(1),
});

new SpotTolerantTrainingJob(chart, 'fraud-transformer', {
  name: ExperimentName.of('fraud-transformer', { lr: '3e-4', bs: 256, epoch: 50 }),
  image: 'registry.company.com/fraud-trainer:v3.0',
  command: ['python', 'train.py', '--epochs=50', '--batch-size=256'],
  accelerator: Accelerator.nvidiaGpu(4, { product: 'nvidia-tesla-a100' }),
  cpu: Cpu.units(16),
  memory: Size.gibibytes(128),
  checkpoint: { storage: checkpoints, intervalEpochs: 5, saveTime: Duration.seconds(10) },
  spot: SpotScheduling.gke(),
  activeDeadline: Duration.hours(8),
  ttlAfterFinished: Duration.hours(24),
  queue: 'team-fraud-gpu',
  version: 'v3.0',
});

app.synth(); // dist/team-fraud.k8s.yaml
