import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Size } from 'cdk8s';
import {
  Accelerator,
  CheckpointStorage,
  EnvValue,
  HyperparameterSweep,
  HyperparameterSweepProps,
  KubernetesVersion,
  PersistentVolumeAccessMode,
  SpotScheduling,
  SweepAxis,
  TrainerCommand,
} from '../src';
import { expectConformant } from './util/conformance';
import { newChart, only, rwxCheckpoints, synth, warningsOf } from './util/synth';

const SEED_GRID = () => [
  SweepAxis.of('lr', ['1e-4', '3e-4']),
  SweepAxis.of('batch_size', ['128', '256']),
  SweepAxis.of('warmup', ['0', '500', '1000', '2000']),
];

function sweep(overrides: Partial<HyperparameterSweepProps> = {}) {
  const { chart } = newChart();
  const construct = new HyperparameterSweep(chart, 'sweep', {
    name: 'lr-sweep',
    image: 'trainer:v1',
    command: ['python', 'train.py'],
    grid: SEED_GRID(),
    parallelism: 8,
    accelerator: Accelerator.nvidiaGpu(1),
    spot: SpotScheduling.gke(),
    checkpoint: { storage: rwxCheckpoints() },
    ...overrides,
  });
  return { chart, construct };
}

function synthSweep(overrides: Partial<HyperparameterSweepProps> = {}) {
  const { chart, construct } = sweep(overrides);
  const objects = synth(chart);
  expectConformant(objects, { kubernetesMinor: construct.kubernetesVersion.minor });
  const job = only(objects, 'Job');
  return { construct, objects, job, pod: job.spec.template.spec, configMap: only(objects, 'ConfigMap') };
}

/** Runs the pod's init container and trainer wrapper with /bin/sh, as the kubelet would, for one index. */
function podView(objects: any[], index: number): { json: any; env: { [name: string]: string } } {
  const job = only(objects, 'Job');
  const configMap = only(objects, 'ConfigMap');
  const init = job.spec.template.spec.initContainers[0];
  const trainer = job.spec.template.spec.containers[0];
  const grid = fs.mkdtempSync(path.join(os.tmpdir(), 'sweep-grid-'));
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'sweep-out-'));
  for (const [key, value] of Object.entries<string>(configMap.data)) fs.writeFileSync(path.join(grid, key), value);
  // The mounts are /sweep-grid and /sweep in the pod; here they are temp folders.
  const [shell, flag, script, name] = init.command;
  const decoded = spawnSync(shell, [flag, script, name, grid, out], { env: { PATH: process.env.PATH, TRIAL_INDEX: String(index) }, encoding: 'utf8' });
  expect(decoded.stderr).toBe('');
  expect(decoded.status).toBe(0);
  const [tShell, tFlag, tScript, tName] = trainer.command;
  const wrapper = tScript.replace('/sweep/trial.env', path.join(out, 'trial.env'));
  const ran = spawnSync(tShell, [tFlag, wrapper, tName, 'env'], { env: { PATH: process.env.PATH }, encoding: 'utf8' });
  expect(ran.status).toBe(0);
  const env = Object.fromEntries(ran.stdout.trim().split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
  return { json: JSON.parse(fs.readFileSync(path.join(out, 'trial.json'), 'utf8')), env };
}

