/**
 * "Prefer spot, fall back to on-demand" on the real kube-scheduler: a SpotTolerantTrainingJob
 * with `SpotScheduling.gke().orOnDemand()` lands on the spot node while it has room; when the
 * spot capacity is gone (node-b cordoned, as a provider out of spot VMs leaves no spot node to
 * schedule on) and the running pod is reclaimed, the replacement is scheduled on the on-demand
 * node, resumes from the emergency checkpoint, and the Job completes without the reclaim
 * counted: the spot grace period and failure policy came along.
 *
 * Substitutions for the local cluster (everything else is the library's YAML): the image (the
 * suite's trainer image), the namespace, and a PersistentVolume for the claim.
 *
 * node-suite: whole node (it cordons the spot node, so this file runs alone).
 */
import { describe, it } from 'node:test';
import { Duration, Size } from 'cdk8s';
import { CheckpointStorage, SpotScheduling, SpotTolerantTrainingJob } from '../../src';
import {
  applyAll, cluster, conditionOf, endedPod, eventually, exitCodeOf, finishedJob, forTheLocalCluster, LogFollower, ON_DEMAND_NODE, reclaim, report,
  runningPod, setUnschedulable, settledJob, SPOT_NODE, stepsIn, synthesize, volumesFor,
} from './util/node';

const STEPS_PER_EPOCH = 10;

describe('SpotScheduling.orOnDemand() on the real scheduler', () => {
  it('prefers the spot node, and when spot capacity is gone the replacement runs on on-demand, resumes and completes uncounted', async () => {
    const objects = forTheLocalCluster(synthesize((chart) => {
      new SpotTolerantTrainingJob(chart, 'fallback', {
        name: 'fraud-fallback',
        image: 'registry.company.com/fraud-trainer:v3.0',
        command: ['python3', '/app/trainer.py', '--epochs=2', `--steps-per-epoch=${STEPS_PER_EPOCH}`, '--step-seconds=0.5'],
        memory: Size.mebibytes(256),
        checkpoint: { storage: CheckpointStorage.newClaim({ claimName: 'checkpoints', size: Size.gibibytes(1) }) },
        spot: SpotScheduling.gke().orOnDemand(),
        backoffLimit: 0,
        activeDeadline: Duration.minutes(10),
      });
    }).objects);
    const template = objects.find((o) => o.kind === 'Job').spec.template.spec;
    // What the library wrote: a preference, a toleration, the spot grace; no required selector.
    expect(template.nodeSelector?.['cloud.google.com/gke-spot']).toBeUndefined();
    expect(template.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution)
      .toEqual([{ weight: 100, preference: { matchExpressions: [{ key: 'cloud.google.com/gke-spot', operator: 'In', values: ['true'] }] } }]);
    expect(template.terminationGracePeriodSeconds).toBe(30);
    const namespace = await cluster.namespace('prefer-spot');
    await volumesFor(objects, namespace);
    await applyAll(objects, namespace);

    const first = await runningPod(namespace, 'fraud-fallback');
    // Both nodes fit the pod; the preference puts it on spot.
    expect(first.spec!.nodeName).toBe(SPOT_NODE);
    const follower = await LogFollower.start(namespace, first.metadata!.name!);
    await eventually('the first pod to train 4 steps', async () => Math.max(-1, ...stepsIn(follower.text, STEPS_PER_EPOCH)) >= 4, 120_000, 200);

    await setUnschedulable(SPOT_NODE, true);
    try {
      await reclaim(first, 'eviction');
      const [ended, log] = await Promise.all([endedPod(namespace, first.metadata!.name!), follower.ended]);
      const saved = /^checkpoint epoch=(\d+) step=(\d+) reason=sigterm$/m.exec(log);
      expect(saved).not.toBeNull();
      if (ended) expect(exitCodeOf(ended, 'trainer')).toBe(143);

      const next = await runningPod(namespace, 'fraud-fallback', new Set([first.metadata!.name!]));
      expect(next.spec!.nodeName).toBe(ON_DEMAND_NODE);
      expect((await settledJob(namespace, 'fraud-fallback')).status?.failed ?? 0).toBe(0);
      const resumed = await (await LogFollower.start(namespace, next.metadata!.name!)).ended;
      expect(resumed).toMatch(new RegExp(`^resumed epoch=${saved![1]} step=${saved![2]}$`, 'm'));
      expect(resumed).toMatch(/^training complete: /m);
      const done = await finishedJob(namespace, 'fraud-fallback');
      expect(conditionOf(done, 'Complete')).toBeDefined();
      expect(done.status?.failed ?? 0).toBe(0);
      report(`orOnDemand: first pod on ${SPOT_NODE}; spot cordoned and the pod evicted at epoch ${saved![1]} step ${saved![2]}; the replacement on ${ON_DEMAND_NODE} resumed there; Complete, failed 0`);
    } finally {
      await setUnschedulable(SPOT_NODE, false);
    }
  });
});
