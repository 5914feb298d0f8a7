/**
 * HyperparameterSweep on a real node: the library's init container (busybox, as the library
 * names it) decodes each pod's JOB_COMPLETION_INDEX against the grid ConfigMap, and every trial
 * runs the reference trainer with its own values and its own checkpoint folder. One trial is
 * evicted and resumes in its folder, uncounted; one trial's values are bad (0 steps per epoch):
 * the trainer exits 2 and only that index fails (backoffLimitPerIndex, FailIndex).
 *
 * Substitutions for the local cluster: the trainer image (the helper image is built under the
 * library's name), the namespace, a PersistentVolume for the claim.
 */
import * as fs from 'fs';
import { describe, it } from 'node:test';
import * as path from 'path';
import { Duration, Size } from 'cdk8s';
import { CheckpointStorage, HyperparameterSweep, SpotScheduling, SweepAxis, TrainerCommand } from '../../src';
import {
  applyAll, cluster, conditionOf, endedPod, eventually, exitCodeOf, finishedJob, forTheLocalCluster, LogFollower, reclaim, report, SPOT_NODE, stepsIn,
  synthesize, volumesFor,
} from './util/node';

describe('HyperparameterSweep on a real node', () => {
  it('each trial runs its own values in its own folder; an evicted trial resumes uncounted; a bad trial (exit 2) fails only its index', async () => {
    let sweep!: HyperparameterSweep;
    const objects = forTheLocalCluster(synthesize((chart) => {
      sweep = new HyperparameterSweep(chart, 'sweep', {
        name: 'lr-sweep',
        image: 'registry.company.com/fraud-trainer:v3.0',
        command: TrainerCommand.shell('echo "trial lr=$HP_LR steps=$HP_STEPS dir=$CHECKPOINT_DIR"; ' +
          'exec python3 /app/trainer.py --epochs=1 --steps-per-epoch="$HP_STEPS" --step-seconds=0.3'),
        grid: [SweepAxis.of('lr', ['0.1', '0.01']), SweepAxis.of('steps', ['20', '30'])],
        trials: [{ lr: '0.1', steps: '0' }],
        parallelism: 5,
        backoffLimitPerIndex: 1,
        memory: Size.mebibytes(256),
        checkpoint: { storage: CheckpointStorage.newClaim({ claimName: 'sweep-checkpoints', size: Size.gibibytes(1) }), subPath: 'lr-sweep' },
        spot: SpotScheduling.gke(),
        activeDeadline: Duration.minutes(10),
      });
    }).objects);
    const job = objects.find((o) => o.kind === 'Job');
    expect(job.spec.template.spec.initContainers.map((c: any) => c.image)).toContain('busybox:1.36.1');
    const namespace = await cluster.namespace('sweep');
    const folders = await volumesFor(objects, namespace);
    await applyAll(objects, namespace);

    // Follow every trial's first pod; evict trial 0 a few steps in.
    const followers = new Map<number, LogFollower>();
    const firstPods = new Map<number, string>();
    await eventually('a running pod per trial', async () => {
      for (const pod of await cluster.jobPods(namespace, 'lr-sweep')) {
        const index = Number(pod.metadata!.annotations!['batch.kubernetes.io/job-completion-index']);
        if (firstPods.has(index) || (pod.status?.phase !== 'Running' && pod.status?.phase !== 'Failed')) continue;
        expect(pod.spec!.nodeName).toBe(SPOT_NODE);
        firstPods.set(index, pod.metadata!.name!);
        followers.set(index, await LogFollower.start(namespace, pod.metadata!.name!));
      }
      return firstPods.size === 5;
    }, 180_000, 300);
    await eventually('trial 0 to train', async () => Math.max(-1, ...stepsIn(followers.get(0)!.text, 1000)) >= 3, 120_000, 200);
    const evicted = await cluster.core.readNamespacedPod({ name: firstPods.get(0)!, namespace });
    await reclaim(evicted, 'eviction');
    const [evictedPod, evictedLog] = await Promise.all([endedPod(namespace, firstPods.get(0)!), followers.get(0)!.ended]);
    if (evictedPod) expect(exitCodeOf(evictedPod, 'trainer')).toBe(143);
    const saved = /^checkpoint epoch=0 step=(\d+) reason=sigterm$/m.exec(evictedLog);
    expect(saved).not.toBeNull();

    const done = await finishedJob(namespace, 'lr-sweep');
    // Only the bad trial failed, at once; the evicted one was not counted.
    expect(done.status?.completedIndexes).toBe('0-3');
    expect(done.status?.failedIndexes).toBe('4');
    expect(done.status?.failed).toBe(1);
    expect(conditionOf(done, 'Failed')?.reason).toBe('FailedIndexes');

    const pods = await cluster.jobPods(namespace, 'lr-sweep');
    for (let index = 0; index < 5; index++) {
      const values = sweep.assignment(index);
      const log = index === 0 ? evictedLog : await followers.get(index)!.ended;
      // The init container decoded this index to the values the construct assigned it (the
      // trial's folder of the claim is mounted at /checkpoints: the kubelet's subPathExpr).
      expect(log).toMatch(new RegExp(`^trial lr=${values.lr} steps=${values.steps} dir=/checkpoints$`, 'm'));
      if (index === 4) {
        expect(log).toMatch(/^configuration error: /m);
        const bad = pods.find((p) => p.metadata!.annotations!['batch.kubernetes.io/job-completion-index'] === '4')!;
        expect(exitCodeOf(bad, 'trainer')).toBe(2);
      } else {
        const onDisk = fs.readdirSync(path.join(folders['sweep-checkpoints'], sweep.trialCheckpointPath(index)));
        expect(onDisk).toContain('ckpt-000001-000000.json');
      }
    }
    // The evicted trial's replacement resumed in trial 0's folder.
    const replacement = pods.find((p) => p.metadata!.annotations!['batch.kubernetes.io/job-completion-index'] === '0' && p.status?.phase === 'Succeeded')!;
    const replacementLog = await cluster.core.readNamespacedPodLog({ name: replacement.metadata!.name!, namespace, container: 'trainer' });
    expect(replacementLog).toMatch(new RegExp(`^resumed epoch=0 step=${saved![1]}$`, 'm'));
    report(`sweep: 5 trials with their own values and folders; trial 0 evicted at step ${saved![1]} resumed uncounted; ` +
      `trial 4 (steps=0) exit 2 failed only its index: completed ${done.status?.completedIndexes}, failed ${done.status?.failedIndexes}`);
  });
});