describe('HyperparameterSweep (the seed: 16 trials, 8 at a time)', () => {
  const { construct, objects, job, pod, configMap } = synthSweep();

  test('is a conformant Indexed Job with completions = grid size', () => {
    expect(job.spec).toMatchObject({ completionMode: 'Indexed', completions: 16, parallelism: 8 });
    expect(construct.completions).toBe(16);
    expect(objects.map((o) => o.kind).sort()).toEqual(['ConfigMap', 'Job', 'PersistentVolumeClaim']);
    expect(objects).toMatchSnapshot();
  });

  test('every grid point appears exactly once, as the pods decode it', () => {
    const seen = new Set<string>();
    for (let index = 0; index < 16; index++) {
      const { json, env } = podView(objects, index);
      expect(json).toEqual(construct.assignment(index));
      expect(env).toMatchObject({ HP_LR: json.lr, HP_BATCH_SIZE: json.batch_size, HP_WARMUP: json.warmup });
      seen.add(JSON.stringify(json));
    }
    expect(seen.size).toBe(16);
    const expected = new Set<string>();
    for (const lr of ['1e-4', '3e-4']) for (const bs of ['128', '256']) for (const w of ['0', '500', '1000', '2000']) expected.add(JSON.stringify({ lr, batch_size: bs, warmup: w }));
    expect(seen).toEqual(expected);
  });

  test('index 0 and the last index decode to the grid corners', () => {
    expect(podView(objects, 0).json).toEqual({ lr: '1e-4', batch_size: '128', warmup: '0' });
    expect(podView(objects, 15).json).toEqual({ lr: '3e-4', batch_size: '256', warmup: '2000' });
    expect(podView(objects, 5).json).toEqual({ lr: '1e-4', batch_size: '256', warmup: '500' });
  });

  test('the trainer is exec\'d behind a wrapper that loads its parameters, with its own checkpoint folder', () => {
    const trainer = pod.containers[0];
    expect(trainer.command.slice(3)).toEqual(['sweep-trial', 'python', 'train.py']);
    expect(trainer.command[2]).toMatch(/exec "\$@"$/);
    const mount = trainer.volumeMounts.find((m: any) => m.name === 'checkpoints');
    expect(mount).toEqual({ name: 'checkpoints', mountPath: '/checkpoints', subPathExpr: expect.stringMatching(/^grid-[0-9a-f]{8}\/trial-\$\(TRIAL_INDEX\)$/) });
    expect(trainer.env).toContainEqual({ name: 'SWEEP_ASSIGNMENT_FILE', value: '/sweep/trial.json' });
  });

  test('trial folders are named after the grid: the same grid resumes its trials, another grid never resumes a trial of other parameters', () => {
    const folderOf = (overrides: Partial<HyperparameterSweepProps>) =>
      synthSweep(overrides).pod.containers[0].volumeMounts.find((m: any) => m.name === 'checkpoints').subPathExpr;
    const seed = folderOf({});
    expect(folderOf({})).toBe(seed);
    // A value added to the last axis moves trial 4 from (1e-4, 256, 0) to (1e-4, 128, 4000): a new folder.
    const grown = folderOf({ grid: [...SEED_GRID().slice(0, 2), SweepAxis.of('warmup', ['0', '500', '1000', '2000', '4000'])] });
    const reordered = folderOf({ grid: [SEED_GRID()[1], SEED_GRID()[0], SEED_GRID()[2]] });
    expect(new Set([seed, grown, reordered]).size).toBe(3);
    // Where trial i's checkpoints are, for a user fetching results; under checkpoint.subPath when set.
    const underSubPath = sweep({ checkpoint: { storage: rwxCheckpoints(), subPath: 'lr-sweep/' } }).construct;
    expect(underSubPath.trialCheckpointPath(5)).toBe(`lr-sweep/${seed.split('/')[0]}/trial-5`);
    expect(() => underSubPath.trialCheckpointPath(16)).toThrow(/index must be a whole number from 0 to 15/);
    expect(() => sweep({ checkpoint: undefined, noCheckpointReason: 'smoke' }).construct.trialCheckpointPath(0)).toThrow(/no checkpoint storage/);
  });

  test('the grid ConfigMap holds each axis once', () => {
    expect(Object.keys(configMap.data).sort()).toEqual(['axis-0.env', 'axis-0.json', 'axis-1.env', 'axis-1.json', 'axis-2.env', 'axis-2.json']);
    expect(configMap.data['axis-2.json']).toBe('"warmup": "0"\n"warmup": "500"\n"warmup": "1000"\n"warmup": "2000"\n');
  });

  test('spot, GPU and the failure policy as the other constructs', () => {
    expect(pod.nodeSelector).toEqual({ 'cloud.google.com/gke-spot': 'true' });
    expect(pod.containers[0].resources.limits['nvidia.com/gpu']).toBe(1);
    expect(job.spec.podFailurePolicy.rules.map((r: any) => r.action)).toEqual(['Ignore', 'Ignore', 'FailJob']);
    expect(job.spec.backoffLimit).toBe(16);
  });
});

