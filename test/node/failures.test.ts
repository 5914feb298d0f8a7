/**
 * The failures the podFailurePolicy tells apart, from real processes on a real node:
 * - an emergency save longer than the grace period is cut off by the kubelet's SIGKILL (137)
 *   and, on a plain delete, counted; the library's checkpoint-save-time warning said so at
 *   synth, and the replacement never reads the half-written file;
 * - a crash (an uncaught exception: Python exits 1) counts against backoffLimit and is retried
 *   from the last checkpoint, until the limit fails the Job;
 * - bad configuration (the trainer's CONFIG_ERROR_EXIT_CODE, 2) fails the Job at once.
 *
 * Substitutions for the local cluster: the image (the suite's trainer image, which also holds
 * the crashing variant), the namespace, and a PersistentVolume for each claim.
 */
import { describe, it } from 'node:test';
import { Duration, Size } from 'cdk8s';
import { CheckpointStorage, EnvValue, SpotScheduling, SpotTolerantTrainingJob, Warnings } from '../../src';
import {
  applyAll, cluster, conditionOf, endedPod, eventually, exitCodeOf, finishedJob, forTheLocalCluster, LogFollower, reclaim, report, runningPod,
  settledJob, SPOT_NODE, stepsIn, synthesize, volumesFor,
} from './util/node';

const STEPS_PER_EPOCH = 10;

/** A SpotTolerantTrainingJob of `script` (in the image's /app) for `epochs` epochs, with `extra` props. */
function job(name: string, script: string, epochs: number, extra: Partial<ConstructorParameters<typeof SpotTolerantTrainingJob>[2]> = {}) {
  const { objects, app } = synthesize((chart) => {
    new SpotTolerantTrainingJob(chart, name, {
      name,
      image: 'registry.company.com/fraud-trainer:v3.0',
      command: ['python3', `/app/${script}`, `--epochs=${epochs}`, `--steps-per-epoch=${STEPS_PER_EPOCH}`, '--step-seconds=0.3'],
      memory: Size.mebibytes(256),
      checkpoint: { storage: CheckpointStorage.newClaim({ claimName: `${name}-checkpoints`, size: Size.gibibytes(1) }) },
      spot: SpotScheduling.gke(),
      backoffLimit: 1,
      activeDeadline: Duration.minutes(10),
      ...extra,
    });
  });
  return { objects: forTheLocalCluster(objects), warnings: Warnings.of(app) };
}

async function start(prefix: string, objects: any[]): Promise<string> {
  const namespace = await cluster.namespace(prefix);
  await volumesFor(objects, namespace);
  await applyAll(objects, namespace);
  return namespace;
}

