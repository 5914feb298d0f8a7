/**
 * The DistributedPyTorchJob launcher with real torch (PyPI, CPU, gloo): two local ranks of
 * test/torch/fixtures/ddp_train.py, signalled and failed as a spot reclaim or a crash would.
 * `npm run test:torch` installs torch (test/torch/requirements.txt) into a virtualenv and
 * sets TORCH_PYTHON; the unit run (jest) leaves this folder out.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Size } from 'cdk8s';
import { DistributedPyTorchJob, SpotScheduling } from '../../src';
import { RETRY_EXIT_CODE, torchLauncherScript, TorchLauncherOptions } from '../../src/blocks/torch-launcher';
import { newChart, only, rwxCheckpoints, synth } from '../util/synth';

const PYTHON = process.env.TORCH_PYTHON;
if (!PYTHON) throw new Error('TORCH_PYTHON is not set: run `npm run test:torch`, which installs torch and sets it');
const TORCHRUN = path.join(path.dirname(PYTHON), 'torchrun');
const TRAINER = path.join(__dirname, 'fixtures', 'ddp_train.py');

jest.setTimeout(180_000);

interface Run {
  readonly child: ChildProcess;
  readonly exited: Promise<number>;
  readonly output: () => string;
}

function start(argv: string[], env: { [k: string]: string }): Run {
  const child = spawn(argv[0], argv.slice(1), {
    env: { PATH: process.env.PATH!, PYTHONUNBUFFERED: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => { output += d; });
  child.stderr!.on('data', (d) => { output += d; });
  const exited = new Promise<number>((resolve) => child.on('exit', (code, signal) => resolve(code ?? 128 + (os.constants.signals as any)[signal!])));
  return { child, exited, output: () => output };
}

function options(overrides: Partial<TorchLauncherOptions> = {}): TorchLauncherOptions {
  return { preemptionExitCode: 143, nonRetriableExitCodes: [2], followOnSeconds: 120, settleSeconds: 2, horizonSeconds: 3600, ...overrides };
}

/** The launcher (or plain torchrun) on `nodes` local "nodes" of `procs` ranks each. */
function launch(kind: 'launcher' | 'torchrun', launcher: TorchLauncherOptions, env: { [k: string]: string }, node = 0, nodes = 1, port = 0, procs = 2): Run {
  const rendezvous = nodes === 1 && port === 0
    ? ['--standalone']
    : [`--nnodes=${nodes}`, `--node-rank=${node}`, '--master-addr=127.0.0.1', `--master-port=${port}`];
  const args = [...rendezvous, `--nproc-per-node=${procs}`, TRAINER];
  const argv = kind === 'launcher' ? [PYTHON!, '-c', torchLauncherScript(launcher), ...args] : [TORCHRUN, ...args];
  return start(argv, { PREEMPTION_EXIT_CODE: String(launcher.preemptionExitCode), ...env });
}

function scratch(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'launcher-'));
}