describe('HyperparameterSweep options', () => {
  test('explicit trials run after the grid, and values with quotes survive the shell', () => {
    const { objects, construct } = synthSweep({
      grid: [SweepAxis.of('lr', ['1e-4', '3e-4'])],
      trials: [{ lr: '1e-3', note: "it's \"quoted\" $(not run)" }],
      parallelism: 1,
    });
    expect(construct.completions).toBe(3);
    expect(podView(objects, 1).json).toEqual({ lr: '3e-4' });
    const last = podView(objects, 2);
    expect(last.json).toEqual({ lr: '1e-3', note: "it's \"quoted\" $(not run)" });
    expect(last.env.HP_NOTE).toBe("it's \"quoted\" $(not run)");
  });

  test('trials only', () => {
    const { objects } = synthSweep({ grid: undefined, trials: [{ a: '1' }, { a: '2', b: 'x' }], parallelism: 2 });
    expect(podView(objects, 1).json).toEqual({ a: '2', b: 'x' });
  });

  test('per-index retries on 1.29+: backoffLimitPerIndex, maxFailedIndexes, FailIndex for config errors, podReplacementPolicy Failed', () => {
    const { job } = synthSweep({ kubernetesVersion: KubernetesVersion.V1_29, backoffLimitPerIndex: 1, maxFailedIndexes: 4 });
    expect(job.spec).toMatchObject({ backoffLimitPerIndex: 1, maxFailedIndexes: 4, podReplacementPolicy: 'Failed' });
    expect(job.spec.backoffLimit).toBeUndefined();
    expect(job.spec.podFailurePolicy.rules[2].action).toBe('FailIndex');
  });

  test('a generated name fits the hostname budget of 100,000 trials', () => {
    const { chart } = newChart();
    const big = new HyperparameterSweep(chart, 'a-rather-long-construct-id-for-a-very-large-sweep-of-learning-rates', {
      image: 'trainer:v1',
      command: ['python', 'train.py'],
      noCheckpointReason: 'bench',
      grid: [SweepAxis.of('a', Array.from({ length: 100 }, (_, i) => `${i}`)), SweepAxis.of('b', Array.from({ length: 1000 }, (_, i) => `${i}`))],
    });
    expect(big.completions).toBe(100000);
    expect(`${big.name}-99999`.length).toBeLessThanOrEqual(63);
    const objects = synth(chart);
    const largest = Math.max(...objects.map((o) => Buffer.byteLength(JSON.stringify(o))));
    expect(largest).toBeLessThan(64 * 1024);
    expect(podView(objects, 99999).json).toEqual({ a: '99', b: '999' });
    expect(podView(objects, 12345).json).toEqual({ a: '12', b: '345' });
  });
});

describe("a trial's values as flags (#13 item 7)", () => {
  test('TrainerCommand.shell(\'... --lr="$HP_LR"\') is accepted, and the pod runs it with its own values', () => {
    const { objects, construct } = synthSweep({ command: TrainerCommand.shell('echo --lr="$HP_LR" --bs="$HP_BATCH_SIZE"') });
    const job = only(objects, 'Job');
    const configMap = only(objects, 'ConfigMap');
    const grid = fs.mkdtempSync(path.join(os.tmpdir(), 'sweep-grid-'));
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'sweep-out-'));
    for (const [key, value] of Object.entries<string>(configMap.data)) fs.writeFileSync(path.join(grid, key), value);
    const [shell, flag, script, name] = job.spec.template.spec.initContainers[0].command;
    expect(spawnSync(shell, [flag, script, name, grid, out], { env: { PATH: process.env.PATH, TRIAL_INDEX: '3' } }).status).toBe(0);
    const [tShell, tFlag, tScript, ...rest] = job.spec.template.spec.containers[0].command;
    const ran = spawnSync(tShell, [tFlag, tScript.replace('/sweep/trial.env', path.join(out, 'trial.env')), ...rest], { env: { PATH: process.env.PATH }, encoding: 'utf8' });
    const point = construct.assignment(3);
    expect(ran.stdout.trim()).toBe(`--lr=${point.lr} --bs=${point.batch_size}`);
  });

  test("a user env var with an axis's HP_* name is refused", () => {
    expect(() => sweep({ env: { HP_LR: EnvValue.fromValue('1') } })).toThrow(/env: 'HP_LR' is also a sweep axis's variable/);
    expect(() => sweep({ env: { HP_OTHER: EnvValue.fromValue('1') } })).not.toThrow();
  });

  test("'$(HP_LR)' is refused with what to write instead, and its fix does not suggest $(VAR)", () => {
    const { chart } = sweep({ command: ['python', 'train.py', '--lr=$(HP_LR)'] });
    let message = '';
    try { synth(chart); } catch (e) { message = (e as Error).message; }
    expect(message).toMatch(/'\$\(HP_LR\)', which Kubernetes cannot expand.*Fix: Pass it through a shell.*TrainerCommand.shell\('python train.py --flag="\$HP_LR"'\)/);
    expect(message).not.toMatch(/\$\(VAR\)/);
  });

  test('parallelism above the number of trials names the trials, not a completions prop; a helper image without a tag is warned about', () => {
    expect(() => sweep({ grid: [SweepAxis.of('lr', ['1', '2'])], parallelism: 4 }))
      .toThrow('parallelism (4) must not exceed the 2 trials of the sweep; set parallelism to at most 2.');
    const { chart } = sweep({ helperImage: 'busybox' });
    expect(warningsOf(chart).join('\n')).toMatch(/\[warning image-tag\] helperImage \('busybox'\) has no tag/);
  });

  test('a nested shell without exec is still refused, and messages name no internals', () => {
    const { chart } = sweep({ command: ['sh', '-c', 'cd /work && python train.py --lr="$HP_LR"'] });
    let message = '';
    try { synth(chart); } catch (e) { message = (e as Error).message; }
    expect(message).toMatch(/runs a sh script that does not exec its last command: "cd \/work && python train.py --lr=\"\$HP_LR\""/);
    expect(message).not.toMatch(/shell parameter/);
  });
});

