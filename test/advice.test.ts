/**
 * #13 item 5: every construct warning has an id, is printed once per synth, and can be
 * acknowledged like a rule; durations read as the user wrote them.
 */
import { Duration, Size } from 'cdk8s';
import {
  Accelerator, CheckpointStorage, DistributedPyTorchJob, DistributedPyTorchJobProps, SpotScheduling, SpotTolerantTrainingJob,
  StorageClasses, TrainingEngine, Warnings,
} from '../src';
import { newChart, rwxCheckpoints, warningsOf } from './util/synth';
import { ADVICE } from '../src/blocks/advice';
import { renderRulesReference } from '../src/cli/rules-reference';

const ddpProps: DistributedPyTorchJobProps = {
  name: 'ddp',
  image: 'registry.example.com/trainer:latest',
  script: ['train.py'],
  nodes: 3,
  accelerator: Accelerator.nvidiaGpu(1),
  memory: Size.gibibytes(8),
  checkpoint: { storage: rwxCheckpoints(), saveTime: Duration.seconds(25) },
  spot: SpotScheduling.gke(),
  queue: 'team-gpu',
};

const ids = (warnings: string[]) => warnings.map((w) => /\[warning ([a-z0-9-]+)\]/.exec(w)?.[1]).filter((id) => id !== undefined).sort();

describe('construct warnings', () => {
  test('each carries an id and is printed once, however often the app synthesizes', () => {
    const { app, chart } = newChart();
    new DistributedPyTorchJob(chart, 'ddp', ddpProps);
    app.synth();
    app.synth();
    expect(ids(warningsOf(chart))).toEqual(['checkpoint-save-time', 'image-tag', 'init-pytorch-pod-security', 'kueue-pytorchjob', 'master-on-spot']);
  });

  test('acknowledgeRule turns each off for the construct, with its reason', () => {
    const { chart } = newChart();
    const job = new DistributedPyTorchJob(chart, 'ddp', ddpProps);
    for (const id of ['checkpoint-save-time', 'image-tag', 'init-pytorch-pod-security', 'kueue-pytorchjob', 'master-on-spot']) {
      job.acknowledgeRule(id, 'platform runs the operator with the restricted template and Kueue with the integration');
    }
    expect(warningsOf(chart)).toEqual([]);
    expect(job.acknowledgedRules).toContain('kueue-pytorchjob: platform runs the operator with the restricted template and Kueue with the integration');
  });

  test('the Trainer v2 TTL and the JobSet deadline warnings too; durations read as written (8 hours)', () => {
    const { chart } = newChart();
    const common = { ...ddpProps, image: 'registry.example.com/trainer:v1', checkpoint: { storage: rwxCheckpoints() } };
    const trainer = new DistributedPyTorchJob(chart, 'tj', { ...common, name: 'tj', checkpoint: { ...common.checkpoint, subPath: 'tj' }, engine: TrainingEngine.trainerV2() });
    new DistributedPyTorchJob(chart, 'js', { ...common, name: 'js', checkpoint: { ...common.checkpoint, subPath: 'js' }, engine: TrainingEngine.jobSet() });
    trainer.acknowledgeRule('trainjob-ttl', 'a nightly CronJob deletes finished TrainJobs');
    const warnings = warningsOf(chart);
    expect(ids(warnings)).toEqual(['jobset-deadline']);
    expect(warnings[0]).toMatch(/activeDeadline \(8 hours\) bounds each attempt/);
    expect(warnings.join('\n')).not.toMatch(/60 minutes/);
  });

  test('a small Filestore claim warns on the construct that binds it; acknowledging it there silences it', () => {
    const { chart } = newChart();
    const storage = CheckpointStorage.newClaim({ storageClassName: StorageClasses.GKE_FILESTORE_STANDARD_RWX, size: Size.gibibytes(100) });
    const job = new SpotTolerantTrainingJob(chart, 'train', { name: 'train', image: 'registry.example.com/trainer:v1', command: ['python', 'train.py'], checkpoint: { storage } });
    expect(ids(Warnings.of(chart))).toEqual([]); // reported at synth, not before
    job.acknowledgeRule('checkpoint-claim-size', 'the class rounds up; we pay for 1 TiB knowingly');
    expect(ids(warningsOf(chart))).toEqual([]);
  });

  test('an unknown id is refused naming where the ids are', () => {
    const { chart } = newChart();
    const job = new SpotTolerantTrainingJob(chart, 'train', { name: 'train', image: 'registry.example.com/trainer:v1', command: ['python', 'train.py'], checkpoint: { storage: rwxCheckpoints() } });
    expect(() => job.acknowledgeRule('master-on-spot-typo', 'x')).toThrow("acknowledgeRule: 'master-on-spot-typo' is not a rule or warning of cdk8s-training; see docs/rules.md for the ids.");
  });

  test('docs/rules.md lists every construct warning', () => {
    const reference = renderRulesReference();
    for (const advice of ADVICE) expect(reference).toContain(`| \`${advice.id}\` | ${advice.what} |`);
  });
});
