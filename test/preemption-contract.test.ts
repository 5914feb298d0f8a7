/**
 * The two halves of the preemption contract agree: the reference trainer
 * (examples/trainer/trainer.py) run with the env a SpotTolerantTrainingJob sets, and the
 * Job's podFailurePolicy deciding what each of its exits means.
 */
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Duration } from 'cdk8s';
import { Accelerator, CheckpointInterval, DistributedPyTorchJob, SpotScheduling, SpotTolerantTrainingJob } from '../src';
import { actionFor, replicaRetries } from './util/pod-failure-policy';
import { newChart, only, rwxCheckpoints, synth } from './util/synth';

const TRAINER = path.join(__dirname, '..', 'examples', 'trainer', 'trainer.py');
const EPOCHS = 6;
const STEPS = 5;
const INTERVAL = 2;

const { chart, construct } = (() => {
  const { chart: c } = newChart();
  const job = new SpotTolerantTrainingJob(c, 'train', {
    name: 'contract',
    image: 'trainer:v1',
    command: ['python3', 'trainer.py', `--epochs=${EPOCHS}`],
    checkpoint: { storage: rwxCheckpoints(), intervalEpochs: INTERVAL, saveTime: Duration.seconds(5) },
    spot: SpotScheduling.gke(),
  });
  return { chart: c, construct: job };
})();
const jobObject = only(synth(chart), 'Job');
const policy = jobObject.spec.podFailurePolicy;
const container = jobObject.spec.template.spec.containers[0];

/** The container env with CHECKPOINT_DIR pointing at a local directory standing in for the volume. */
function trainerEnv(checkpointDir: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH };
  for (const variable of container.env) env[variable.name] = variable.value;
  expect(env.CHECKPOINT_DIR).toBe(construct.checkpointMountPath);
  return { ...env, CHECKPOINT_DIR: checkpointDir, ...extra };
}

interface Run {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exit: Promise<number | null>;
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>;
}

function start(checkpointDir: string, extraEnv: NodeJS.ProcessEnv = {}, stepSeconds = 0.02): Run {
  const child = spawn('python3', [TRAINER, `--epochs=${EPOCHS}`, `--steps-per-epoch=${STEPS}`, `--step-seconds=${stepSeconds}`], {
    env: trainerEnv(checkpointDir, extraEnv),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const waiters: Array<() => void> = [];
  child.stdout!.on('data', (chunk) => {
    text += chunk.toString();
    waiters.splice(0).forEach((wake) => wake());
  });
  child.stderr!.on('data', (chunk) => { text += chunk.toString(); });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    output: () => text,
    exit,
    async waitFor(pattern) {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const match = text.match(pattern);
        if (match) return match;
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`never saw ${pattern} in:\n${text}`);
        await new Promise<void>((wake) => { waiters.push(wake); setTimeout(wake, 200); });
      }
    },
  };
}

function position(epoch: string, step: string): number {
  return Number(epoch) * STEPS + Number(step);
}

const python = spawnSync('python3', ['--version']);
const describeWithPython = python.status === 0 ? describe : describe.skip;