describe('failures on a real node', { concurrency: true }, () => {
  it('an emergency save longer than the grace period: the kubelet kills it (137), the delete is counted, and the synth-time warning said so', async () => {
    // GKE spot (grace 30 s, of which about 15 s reach a pod on a real reclaim) and a trainer
    // whose checkpoint write takes 40 s (TRAINER_SLOW_WRITE_SECONDS), as declared in saveTime.
    const { objects, warnings } = job('slow-save', 'trainer.py', 2, {
      checkpoint: {
        storage: CheckpointStorage.newClaim({ claimName: 'slow-save-checkpoints', size: Size.gibibytes(1) }),
        saveTime: Duration.seconds(40),
      },
      env: { TRAINER_SLOW_WRITE_SECONDS: EnvValue.fromValue('40') },
    });
    // The library predicted it at synth.
    expect(warnings.join('\n')).toMatch(/\[warning checkpoint-save-time\] checkpoint\.saveTime \(40 seconds\) does not fit in the 15 seconds/);
    expect(objects.find((o) => o.kind === 'Job').spec.template.spec.terminationGracePeriodSeconds).toBe(30);
    const namespace = await start('slow-save', objects);

    const pod = await runningPod(namespace, 'slow-save');
    expect(pod.spec!.nodeName).toBe(SPOT_NODE);
    const follower = await LogFollower.start(namespace, pod.metadata!.name!);
    // Reclaimed in the first epoch, before any checkpoint.
    await eventually('four steps', async () => Math.max(-1, ...stepsIn(follower.text, STEPS_PER_EPOCH)) >= 4, 120_000, 200);
    const deletedAt = Date.now();
    await reclaim(pod, 'delete');
    const [ended, log] = await Promise.all([endedPod(namespace, pod.metadata!.name!), follower.ended]);
    const killedAfter = (Date.now() - deletedAt) / 1000;
    expect(log).toMatch(/^checkpoint-write-started ckpt-000000-\d+\.json$/m);
    expect(log).not.toMatch(/reason=sigterm/);
    if (ended) expect(exitCodeOf(ended, 'trainer')).toBe(137);
    expect(killedAfter).toBeGreaterThanOrEqual(29);

    // Counted: a plain delete carries no DisruptionTarget, and 137 is not the preemption code.
    const next = await runningPod(namespace, 'slow-save', new Set([pod.metadata!.name!]));
    expect((await settledJob(namespace, 'slow-save')).status?.failed).toBe(1);
    // The replacement drops the half-written file; with no whole checkpoint it starts over.
    const replacement = await LogFollower.start(namespace, next.metadata!.name!);
    await eventually('the replacement to start', async () => /^starting from scratch$/m.test(replacement.text), 120_000, 200);
    expect(replacement.text).toMatch(/^removed partial checkpoint \.tmp-\d+-ckpt-000000-\d+\.json$/m);
    const lost = Math.max(...stepsIn(log, STEPS_PER_EPOCH));
    report(`save 40 s, grace 30 s: killed ${killedAfter.toFixed(1)} s after the delete, exit 137, status.failed 1, all ${lost} steps lost ` +
      '(the partial file removed, started over); the checkpoint-save-time warning was raised at synth');
  });

  it('a crash (exit 1) counts against backoffLimit: retried from the last checkpoint, then Failed (BackoffLimitExceeded)', async () => {
    // Crashes 15 steps into each process: the first after its epoch-1 checkpoint, the retry
    // (resumed there) again 15 steps on.
    const { objects } = job('crash', 'crashing_trainer.py', 4, { env: { CRASH_AT_STEP: EnvValue.fromValue('15') } });
    const namespace = await start('crash', objects);
    const first = await runningPod(namespace, 'crash');
    const firstLog = await (await LogFollower.start(namespace, first.metadata!.name!)).ended;
    expect(firstLog).toMatch(/^RuntimeError: CUDA error: an illegal memory access was encountered/m);
    expect(exitCodeOf(await endedPod(namespace, first.metadata!.name!), 'trainer')).toBe(1);
    const retry = await runningPod(namespace, 'crash', new Set([first.metadata!.name!]));
    const retryLog = await (await LogFollower.start(namespace, retry.metadata!.name!)).ended;
    expect(retryLog).toMatch(/^resumed epoch=1 step=0$/m);
    const done = await finishedJob(namespace, 'crash');
    expect(conditionOf(done, 'Failed')?.reason).toBe('BackoffLimitExceeded');
    expect(done.status?.failed).toBe(2);
    report(`crash: exit 1 counted twice (backoffLimit 1), the retry resumed at epoch 1, Job Failed (${conditionOf(done, 'Failed')?.reason})`);
  });

  it('bad configuration (exit 2, CONFIG_ERROR_EXIT_CODE) fails the Job at once, without a retry', async () => {
    // --epochs=0: the trainer's own validation refuses it (ConfigError, CONFIG_ERROR_EXIT_CODE).
    const { objects } = job('bad-config', 'trainer.py', 0);
    const namespace = await start('bad-config', objects);
    const done = await finishedJob(namespace, 'bad-config', 180_000);
    const failed = conditionOf(done, 'Failed');
    expect(failed?.reason).toBe('PodFailurePolicy');
    expect(failed?.message).toMatch(/exit code 2/);
    expect(done.status?.failed).toBe(1);
    const pods = await cluster.jobPods(namespace, 'bad-config');
    expect(pods).toHaveLength(1);
    expect(exitCodeOf(pods[0], 'trainer')).toBe(2);
    report(`bad configuration: exit 2, Job Failed (${failed?.reason}) with 1 pod, no retry`);
  });
});