async function until(what: string, check: () => boolean, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const started = (dir: string, ranks: number[]) => () => ranks.every((r) => fs.existsSync(path.join(dir, `rank-${r}.started`)));

describe('SIGTERM (a spot reclaim) reaches the ranks and the container exits the preemption code', () => {
  test('plain torchrun: the ranks save, but the container exits 1 (the defect)', async () => {
    const dir = scratch();
    const run = launch('torchrun', options(), { CHECKPOINT_DIR: dir });
    await until('both ranks to start', started(dir, [0, 1]));
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(1);
    expect(fs.existsSync(path.join(dir, 'rank-0.emergency'))).toBe(true);
  });

  test('the launcher: both ranks write their emergency checkpoint and it exits 143', async () => {
    const dir = scratch();
    const run = launch('launcher', options({ job: 'ddp', crashBudget: 1 }), { CHECKPOINT_DIR: dir });
    await until('both ranks to start', started(dir, [0, 1]));
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(143);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.emergency')).sort()).toEqual(['rank-0.emergency', 'rank-1.emergency']);
    expect(run.output()).toMatch(/got SIGTERM: the workers were stopped to save; exit 143 \(preempted\)/);
    expect(fs.readdirSync(path.join(dir, '.cdk8s-training', 'launcher', 'ddp')).map((f) => f.split('_')[2])).toEqual(['preempted']);
  });

  test('a custom preemption code (the contract) is what the container exits with', async () => {
    const dir = scratch();
    const run = launch('launcher', options({ preemptionExitCode: 137 + 3 }), { CHECKPOINT_DIR: dir });
    await until('both ranks to start', started(dir, [0, 1]));
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(140);
  });
});

describe('a rank that fails', () => {
  test('with a configuration error (exit 2): plain torchrun exits 1, the launcher exits 2', async () => {
    const env = (dir: string) => ({ CHECKPOINT_DIR: dir, FAIL_RANK: '1', FAIL_CODE: '2' });
    const plain = launch('torchrun', options(), env(scratch()));
    expect(await plain.exited).toBe(1);
    const wrapped = launch('launcher', options({ crashBudget: 3, job: 'ddp' }), env(scratch()));
    expect(await wrapped.exited).toBe(2);
    expect(wrapped.output()).toMatch(/a worker exited 2, a configuration error: exit 2 \(not retried\)/);
  });

  test('with a crash (exit 1): retried with 142 while the crash budget lasts, then exit 1', async () => {
    const dir = scratch();
    const events = path.join(dir, '.cdk8s-training', 'launcher', 'ddp');
    const env = { CHECKPOINT_DIR: dir, FAIL_RANK: '1', FAIL_CODE: '1' };
    const first = launch('launcher', options({ crashBudget: 1, job: 'ddp' }), env);
    expect(await first.exited).toBe(RETRY_EXIT_CODE);
    expect(first.output()).toMatch(/crash 1 of 1 allowed: exit 142 \(retried\)/);
    // The operator recreates the pod under the same name; its next attempt finds the first crash
    // recorded (its own earlier events are never a follow-on).
    const second = launch('launcher', options({ crashBudget: 1, job: 'ddp' }), env);
    expect(await second.exited).toBe(1);
    expect(second.output()).toMatch(/crash 2, over the budget of 1: exit 1 \(not retried\)/);
    expect(fs.readdirSync(events).map((f) => f.split('_')[2]).sort()).toEqual(['crash', 'crash', 'failed', 'failed']);
  });

  test('on the JobSet engines (no launcher budget: the JobSet counts restarts) a crash exits 1, after recording it', async () => {
    const dir = scratch();
    const run = launch('launcher', options({ job: 'ddp' }), { CHECKPOINT_DIR: dir, FAIL_RANK: '0', FAIL_CODE: '1' });
    expect(await run.exited).toBe(1);
    expect(run.output()).toMatch(/the workers failed with exit codes \[1\]: exit 1/);
    expect(fs.readdirSync(path.join(dir, '.cdk8s-training', 'launcher', 'ddp')).map((f) => f.split('_')[2])).toEqual(['failed']);
  });
});

describe('two nodes: one is reclaimed, the other loses its peer', () => {
  test('the reclaimed node exits 143; the survivor exits 143 too, uncounted (a follow-on), so neither uses the budget', async () => {
    const dir = scratch();
    const events = path.join(dir, '.cdk8s-training', 'launcher', 'ddp');
    const port = 29_000 + Math.floor(Math.random() * 1000);
    const launcher = options({ crashBudget: 0, job: 'ddp' });
    // One rank per node; HOSTNAME is the pod name in a container (the kubelet sets it).
    const node0 = launch('launcher', launcher, { CHECKPOINT_DIR: dir, HOSTNAME: 'ddp-master-0' }, 0, 2, port, 1);
    const node1 = launch('launcher', launcher, { CHECKPOINT_DIR: dir, HOSTNAME: 'ddp-worker-0' }, 1, 2, port, 1);
    await until('both nodes to start', started(dir, [0, 1]));
    node1.child.kill('SIGTERM');
    expect(await node1.exited).toBe(143);
    const survivor = await node0.exited;
    expect(node0.output()).toMatch(/failed with exit codes .* after another pod was preempted: exit 143, not counted/);
    expect(survivor).toBe(143);
    expect(fs.readdirSync(events).map((f) => f.split('_')[2]).sort()).toEqual(['failed', 'preempted']);
  });

  test('on the JobSet engines the survivor of a reclaimed node exits 143 too, after the settle time (the preempted pod ends first)', async () => {
    const dir = scratch();
    const port = 28_000 + Math.floor(Math.random() * 1000);
    const launcher = options({ job: 'ddp', settleSeconds: 3 });
    const node0 = launch('launcher', launcher, { CHECKPOINT_DIR: dir, HOSTNAME: 'ddp-node-0-0' }, 0, 2, port, 1);
    const node1 = launch('launcher', launcher, { CHECKPOINT_DIR: dir, HOSTNAME: 'ddp-node-0-1' }, 1, 2, port, 1);
    await until('both nodes to start', started(dir, [0, 1]));
    node1.child.kill('SIGTERM');
    const reclaimedAt = Date.now();
    expect(await node1.exited).toBe(143);
    const reclaimedEnded = Date.now();
    expect(await node0.exited).toBe(143);
    expect(node0.output()).toMatch(/after another pod was preempted: exit 143, not counted/);
    // The survivor outlives the reclaimed node by the settle time.
    expect(Date.now() - reclaimedEnded).toBeGreaterThanOrEqual(2_000);
    expect(Date.now() - reclaimedAt).toBeGreaterThanOrEqual(3_000);
  });

  test('a rank crashes: its node counts one crash; the survivor, which failed after it, is retried uncounted', async () => {
    const dir = scratch();
    const events = path.join(dir, '.cdk8s-training', 'launcher', 'ddp');
    const port = 30_000 + Math.floor(Math.random() * 1000);
    const launcher = options({ crashBudget: 1, job: 'ddp' });
    const env = { CHECKPOINT_DIR: dir, FAIL_RANK: '1', FAIL_CODE: '1', FAIL_AFTER_STEPS: '20' };
    const node0 = launch('launcher', launcher, { ...env, HOSTNAME: 'ddp-master-0' }, 0, 2, port, 1);
    const node1 = launch('launcher', launcher, { ...env, HOSTNAME: 'ddp-worker-0' }, 1, 2, port, 1);
    expect(await node1.exited).toBe(RETRY_EXIT_CODE);
    expect(node1.output()).toMatch(/crash 1 of 1 allowed/);
    expect(await node0.exited).toBe(RETRY_EXIT_CODE);
    expect(node0.output()).toMatch(/after another pod failed first: exit 142, not counted/);
    const kinds = fs.readdirSync(events).map((f) => f.split('_').slice(1).join(' ')).sort();
    expect(kinds).toEqual(['ddp-master-0 failed', 'ddp-worker-0 crash', 'ddp-worker-0 failed']);
  });
});

describe('the command a synthesized DistributedPyTorchJob runs', () => {
  test("a Worker's command and env from the YAML, run on this machine: SIGTERM ends it with the contract's 143", async () => {
    const { chart } = newChart();
    new DistributedPyTorchJob(chart, 'ddp', {
      name: 'ddp',
      image: 'trainer:v1',
      script: [TRAINER],
      python: PYTHON!,
      nodes: 2,
      processesPerNode: 2,
      memory: Size.gibibytes(8),
      checkpoint: { storage: rwxCheckpoints() },
      spot: SpotScheduling.gke(),
    });
    const job = only(synth(chart), 'PyTorchJob');
    const container = job.spec.pytorchReplicaSpecs.Worker.template.spec.containers[0];
    const dir = scratch();
    // What the kubelet and the operator would provide: the container's own env, the operator's
    // MASTER_ADDR/MASTER_PORT and PET_* sizes (one node here), and the checkpoint mount.
    const env: { [k: string]: string } = Object.fromEntries(
      container.env.filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value]));
    const port = String(31_000 + Math.floor(Math.random() * 1000));
    Object.assign(env, { CHECKPOINT_DIR: dir, MASTER_ADDR: '127.0.0.1', MASTER_PORT: port, PET_NNODES: '1', PET_NODE_RANK: '0', HOSTNAME: 'ddp-worker-0' });
    env.PET_NPROC_PER_NODE = job.spec.nprocPerNode; // what the operator sets from spec.nprocPerNode
    const argv = container.command.map((arg: string) => arg.replace(/\$\((\w+)\)/g, (_: string, name: string) => env[name]));
    expect(env.PREEMPTION_EXIT_CODE).toBe('143');
    const run = start(argv, env);
    await until('both ranks to start', started(dir, [0, 1])).catch((e) => {
      run.child.kill('SIGKILL');
      throw new Error(`${e.message}\n${run.output()}`);
    });
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(143);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.emergency')).sort()).toEqual(['rank-0.emergency', 'rank-1.emergency']);
    expect(fs.readdirSync(path.join(dir, '.cdk8s-training', 'launcher', 'ddp')).map((f) => f.split('_').slice(1).join(' '))).toEqual(['ddp-worker-0 preempted']);
  });
});