describeWithPython('the preemption contract, end to end', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-training-contract-')); });

  test('SIGTERM: emergency checkpoint, an exit the policy ignores, and a resume that loses at most one interval', async () => {
    const first = start(dir);
    const [, epoch, step] = await first.waitFor(/progress epoch=(3) step=(2)/);
    first.child.kill('SIGTERM');
    const code = await first.exit;
    expect(code).toBe(construct.preemptionExitCode);
    expect(actionFor(policy, { exitCodes: { [container.name]: code! } })).toBe('Ignore');
    expect(first.output()).toMatch(/checkpoint epoch=\d+ step=\d+ reason=sigterm/);

    const second = start(dir);
    const [, resumedEpoch, resumedStep] = await second.waitFor(/resumed epoch=(\d+) step=(\d+)/);
    expect(position(resumedEpoch, resumedStep)).toBeGreaterThanOrEqual(position(epoch, step) - INTERVAL * STEPS);
    expect(await second.exit).toBe(0);
    expect(second.output()).toMatch(/training complete/);
  });

  test('a disruption is ignored whatever the exit code', () => {
    expect(actionFor(policy, { exitCodes: { [container.name]: 137 }, conditions: ['DisruptionTarget'] })).toBe('Ignore');
  });

  test('a crash counts against backoffLimit; a configuration error fails the Job', () => {
    expect(actionFor(policy, { exitCodes: { [container.name]: 1 } })).toBe('Count');
    const bad = spawnSync('python3', [TRAINER, '--epochs=2'], { env: trainerEnv(path.join(dir, 'missing')), encoding: 'utf8' });
    expect(bad.stdout).toMatch(/configuration error: CHECKPOINT_DIR=.* is not a writable directory/);
    expect(bad.status).toBe(Number(container.env.find((e: any) => e.name === 'CONFIG_ERROR_EXIT_CODE').value));
    expect(actionFor(policy, { exitCodes: { [container.name]: bad.status! } })).toBe('FailJob');
    const badArgs = spawnSync('python3', [TRAINER, '--epochs=many'], { env: trainerEnv(dir), encoding: 'utf8' });
    expect(actionFor(policy, { exitCodes: { [container.name]: badArgs.status! } })).toBe('FailJob');
  });

  test('SIGKILL in the middle of a checkpoint write: the next start finds a complete checkpoint', async () => {
    // Slow steps (0.2 s) leave two seconds before the next checkpoint, so the kill lands first.
    const first = start(dir, { TRAINER_SLOW_WRITE_SECONDS: '0' }, 0.2);
    await first.waitFor(/checkpoint epoch=2 step=0 reason=interval/);
    first.child.kill('SIGKILL');
    await first.exit;

    const slow = start(dir, { TRAINER_SLOW_WRITE_SECONDS: '30' });
    await slow.waitFor(/checkpoint-write-started ckpt-000004-000000.json/);
    slow.child.kill('SIGKILL');
    await slow.exit;
    expect(fs.readdirSync(dir).some((name) => name.startsWith('.tmp-'))).toBe(true);

    const third = start(dir);
    await third.waitFor(/removed partial checkpoint \.tmp-/);
    const [, epoch, step] = await third.waitFor(/resumed epoch=(\d+) step=(\d+)/);
    expect([Number(epoch), Number(step)]).toEqual([2, 0]);
    expect(await third.exit).toBe(0);
  });

  test('DistributedPyTorchJob: the ExitCode policy retries the SIGTERM exit and not a configuration error', async () => {
    const { chart: c } = newChart();
    new DistributedPyTorchJob(c, 'ddp', {
      name: 'ddp',
      image: 'trainer:v1',
      script: ['trainer.py'],
      nodes: 2,
      accelerator: Accelerator.nvidiaGpu(1),
      checkpoint: { storage: rwxCheckpoints(), intervalEpochs: INTERVAL },
    });
    const worker = only(synth(c), 'PyTorchJob').spec.pytorchReplicaSpecs.Worker;
    const env = Object.fromEntries(worker.template.spec.containers[0].env.map((e: any) => [e.name, e.value]));

    const run = start(dir, { PREEMPTION_EXIT_CODE: env.PREEMPTION_EXIT_CODE, CONFIG_ERROR_EXIT_CODE: env.CONFIG_ERROR_EXIT_CODE });
    await run.waitFor(/progress epoch=1 step=1/);
    run.child.kill('SIGTERM');
    const preempted = await run.exit;
    expect(replicaRetries(worker.restartPolicy, preempted!)).toBe(true);

    const bad = spawnSync('python3', [TRAINER, '--epochs=2'], { env: { ...trainerEnv(path.join(dir, 'missing')), CONFIG_ERROR_EXIT_CODE: env.CONFIG_ERROR_EXIT_CODE }, encoding: 'utf8' });
    expect(replicaRetries(worker.restartPolicy, bad.status!)).toBe(false);
    expect(replicaRetries(worker.restartPolicy, 1)).toBe(false);
  });

  test('runs to completion with exit 0, and only then', async () => {
    const run = start(dir, {}, 0);
    expect(await run.exit).toBe(0);
    expect(run.output()).toMatch(/checkpoint epoch=6 step=0 reason=interval/);
    expect(run.output()).toMatch(/training complete/);
  });
});

