/**
 * Where each pod's checkpoints go, on the real controllers: the CronJob and Job controllers
 * create the pods (labels, completion-index annotations), and `controlplane subpath-expr`
 * expands each checkpoint mount's subPathExpr with the kubelet's own code (the container's env
 * resolved as the kubelet resolves a fieldRef, then kubecontainer.ExpandContainerVolumeMounts).
 * There is no kubelet here to mount anything; this is the path it would mount.
 */
import { describe, it } from 'node:test';
import { Duration } from 'cdk8s';
import { expect } from 'expect';
import { Cluster, controlplane, eventually } from './util/cluster';
import { applied, nthPod, synthYaml } from './util/workloads';
import { CheckpointStorage, HyperparameterSweep, PersistentVolumeAccessMode, ScheduledRetrain, SweepAxis } from '../../src';

const cluster = Cluster.fromEnv();
const storage = () => CheckpointStorage.existingClaim('ckpt', PersistentVolumeAccessMode.READ_WRITE_MANY);

/** The sub-path the kubelet would mount at `mountPath` for the pod's container, from the pod as the apiserver holds it. */
async function mountedSubPath(namespace: string, podName: string, container: string, mountPath: string): Promise<string> {
  const pod = await cluster.get(`/api/v1/namespaces/${namespace}/pods/${podName}`);
  return controlplane('subpath-expr', { pod, container })[mountPath];
}

async function jobsOf(namespace: string): Promise<string[]> {
  const jobs = await cluster.batch.listNamespacedJob({ namespace });
  return jobs.items.sort((a, b) => a.metadata!.creationTimestamp!.getTime() - b.metadata!.creationTimestamp!.getTime()).map((j) => j.metadata!.name!);
}

describe('checkpoint folders, as the kubelet would mount them', () => {
  it('ScheduledRetrain: a preempted run\'s new pod gets its run\'s folder; the next run gets a new one', async () => {
    const yaml = synthYaml((chart) => {
      new ScheduledRetrain(chart, 'retrain', {
        name: 'retrain',
        scheduleExpression: '* * * * *',
        image: 'registry.example.com/trainer:v1',
        command: ['python', 'retrain.py'],
        checkpoint: { storage: storage(), subPath: 'weekly' },
        activeDeadline: Duration.minutes(30),
      });
    });
    const ns = await cluster.namespace('ckpt-cron');
    applied(await cluster.applyAll(yaml, ns), 'CronJob');

    const [first] = await eventually('the CronJob to start a Job', async () => {
      const jobs = await jobsOf(ns);
      return jobs.length > 0 ? jobs : undefined;
    }, 90_000);
    const pod1 = await nthPod(cluster, ns, first, 1);
    expect(await mountedSubPath(ns, pod1.metadata!.name!, 'trainer', '/checkpoints')).toBe(`weekly/${first}`);

    // Preempted (a reclaimed node): the Job controller replaces the pod, which mounts the same run's folder.
    await cluster.node.run(pod1);
    await cluster.node.terminate(pod1, { exitCode: 137, disruption: 'TerminationByKubelet' });
    const pod2 = await nthPod(cluster, ns, first, 2);
    expect(await mountedSubPath(ns, pod2.metadata!.name!, 'trainer', '/checkpoints')).toBe(`weekly/${first}`);

    // The run finishes; the next scheduled run is another Job, with a folder of its own.
    await cluster.node.run(pod2);
    await cluster.node.terminate(pod2, { exitCode: 0 });
    const second = await eventually('the next scheduled run', async () => (await jobsOf(ns)).find((name) => name !== first), 100_000, 1000);
    const next = await nthPod(cluster, ns, second, 1);
    expect(await mountedSubPath(ns, next.metadata!.name!, 'trainer', '/checkpoints')).toBe(`weekly/${second}`);
    expect(second).not.toBe(first);
  });

  it('HyperparameterSweep: pod i mounts trialCheckpointPath(i)', async () => {
    let sweep!: HyperparameterSweep;
    const yaml = synthYaml((chart) => {
      sweep = new HyperparameterSweep(chart, 'sweep', {
        name: 'sweep',
        image: 'registry.example.com/trainer:v1',
        command: ['python', 'train.py'],
        grid: [SweepAxis.of('lr', ['1e-4', '3e-4']), SweepAxis.of('bs', ['128', '256'])],
        parallelism: 4,
        checkpoint: { storage: storage(), subPath: 'sweeps/lr' },
      });
    });
    const ns = await cluster.namespace('ckpt-sweep');
    applied(await cluster.applyAll(yaml, ns), 'Job');
    const pods = await eventually('the sweep\'s four pods', async () => {
      const list = await cluster.jobPods(ns, 'sweep');
      return list.length === 4 ? list : undefined;
    });
    const byIndex = new Map<number, string>();
    for (const pod of pods) {
      const index = Number(pod.metadata!.annotations!['batch.kubernetes.io/job-completion-index']);
      byIndex.set(index, await mountedSubPath(ns, pod.metadata!.name!, 'trainer', '/checkpoints'));
    }
    expect([...byIndex.keys()].sort()).toEqual([0, 1, 2, 3]);
    for (const [index, subPath] of byIndex) expect(subPath).toBe(sweep.trialCheckpointPath(index));
  });
});
