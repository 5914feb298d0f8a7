/**
 * SpotTolerantTrainingJob on the real Job, TTL-after-finished and garbage collector
 * controllers (kube-controller-manager from cluster/go.mod), in namespaces that enforce
 * Pod Security "restricted". The test plays the node: it marks pods Running, then ends them
 * with an exit code and, for a reclaimed node, the DisruptionTarget condition.
 */
import { describe, it } from 'node:test';
import { Duration, Size } from 'cdk8s';
import { expect } from 'expect';
import { Cluster, eventually } from './util/cluster';
import { applied, editYaml, finished, nthPod, podsAfter, synthYaml } from './util/workloads';
import { CheckpointStorage, KubernetesVersion, SpotScheduling, SpotTolerantTrainingJob, StorageClasses } from '../../src';

const cluster = Cluster.fromEnv();

interface JobOptions {
  readonly backoffLimit?: number;
  readonly activeDeadline?: Duration;
  readonly ttlAfterFinished?: Duration;
}

function trainingJob(options: JobOptions = {}, version?: KubernetesVersion): string {
  return synthYaml((chart) => {
    new SpotTolerantTrainingJob(chart, 'train', {
      name: 'train',
      image: 'registry.example.com/trainer:v1',
      command: ['python', 'train.py'],
      checkpoint: {
        storage: CheckpointStorage.newClaim({
          claimName: 'train-checkpoints',
          storageClassName: StorageClasses.GKE_FILESTORE_STANDARD_RWX,
          size: Size.tebibytes(1),
        }),
      },
      spot: SpotScheduling.gke(),
      ...options,
    });
  }, version);
}

async function start(yaml: string): Promise<{ ns: string; job: string }> {
  const ns = await cluster.namespace('spot');
  const objects = await cluster.applyAll(yaml, ns);
  return { ns, job: applied(objects, 'Job').metadata.name };
}

/**
 * Two preemptions on a Job whose backoffLimit is 1: a reclaimed node (DisruptionTarget, the
 * trainer killed) and a graceful one (the trainer's exit 143). Returns what the Job did.
 */
async function preemptTwice(yaml: string): Promise<{ ns: string; job: string }> {
  const { ns, job } = await start(yaml);
  const first = await nthPod(cluster, ns, job, 1);
  await cluster.node.run(first);
  await cluster.node.terminate(first, { exitCode: 137, disruption: 'TerminationByKubelet' });
  const second = await nthPod(cluster, ns, job, 2);
  await cluster.node.run(second);
  await cluster.node.terminate(second, { exitCode: 143 });
  return { ns, job };
}