describe('HyperparameterSweep bad input', () => {
  test.each<[string, () => Partial<HyperparameterSweepProps>, RegExp | string]>([
    ['the name leaves no room for the index', () => ({ name: 'x'.repeat(61) }), /has 61 characters; a sweep name longer than 60 breaks the hostnames '<name>-<index>' of its 16 pods/],
    ['parallelism exceeds the trials', () => ({ parallelism: 17 }), 'parallelism (17) must not exceed the 16 trials of the sweep; set parallelism to at most 16.'],
    ['grid and trials are empty', () => ({ grid: [] }), /grid and trials are both empty/],
    ['an axis appears twice', () => ({ grid: [SweepAxis.of('lr', ['1']), SweepAxis.of('lr', ['2'])] }), /axis 'lr' appears twice/],
    ['two axes map to one env var', () => ({ grid: [SweepAxis.of('lr', ['1']), SweepAxis.of('LR', ['2'])] }), /both become HP_LR/],
    ['there is no command', () => ({ command: undefined }), /command is required/],
    ['backoffLimitPerIndex on 1.28', () => ({ backoffLimitPerIndex: 1, kubernetesVersion: KubernetesVersion.V1_28 }), /backoffLimitPerIndex \(1\) needs Kubernetes 1.29\+: it is alpha in 1.28 and its apiserver would drop it silently/],
    ['maxFailedIndexes without backoffLimitPerIndex', () => ({ maxFailedIndexes: 2 }), /maxFailedIndexes \(2\) needs backoffLimitPerIndex/],
    ['maxFailedIndexes exceeds the trials', () => ({ kubernetesVersion: KubernetesVersion.V1_29, backoffLimitPerIndex: 1, maxFailedIndexes: 17 }), /maxFailedIndexes \(17\) must not exceed the number of trials \(16\)/],
    ['a ReadWriteOnce claim is shared by 8 trials', () => ({ checkpoint: { storage: CheckpointStorage.existingClaim('rwo', PersistentVolumeAccessMode.READ_WRITE_ONCE) } }), /ReadWriteOnce but up to 8 pods mount it/],
    ['the grid is over 100,000 trials', () => ({ grid: [SweepAxis.of('a', Array.from({ length: 1001 }, (_, i) => `${i}`)), SweepAxis.of('b', Array.from({ length: 100 }, (_, i) => `${i}`))] }), /has 100100 trials; at most 100000/],
    ['explicit trials exceed 1 MiB', () => ({ grid: undefined, parallelism: 1, trials: Array.from({ length: 3000 }, (_, i) => ({ blob: `${i}-${'x'.repeat(200)}` })) }), /over the 1048576-byte ConfigMap limit/],
    ['a trial is empty', () => ({ grid: undefined, parallelism: 1, trials: [{}] }), /trials\[0\] is empty/],
  ])('fails when %s', (_name, overrides, message) => {
    expect(() => sweep(overrides())).toThrow(message);
  });

  test.each<[string, () => unknown, RegExp]>([
    ['an axis has no values', () => SweepAxis.of('lr', []), /values is empty/],
    ['an axis repeats a value', () => SweepAxis.of('lr', ['1', '1']), /value '1' appears twice/],
    ['an axis name is not an identifier', () => SweepAxis.of('learning-rate', ['1']), /name 'learning-rate' must start with a letter/],
    ['a value has a NUL, which no env var can hold', () => SweepAxis.of('prompt', ['a\0b']), /contains a NUL character, which no environment variable can hold/],
  ])('fails when %s', (_name, make, message) => {
    expect(make).toThrow(message);
  });

  test('assignment() rejects an index outside the trials', () => {
    expect(() => sweep().construct.assignment(16)).toThrow(/index must be a whole number from 0 to 15/);
  });

  test('memory is still a Size: /dev/shm is sized from it', () => {
    const { pod } = synthSweep({ memory: Size.gibibytes(16) });
    expect(pod.volumes).toContainEqual({ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '4Gi' } });
  });
});

