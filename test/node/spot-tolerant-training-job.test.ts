/**
 * The seed's story on real nodes: a SpotTolerantTrainingJob of the reference trainer on the
 * spot node, reclaimed more times than its backoffLimit by the three paths clusters use. Each
 * time the real kubelet sends SIGTERM, the trainer writes its emergency checkpoint to the claim
 * and exits 143, the Job controller does not count it, and the replacement resumes at the saved
 * step; the Job completes having trained every step once.
 *
 * Substitutions for the local cluster (everything else is the library's YAML): the image (the
 * suite's trainer image), the namespace, and a PersistentVolume for the claim.
 *
 * node-suite: whole node (the NoExecute taint takes every pod on the spot node, so this file
 * runs alone, before the others).
 */
import { describe, it } from 'node:test';
import { STEPS_PER_EPOCH, TOTAL_STEPS, trainingJob } from './fixtures/spot-job';
import {
  applyAll, cluster, conditionOf, endedPod, eventually, exitCodeOf, finishedJob, forTheLocalCluster, LogFollower, Reclaim, reclaim, report,
  runningPod, settledJob, SPOT_NODE, stepsIn, volumesFor,
} from './util/node';


describe('SpotTolerantTrainingJob on a real node', () => {
  it('survives three reclaims beyond backoffLimit (Eviction API, NoExecute taint, pod delete): each saves, exits 143, is not counted and resumes', async () => {
    const namespace = await cluster.namespace('spot-job');
    const broken = process.env.NODE_SUITE_BREAK_POLICY === '1';
    const objects = forTheLocalCluster(trainingJob('fraud-transformer', broken, !broken));
    await volumesFor(objects, namespace);
    await applyAll(objects, namespace);
    if (broken) report('NODE_SUITE_BREAK_POLICY=1: the exit-143 rule is removed from the podFailurePolicy (this run must fail)');

    const seen = new Set<string>();
    const logs: string[] = [];
    let lastStep = 0;
    let pod = await runningPod(namespace, 'fraud-transformer');
    seen.add(pod.metadata!.name!);
    let follower = await LogFollower.start(namespace, pod.metadata!.name!);
    for (const how of ['eviction', 'taint', 'delete'] as Reclaim[]) {
      const name = pod.metadata!.name!;
      expect(pod.spec!.nodeName).toBe(SPOT_NODE);
      // Reclaim once it has trained a few steps past where it started.
      await eventually(`pod ${name} to pass step ${lastStep + 4}`, async () => Math.max(-1, ...stepsIn(follower.text, STEPS_PER_EPOCH)) >= lastStep + 4,
        120_000, 200);
      const reclaimedAt = Date.now();
      await reclaim(pod, how);
      const [ended, log] = await Promise.all([endedPod(namespace, name), follower.ended]);
      logs.push(log);
      // The kubelet's SIGTERM reached the trainer: it finished the step, saved, and exited 143.
      expect(log).toMatch(/^checkpoint epoch=\d+ step=\d+ reason=sigterm$/m);
      expect(log).toMatch(/^exiting with 143 after the emergency checkpoint$/m);
      if (ended) expect(exitCodeOf(ended, 'trainer')).toBe(143);
      const saved = /^checkpoint epoch=(\d+) step=(\d+) reason=sigterm$/m.exec(log)!;
      lastStep = Number(saved[1]) * STEPS_PER_EPOCH + Number(saved[2]);
      // The Job controller has made the replacement and accounted for the reclaimed pod: not
      // counted against backoffLimit (1).
      const next = await runningPod(namespace, 'fraud-transformer', seen);
      seen.add(next.metadata!.name!);
      expect((await settledJob(namespace, 'fraud-transformer')).status?.failed ?? 0).toBe(0);
      // The replacement resumes at the saved step.
      follower = await LogFollower.start(namespace, next.metadata!.name!);
      await eventually(`pod ${next.metadata!.name} to train a step`, async () => /^progress /m.test(follower.text), 120_000, 200);
      expect(follower.text).toMatch(new RegExp(`^resumed epoch=${saved[1]} step=${saved[2]}$`, 'm'));
      report(`${how}: saved at step ${lastStep}, exit 143, failed 0; the replacement's first step ${((Date.now() - reclaimedAt) / 1000).toFixed(1)} s after the reclaim`);
      pod = next;
    }

    const done = await finishedJob(namespace, 'fraud-transformer');
    expect(conditionOf(done, 'Complete')).toBeDefined();
    expect(done.status?.failed ?? 0).toBe(0);
    const lastLog = await follower.ended;
    expect(lastLog).toMatch(/^training complete: /m);
    logs.push(lastLog);
    // Every step trained, none twice: the emergency checkpoint holds the step in progress.
    const steps = logs.flatMap((l) => stepsIn(l, STEPS_PER_EPOCH));
    const trained = new Set(logs.flatMap((l) => [...l.matchAll(/^progress epoch=(\d+) step=(\d+)$/gm)].map((m) => `${m[1]}/${m[2]}`)));
    expect(trained.size).toBe(TOTAL_STEPS);
    const repeated = steps.length - new Set(steps).size;
    expect(repeated).toBeLessThanOrEqual(3); // at most one step per reclaim
    report(`completed: ${TOTAL_STEPS} steps trained by ${seen.size + 1} pods, ${repeated} trained twice, status.failed 0`);
  });
});
