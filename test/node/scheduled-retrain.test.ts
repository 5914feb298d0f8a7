/**
 * ScheduledRetrain on a real node: the CronJob controller starts a run every minute; the first
 * run is evicted mid-way and its replacement resumes from the checkpoint in the run's own
 * folder (the real kubelet expanding `subPathExpr: $(RETRAIN_RUN)` from the Job name label);
 * the next scheduled run starts fresh in a new folder of the same claim.
 *
 * Substitutions for the local cluster: the image, the namespace, a PersistentVolume for the
 * claim. The schedule is every minute so that two runs fit in the suite.
 */
import * as fs from 'fs';
import { describe, it } from 'node:test';
import * as path from 'path';
import { Duration, Size } from 'cdk8s';
import { CheckpointStorage, ScheduledRetrain, SpotScheduling } from '../../src';
import {
  applyAll, cluster, endedPod, eventually, exitCodeOf, forTheLocalCluster, LogFollower, reclaim, report, runningPod, settledJob, SPOT_NODE, stepsIn,
  synthesize, volumesFor,
} from './util/node';

const STEPS_PER_EPOCH = 10;

describe('ScheduledRetrain on a real node', () => {
  it('a run evicted mid-way resumes in its own folder; the next scheduled run starts fresh in a new one', async () => {
    const objects = forTheLocalCluster(synthesize((chart) => {
      new ScheduledRetrain(chart, 'retrain', {
        name: 'fraud-retrain',
        scheduleExpression: '* * * * *',
        image: 'registry.company.com/fraud-trainer:v3.0',
        command: ['python3', '/app/trainer.py', '--epochs=2', `--steps-per-epoch=${STEPS_PER_EPOCH}`, '--step-seconds=0.3'],
        memory: Size.mebibytes(256),
        checkpoint: { storage: CheckpointStorage.newClaim({ claimName: 'retrain-checkpoints', size: Size.gibibytes(1) }) },
        spot: SpotScheduling.gke(),
        activeDeadline: Duration.seconds(50),
      });
    }).objects);
    const cronJob = objects.find((o) => o.kind === 'CronJob');
    expect(cronJob.spec.concurrencyPolicy).toBe('Forbid');
    const namespace = await cluster.namespace('retrain');
    const folders = await volumesFor(objects, namespace);
    await applyAll(objects, namespace);
    const claimFolder = folders['retrain-checkpoints'];

    // The first run: evicted after a few steps, resumed by its Job's replacement pod.
    const firstJob = await eventually('the first scheduled run', async () => (await cluster.batch.listNamespacedJob({ namespace })).items[0], 90_000, 500);
    const firstRun = firstJob.metadata!.name!;
    const pod = await runningPod(namespace, firstRun);
    expect(pod.spec!.nodeName).toBe(SPOT_NODE);
    const follower = await LogFollower.start(namespace, pod.metadata!.name!);
    await eventually('four steps', async () => Math.max(-1, ...stepsIn(follower.text, STEPS_PER_EPOCH)) >= 4, 120_000, 200);
    await reclaim(pod, 'eviction');
    const [ended, log] = await Promise.all([endedPod(namespace, pod.metadata!.name!), follower.ended]);
    expect(log).toMatch(/^starting from scratch$/m);
    const saved = /^checkpoint epoch=(\d+) step=(\d+) reason=sigterm$/m.exec(log);
    expect(saved).not.toBeNull();
    if (ended) expect(exitCodeOf(ended, 'trainer')).toBe(143);
    // The emergency checkpoint is in the run's own folder of the claim.
    const runFolder = path.join(claimFolder, firstRun);
    expect(fs.readdirSync(runFolder)).toContain(`ckpt-${saved![1].padStart(6, '0')}-${saved![2].padStart(6, '0')}.json`);

    const next = await runningPod(namespace, firstRun, new Set([pod.metadata!.name!]));
    expect((await settledJob(namespace, firstRun)).status?.failed ?? 0).toBe(0);
    const resumed = await (await LogFollower.start(namespace, next.metadata!.name!)).ended;
    expect(resumed).toMatch(new RegExp(`^resumed epoch=${saved![1]} step=${saved![2]}$`, 'm'));
    expect(resumed).toMatch(/^training complete: /m);

    // The next scheduled run: a new Job, a new folder, from scratch.
    const secondJob = await eventually('the next scheduled run', async () =>
      (await cluster.batch.listNamespacedJob({ namespace })).items.find((j) => j.metadata!.name !== firstRun), 90_000, 500);
    const secondRun = secondJob.metadata!.name!;
    const secondPod = await runningPod(namespace, secondRun);
    const secondLog = await (await LogFollower.start(namespace, secondPod.metadata!.name!)).ended;
    expect(secondLog).toMatch(/^starting from scratch$/m);
    expect(secondLog).toMatch(/^training complete: /m);
    expect(fs.readdirSync(path.join(claimFolder, secondRun)).some((f) => f.startsWith('ckpt-'))).toBe(true);
    expect(fs.readdirSync(claimFolder).sort()).toEqual([firstRun, secondRun].sort());

    // No more runs for the rest of the suite.
    await cluster.batch.patchNamespacedCronJob({ name: 'fraud-retrain', namespace, body: [{ op: 'replace', path: '/spec/suspend', value: true }] });
    report(`retrain: run ${firstRun} evicted at step ${Number(saved![1]) * STEPS_PER_EPOCH + Number(saved![2])}, resumed in ${firstRun}/, ` +
      `completed; run ${secondRun} started fresh in ${secondRun}/`);
  });
});
