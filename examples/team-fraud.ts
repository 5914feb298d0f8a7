// The seed scenario: a 4-GPU fraud-transformer training run on GKE Spot VMs that must
// survive preemption, with its checkpoints on Filestore (ReadWriteMany).
import { App, Chart, Cron, Duration, Size } from 'cdk8s';
import {
  Accelerator,
  CheckpointStorage,
  Cpu,
  ExperimentName,
  HyperparameterSweep,
  ScheduledRetrain,
  SpotScheduling,
  SpotTolerantTrainingJob,
  StorageClasses,
  SweepAxis,
  TrainerCommand,
} from '../src';

export function teamFraud(app: App): Chart {
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

  // Weekly full retrain, Sundays 02:00 UTC, on the last 30 days of data. Kubernetes runs
  // no shell, so the date window is computed by `sh -c` that then execs the trainer
  // (SIGTERM still reaches it). The image needs GNU date for '30 days ago'.
  new ScheduledRetrain(chart, 'weekly-retrain', {
    name: 'fraud-weekly-retrain',
    schedule: Cron.schedule({ minute: '0', hour: '2', weekDay: '0' }),
    timeZone: 'Etc/UTC',
    image: 'registry.company.com/fraud-trainer:latest-stable',
    command: TrainerCommand.shell('python retrain.py --data-start-date="$(date -u -d \'30 days ago\' +%F)"'),
    accelerator: Accelerator.nvidiaGpu(4),
    memory: Size.gibibytes(128),
    checkpoint: { storage: checkpoints, subPath: 'weekly-retrain' },
    spot: SpotScheduling.gke(),
    activeDeadline: Duration.hours(12),
    queue: 'team-fraud-gpu',
  });

  // Learning rate x batch size x warmup: 16 trials, 8 at a time, one spot GPU each. Each pod
  // reads its own point as HP_LR, HP_BATCH_SIZE, HP_WARMUP and /sweep/trial.json.
  new HyperparameterSweep(chart, 'lr-sweep', {
    name: 'fraud-lr-sweep',
    image: 'registry.company.com/fraud-trainer:v3.0',
    command: ['python', 'train.py', '--epochs=10'],
    grid: [
      SweepAxis.of('lr', ['1e-4', '3e-4']),
      SweepAxis.of('batch_size', ['128', '256']),
      SweepAxis.of('warmup', ['0', '500', '1000', '2000']),
    ],
    parallelism: 8,
    accelerator: Accelerator.nvidiaGpu(1),
    memory: Size.gibibytes(32),
    checkpoint: { storage: checkpoints, subPath: 'lr-sweep' },
    spot: SpotScheduling.gke(),
    queue: 'team-fraud-gpu',
  });

  return chart;
}