describe('trial values are any string but NUL (#27 item 10): line breaks, quotes, backslashes and printf escapes reach the trainer as written', () => {
  const values = ['line one\nline two', 'ends with a newline\n\n', "it's \\n not a newline, 100% \\c sure", 'crlf\r\n', 'plain'];
  const { objects } = synthSweep({
    grid: [SweepAxis.of('prompt', values)],
    trials: [{ prompt: 'explicit\ntrial', note: "a 'quoted'\nnote" }],
    parallelism: 2,
  });
  const job = only(objects, 'Job');
  const configMap = only(objects, 'ConfigMap');
  const init = job.spec.template.spec.initContainers[0];
  const trainer = job.spec.template.spec.containers[0];
  // The shells a trainer image may have: dash (Debian's sh), bash, and busybox's ash.
  const shells = [['sh'], ['bash'], ...(spawnSync('busybox', ['true']).status === 0 ? [['busybox', 'sh']] : [])];

  const decode = (index: number, shell: string[]) => {
    const grid = fs.mkdtempSync(path.join(os.tmpdir(), 'sweep-grid-'));
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'sweep-out-'));
    for (const [key, value] of Object.entries<string>(configMap.data)) fs.writeFileSync(path.join(grid, key), value);
    const [, flag, script, name] = init.command;
    const decoded = spawnSync(shell[0], [...shell.slice(1), flag, script, name, grid, out], { env: { PATH: process.env.PATH, HOME: out, TRIAL_INDEX: String(index) }, encoding: 'utf8' });
    expect(decoded.status).toBe(0);
    const [, tFlag, tScript, tName] = trainer.command;
    const wrapper = tScript.replace('/sweep/trial.env', path.join(out, 'trial.env'));
    const printEnv = "process.stdout.write(JSON.stringify(Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('HP_')))))";
    // HOME of its own: this machine's bash reads root's .bashrc for a non-interactive shell with no HOME.
    const ran = spawnSync(shell[0], [...shell.slice(1), tFlag, wrapper, tName, process.execPath, '-e', printEnv], { env: { PATH: process.env.PATH, HOME: out }, encoding: 'utf8' });
    expect(ran.stderr).toBe('');
    expect(ran.status).toBe(0);
    return { env: JSON.parse(ran.stdout), json: JSON.parse(fs.readFileSync(path.join(out, 'trial.json'), 'utf8')) };
  };

  test.each(shells.map((shell) => [shell.join(' ')]))('with %s: each grid value and the explicit trial, byte for byte, in the env and in trial.json', (shellName) => {
    const shell = shellName.split(' ');
    values.forEach((value, index) => {
      const { env, json } = decode(index, shell);
      expect(env).toEqual({ HP_PROMPT: value });
      expect(json).toEqual({ prompt: value });
    });
    expect(decode(values.length, shell)).toEqual({ env: { HP_PROMPT: 'explicit\ntrial', HP_NOTE: "a 'quoted'\nnote" }, json: { prompt: 'explicit\ntrial', note: "a 'quoted'\nnote" } });
  });

  test('each trial is still one line of the grid files', () => {
    expect(configMap.data['axis-0.env'].split('\n').filter((l: string) => l !== '')).toHaveLength(values.length);
    expect(configMap.data['trials.env'].split('\n').filter((l: string) => l !== '')).toHaveLength(1);
  });
});