describe('a time-based checkpoint interval (CheckpointInterval, #27 item 12)', () => {
  test('youngDaly: Daly\'s higher-order optimum from the save time and the mean time between interruptions', () => {
    // C = 60 s, M = 6 h: sqrt(2CM) = 1610 s; Daly's correction and - C give 1570 s (26 min).
    const interval = CheckpointInterval.youngDaly(Duration.minutes(1), Duration.hours(6));
    expect(interval.interval.toSeconds()).toBe(1570);
    expect(interval.expectedLostWork.toSeconds()).toBe(815); // (T + C) / 2
    // A cheap save: close to Young's sqrt(2CM) - C.
    const x = 2 / (2 * 86400);
    expect(CheckpointInterval.youngDaly(Duration.seconds(2), Duration.hours(24)).interval.toSeconds())
      .toBe(Math.round(Math.sqrt(2 * 2 * 86400) * (1 + Math.sqrt(x) / 3 + x / 9) - 2));
    // A save as long as two mean times between interruptions: checkpoint every M.
    expect(CheckpointInterval.youngDaly(Duration.hours(2), Duration.hours(1)).interval.toSeconds()).toBe(3600);
    expect(() => CheckpointInterval.youngDaly(Duration.seconds(0), Duration.hours(1))).toThrow(/must both be positive durations/);
    expect(() => CheckpointInterval.every(Duration.millis(500))).toThrow(/a whole number of seconds, at least 1/);
  });

  test('the construct passes CHECKPOINT_INTERVAL_SECONDS instead of epochs, and refuses both', () => {
    const { chart: c } = newChart();
    new SpotTolerantTrainingJob(c, 'train', {
      image: 'trainer:v1',
      command: ['python3', 'trainer.py', '--epochs=1'],
      checkpoint: { storage: rwxCheckpoints(), interval: CheckpointInterval.youngDaly(Duration.minutes(1), Duration.hours(6)) },
    });
    const env = only(synth(c), 'Job').spec.template.spec.containers[0].env;
    expect(env).toEqual(expect.arrayContaining([{ name: 'CHECKPOINT_INTERVAL_SECONDS', value: '1570' }]));
    expect(env.map((e: any) => e.name)).not.toContain('CHECKPOINT_INTERVAL_EPOCHS');
    const { chart: both } = newChart();
    expect(() => new SpotTolerantTrainingJob(both, 'train', {
      image: 'trainer:v1',
      command: ['python3', 'trainer.py', '--epochs=1'],
      checkpoint: { storage: rwxCheckpoints(), intervalEpochs: 2, interval: CheckpointInterval.every(Duration.minutes(20)) },
    })).toThrow('checkpoint.interval (1200 seconds) and checkpoint.intervalEpochs (2) are both set; the trainer checkpoints on one of them: keep one.');
  });

  test('the reference trainer, run with that env, checkpoints by time inside an epoch', async () => {
    const { chart: c } = newChart();
    new SpotTolerantTrainingJob(c, 'train', {
      image: 'trainer:v1',
      command: ['python3', 'trainer.py', '--epochs=1'],
      checkpoint: { storage: rwxCheckpoints(), interval: CheckpointInterval.every(Duration.seconds(1)) },
    });
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH };
    for (const variable of only(synth(c), 'Job').spec.template.spec.containers[0].env) env[variable.name] = variable.value;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trainer-interval-'));
    // One epoch of 12 steps of 0.25 s (3 s): by time, regular checkpoints land inside the epoch.
    const run = spawnSync('python3', [TRAINER, '--epochs=1', '--steps-per-epoch=12', '--step-seconds=0.25'],
      { env: { ...env, CHECKPOINT_DIR: dir }, encoding: 'utf8' });
    expect(run.status).toBe(0);
    const inside = [...run.stdout.matchAll(/^checkpoint epoch=0 step=(\d+) reason=interval$/gm)].map((m) => Number(m[1]));
    expect(inside.length).toBeGreaterThanOrEqual(2);
    for (const step of inside) expect(step).toBeGreaterThanOrEqual(4); // at least 1 s (4 steps) apart from the start
    expect(run.stdout).toMatch(/^checkpoint epoch=1 step=0 reason=interval$/m);
  });
});