describe('SpotTolerantTrainingJob on the real Job controller', { concurrency: true }, () => {
  it('preemptions beyond backoffLimit leave the Job running with a replacement pod each time; it then completes', async () => {
    const { ns, job } = await preemptTwice(trainingJob({ backoffLimit: 1 }));
    const third = await nthPod(cluster, ns, job, 3);
    const running = await cluster.batch.readNamespacedJob({ name: job, namespace: ns });
    expect(running.status?.failed ?? 0).toBe(0); // neither preemption was counted
    expect((running.status?.conditions ?? []).filter((c) => c.status === 'True').map((c) => c.type)).toEqual([]);

    await cluster.node.run(third);
    await cluster.node.terminate(third, { exitCode: 0 });
    const done = await finished(cluster, ns, job);
    expect(done.type).toBe('Complete');
    expect(done.job.status?.succeeded).toBe(1);
    expect(done.job.status?.failed ?? 0).toBe(0);
    expect(await cluster.jobPods(ns, job)).toHaveLength(3);
  });

  it('control: the same preemptions fail the Job once the exit-143 rule is removed from the YAML', async () => {
    const broken = editYaml(trainingJob({ backoffLimit: 1 }), (obj) => {
      if (obj.kind !== 'Job') return;
      obj.spec.podFailurePolicy.rules = obj.spec.podFailurePolicy.rules
        .filter((r: any) => !(r.action === 'Ignore' && r.onExitCodes?.values.includes(143)));
    });
    const { ns, job } = await preemptTwice(broken);
    // The reclaimed-node pod is still ignored, but the graceful exit 143 now counts (1 of 1)
    // and the next one exhausts the budget.
    const third = await nthPod(cluster, ns, job, 3);
    await cluster.node.run(third);
    await cluster.node.terminate(third, { exitCode: 143 });
    const done = await finished(cluster, ns, job);
    expect(done).toMatchObject({ type: 'Failed', reason: 'BackoffLimitExceeded' });
  });

  it('exit 2 (configuration error) fails the Job at once with reason PodFailurePolicy', async () => {
    const { ns, job } = await start(trainingJob({ backoffLimit: 3 }));
    const first = await nthPod(cluster, ns, job, 1);
    await cluster.node.run(first);
    await cluster.node.terminate(first, { exitCode: 2 });
    const done = await finished(cluster, ns, job);
    expect(done).toMatchObject({ type: 'Failed', reason: 'PodFailurePolicy' });
    expect(done.job.status?.failed).toBe(1);
    // No retry is ever started, although backoffLimit allows 3.
    expect(await podsAfter(cluster, ns, job, 12_000)).toHaveLength(1);
  });

  it('exit 1 (a crash) counts: the Job fails after backoffLimit + 1 pods with BackoffLimitExceeded', async () => {
    const { ns, job } = await start(trainingJob({ backoffLimit: 1 }));
    for (const n of [1, 2]) {
      const pod = await nthPod(cluster, ns, job, n);
      await cluster.node.run(pod);
      await cluster.node.terminate(pod, { exitCode: 1 });
    }
    const done = await finished(cluster, ns, job);
    expect(done).toMatchObject({ type: 'Failed', reason: 'BackoffLimitExceeded' });
    expect(done.job.status?.failed).toBe(2);
    expect(await cluster.jobPods(ns, job)).toHaveLength(2);
  });

  it('activeDeadline ends a running Job with DeadlineExceeded and removes its pod', async () => {
    const { ns, job } = await start(trainingJob({ activeDeadline: Duration.seconds(5) }));
    const first = await nthPod(cluster, ns, job, 1);
    await cluster.node.run(first);
    const done = await finished(cluster, ns, job, 60_000);
    expect(done).toMatchObject({ type: 'Failed', reason: 'DeadlineExceeded' });
    expect(done.job.spec?.activeDeadlineSeconds).toBe(5);
    await eventually('the running pod to be deleted', async () => (await cluster.jobPods(ns, job)).length === 0, 30_000);
  });

  it('ttlAfterFinished: the TTL controller deletes the finished Job and the garbage collector its pods', async () => {
    const { ns, job } = await start(trainingJob({ ttlAfterFinished: Duration.seconds(2) }));
    const first = await nthPod(cluster, ns, job, 1);
    await cluster.node.run(first);
    await cluster.node.terminate(first, { exitCode: 0 });
    expect((await finished(cluster, ns, job)).type).toBe('Complete');
    await eventuallyGone(ns, job);
  });

  it('1.28 output (an older target) on the 1.36 control plane: preemptions beyond backoffLimit are not counted either', async () => {
    const yaml = trainingJob({ backoffLimit: 1 }, KubernetesVersion.V1_28);
    expect(yaml).not.toContain('podReplacementPolicy'); // alpha in 1.28: not emitted
    const { ns, job } = await preemptTwice(yaml);
    const third = await nthPod(cluster, ns, job, 3);
    const running = await cluster.batch.readNamespacedJob({ name: job, namespace: ns });
    // The 1.36 apiserver defaults it to Failed because the Job has a podFailurePolicy.
    expect(running.spec?.podReplacementPolicy).toBe('Failed');
    expect(running.status?.failed ?? 0).toBe(0);
    await cluster.node.run(third);
    await cluster.node.terminate(third, { exitCode: 0 });
    expect((await finished(cluster, ns, job)).type).toBe('Complete');
  });
});

async function eventuallyGone(ns: string, job: string): Promise<void> {
  await eventually(`Job ${ns}/${job} and its pods to be deleted`, async () => {
    const stillThere = await cluster.get(`/apis/batch/v1/namespaces/${ns}/jobs/${job}`);
    const pods = await cluster.jobPods(ns, job);
    return stillThere === undefined && pods.length === 0;
  }, 60_000);
}
