/**
 * DistributedPyTorchJob on real nodes with real torch (CPU, gloo): torchrun under the library's
 * launcher, a DistributedDataParallel trainer checkpointing to the shared ReadWriteMany claim.
 * - Training Operator: the Master on the on-demand node (onDemandMaster), the Worker on the
 *   spot node. The Worker is evicted: its rank saves and its launcher exits 143; the Master's
 *   rank loses its peer, and its launcher, finding the Worker's preemption recorded on the
 *   volume, exits 143 too, not a crash. The operator restarts both (ExitCode policy), they
 *   rendezvous again, resume from the Worker's emergency checkpoint and succeed; no crash is
 *   recorded against backoffLimit.
 * - JobSet, onDemandMaster: rank 0 in its own one-pod `master` Job on the on-demand node, rank 1
 *   in a `node` Job on the spot node, each taking its rank from the Job's global index. Rank 1
 *   is evicted; its child Job fails on its DisruptionTarget, the JobSet restarts under its
 *   preemption rule (not counted toward maxRestarts), and the new pods resume from the
 *   emergency checkpoint and complete.
 *
 * Input, not substitution: torch reaches the pods as the suite's virtualenv on a read-only
 * volume (`volumes`, `env` PYTHONPATH), where a real image would carry it. Substitutions for
 * the local cluster: the image, the namespace, PersistentVolumes for the claims, and the
 * operator's init-pytorch image (alpine:3.10, built by the suite under that name).
 */
import * as fs from 'fs';
import { describe, it } from 'node:test';
import * as path from 'path';
import { Duration, Size } from 'cdk8s';
import {
  CheckpointStorage, Cpu, DistributedPyTorchJob, EnvValue, PodVolume, SpotScheduling, StorageClasses, TrainingEngine,
} from '../../src';
import {
  applyAll, cluster, eventually, exitCodeOf, endedPod, forTheLocalCluster, K8s, LogFollower, ON_DEMAND_NODE, reclaim, report, SPOT_NODE,
  synthesize, volumeFor, volumesFor,
} from './util/node';

const STEPS = 80;
/** The claim of the read-only volume that holds the suite's torch virtualenv. */
const TORCH_CLAIM = {
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name: 'torch' },
  spec: { accessModes: ['ReadOnlyMany'], storageClassName: '', resources: { requests: { storage: '8Gi' } } },
};
const SITE_PACKAGES = '/opt/torch/lib/python3.11/site-packages';

/** The PyTorchJob's pods of a replica type (Master, Worker), newest first. */
async function replicaPods(namespace: string, job: string, type: 'master' | 'worker'): Promise<K8s.V1Pod[]> {
  const list = await cluster.core.listNamespacedPod({
    namespace, labelSelector: `training.kubeflow.org/job-name=${job},training.kubeflow.org/replica-type=${type}`,
  });
  return list.items.sort((a, b) => b.metadata!.creationTimestamp!.getTime() - a.metadata!.creationTimestamp!.getTime());
}

/** A running pod of a replica type that is not `previous` (the operator reuses pod names: told apart by uid). */
async function runningReplica(namespace: string, job: string, type: 'master' | 'worker', previous?: K8s.V1Pod): Promise<K8s.V1Pod> {
  return eventually(`a running ${type} of ${job}`, async () =>
    (await replicaPods(namespace, job, type)).find((p) => p.status?.phase === 'Running' && !p.metadata!.deletionTimestamp
      && p.metadata!.uid !== previous?.metadata!.uid),
  300_000, 500);
}

describe('DistributedPyTorchJob on real nodes with real torch', { concurrency: true }, () => {
  it('Training Operator: the Worker is evicted: both launchers exit 143, the ranks rendezvous again, resume from the emergency checkpoint and succeed, no crash counted', async () => {
    const venv = process.env.TORCH_VENV;
    if (!venv) throw new Error('TORCH_VENV is not set: run the node suite with `npm run test:node`, which makes the torch virtualenv');
    const objects = forTheLocalCluster(synthesize((chart) => {
      const ddp = new DistributedPyTorchJob(chart, 'ddp', {
        name: 'fraud-ddp',
        image: 'registry.company.com/fraud-trainer:v3.0',
        script: ['/app/ddp_trainer.py', `--steps=${STEPS}`, '--step-seconds=0.25'],
        nodes: 2,
        processesPerNode: 1,
        cpu: Cpu.units(1),
        memory: Size.gibibytes(2),
        checkpoint: {
          storage: CheckpointStorage.newClaim({ claimName: 'ddp-checkpoints', storageClassName: StorageClasses.GKE_FILESTORE_STANDARD_RWX, size: Size.tebibytes(1) }),
          subPath: 'ddp',
        },
        spot: SpotScheduling.gke(),
        onDemandMaster: true,
        volumes: [{ volume: PodVolume.fromPersistentVolumeClaim('torch', { readOnly: true }), mountPath: '/opt/torch', readOnly: true }],
        env: { PYTHONPATH: EnvValue.fromValue(SITE_PACKAGES) },
        activeDeadline: Duration.minutes(15),
      });
      ddp.acknowledgeRule('init-pytorch-pod-security', 'the node suite runs the operator with DistributedPyTorchJob.RESTRICTED_INIT_CONTAINER_TEMPLATE');
    }).objects);
    const pytorchJob = objects.find((o) => o.kind === 'PyTorchJob');
    expect(pytorchJob.spec.pytorchReplicaSpecs.Worker.restartPolicy).toBe('ExitCode');
    const namespace = await cluster.namespace('ddp');
    const folders = await volumesFor(objects, namespace);
    await volumeFor(namespace, 'torch', '', ['ReadOnlyMany'], '8Gi', venv);
    await applyAll([{
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'torch' },
      spec: { accessModes: ['ReadOnlyMany'], storageClassName: '', resources: { requests: { storage: '8Gi' } } },
    }, ...objects], namespace);

    // Placement on the real scheduler: the Master off spot capacity, the Worker on it.
    const master = await runningReplica(namespace, 'fraud-ddp', 'master');
    const worker = await runningReplica(namespace, 'fraud-ddp', 'worker');
    expect(master.spec!.nodeName).toBe(ON_DEMAND_NODE);
    expect(worker.spec!.nodeName).toBe(SPOT_NODE);
    const masterLog = await LogFollower.start(namespace, master.metadata!.name!, 'pytorch');
    const workerLog = await LogFollower.start(namespace, worker.metadata!.name!, 'pytorch');
    await eventually('both ranks to train 25 steps', async () => [masterLog, workerLog].every((l) => /^progress step=2[5-9] /m.test(l.text)), 300_000, 500);

    const evictedAt = Date.now();
    await reclaim(worker, 'eviction');
    const [workerEnded, workerText] = await Promise.all([endedPod(namespace, worker.metadata!.name!, 120_000, worker.metadata!.uid),
      workerLog.ended]);
    const saved = /^checkpoint step=(\d+) reason=sigterm rank=1$/m.exec(workerText);
    expect(saved).not.toBeNull();
    expect(workerText).toMatch(/cdk8s-training launcher: got SIGTERM: .* exit 143 \(preempted\)/);
    if (workerEnded) expect(exitCodeOf(workerEnded, 'pytorch')).toBe(143);
    const [masterEnded, masterText] = await Promise.all([endedPod(namespace, master.metadata!.name!, 120_000, master.metadata!.uid),
      masterLog.ended]);
    const masterLeft = (Date.now() - evictedAt) / 1000;
    expect(masterText).toMatch(/cdk8s-training launcher: the workers failed with exit codes \[\d+\] after another pod was preempted: exit 143, not counted/);
    if (masterEnded) expect(exitCodeOf(masterEnded, 'pytorch')).toBe(143);

    // The operator restarts both; they resume from the Worker's emergency checkpoint.
    const master2 = await runningReplica(namespace, 'fraud-ddp', 'master', master);
    const worker2 = await runningReplica(namespace, 'fraud-ddp', 'worker', worker);
    expect(master2.spec!.nodeName).toBe(ON_DEMAND_NODE);
    expect(worker2.spec!.nodeName).toBe(SPOT_NODE);
    const [master2Text, worker2Text] = await Promise.all([
      (await LogFollower.start(namespace, master2.metadata!.name!, 'pytorch')).ended,
      (await LogFollower.start(namespace, worker2.metadata!.name!, 'pytorch')).ended,
    ]);
    for (const text of [master2Text, worker2Text]) {
      expect(text).toMatch(new RegExp(`^resumed step=${saved![1]} world=2 rank=\\d$`, 'm'));
      expect(text).toMatch(new RegExp(`^training complete step=${STEPS} `, 'm'));
    }
    await eventually('the PyTorchJob to succeed', async () => {
      const job = await cluster.get(`/apis/kubeflow.org/v1/namespaces/${namespace}/pytorchjobs/fraud-ddp`);
      return (job?.status?.conditions ?? []).find((c: any) => c.type === 'Succeeded' && c.status === 'True') ? job : undefined;
    }, 300_000, 1000);
    // The launchers' records on the shared volume: the preemption, the Master's failure after
    // it, and no crash (what backoffLimit counts).
    const events = fs.readdirSync(path.join(folders['ddp-checkpoints'], 'ddp', '.cdk8s-training', 'launcher', 'fraud-ddp'));
    expect(events.some((e) => e.endsWith('_preempted'))).toBe(true);
    expect(events.filter((e) => e.endsWith('_crash'))).toEqual([]);
    report(`ddp: worker evicted at step ${saved![1]}, both launchers exited 143 (the master's ${masterLeft.toFixed(0)} s after the eviction), ` +
      `resumed at step ${saved![1]} on ${master2.spec!.nodeName} + ${worker2.spec!.nodeName}, Succeeded ${((Date.now() - evictedAt) / 1000).toFixed(0)} s ` +
      `after the eviction; launcher records: ${events.map((e) => e.split('_')[2]).sort().join(', ')}`);
  });
  it('JobSet engine, onDemandMaster: rank 0 on the on-demand node, the spot node\'s rank evicted, the JobSet restarts without using maxRestarts, resumes from the emergency checkpoint and completes', async () => {
    const venv = process.env.TORCH_VENV;
    if (!venv) throw new Error('TORCH_VENV is not set: run the node suite with `npm run test:node`, which makes the torch virtualenv');
    const objects = forTheLocalCluster(synthesize((chart) => {
      new DistributedPyTorchJob(chart, 'ddp', {
        name: 'fraud-ddp-js',
        image: 'registry.company.com/fraud-trainer:v3.0',
        script: ['/app/ddp_trainer.py', `--steps=${STEPS}`, '--step-seconds=0.25'],
        nodes: 2,
        processesPerNode: 1,
        cpu: Cpu.units(1),
        memory: Size.gibibytes(2),
        engine: TrainingEngine.jobSet(),
        onDemandMaster: true,
        checkpoint: {
          storage: CheckpointStorage.newClaim({ claimName: 'ddp-js-checkpoints', storageClassName: StorageClasses.GKE_FILESTORE_STANDARD_RWX, size: Size.tebibytes(1) }),
          subPath: 'ddp',
        },
        spot: SpotScheduling.gke(),
        volumes: [{ volume: PodVolume.fromPersistentVolumeClaim('torch', { readOnly: true }), mountPath: '/opt/torch', readOnly: true }],
        env: { PYTHONPATH: EnvValue.fromValue(SITE_PACKAGES) },
        activeDeadline: Duration.minutes(15),
      });
    }).objects);
    const namespace = await cluster.namespace('ddp-jobset');
    await volumesFor(objects, namespace);
    await volumeFor(namespace, 'torch', '', ['ReadOnlyMany'], '8Gi', venv);
    await applyAll([TORCH_CLAIM, ...objects], namespace);

    // The node rank is the child Job's global index (master 0, node 1), which JobSet writes on its pods.
    const nodePod = async (index: number, previous?: K8s.V1Pod) => eventually(`a running pod of node ${index}`, async () => {
      const pods = await cluster.core.listNamespacedPod({ namespace, labelSelector: 'jobset.sigs.k8s.io/jobset-name=fraud-ddp-js' });
      return pods.items.find((p) => p.metadata!.annotations!['jobset.sigs.k8s.io/job-global-index'] === String(index)
        && p.status?.phase === 'Running' && !p.metadata!.deletionTimestamp && p.metadata!.uid !== previous?.metadata!.uid);
    }, 300_000, 500);
    const [node0, node1] = [await nodePod(0), await nodePod(1)];
    expect(node0.metadata!.labels!['jobset.sigs.k8s.io/replicatedjob-name']).toBe('master');
    expect(node0.spec!.nodeName).toBe(ON_DEMAND_NODE);
    expect(node1.spec!.nodeName).toBe(SPOT_NODE);
    const logs = [await LogFollower.start(namespace, node0.metadata!.name!, 'node'), await LogFollower.start(namespace, node1.metadata!.name!, 'node')];
    await eventually('both ranks to train 25 steps', async () => logs.every((l) => /^progress step=2[5-9] /m.test(l.text)), 300_000, 500);

    const evictedAt = Date.now();
    await reclaim(node1, 'eviction');
    const [evictedText, survivorText] = await Promise.all([logs[1].ended, logs[0].ended]);
    const saved = /^checkpoint step=(\d+) reason=sigterm rank=1$/m.exec(evictedText);
    expect(saved).not.toBeNull();
    expect(evictedText).toMatch(/cdk8s-training launcher: got SIGTERM: .* exit 143 \(preempted\)/);

    const [again0, again1] = [await nodePod(0, node0), await nodePod(1, node1)];
    const [text0, text1] = await Promise.all([
      (await LogFollower.start(namespace, again0.metadata!.name!, 'node')).ended,
      (await LogFollower.start(namespace, again1.metadata!.name!, 'node')).ended,
    ]);
    expect(again0.spec!.nodeName).toBe(ON_DEMAND_NODE);
    for (const [rank, text] of [text0, text1].entries()) {
      // Each pod's rank is the one its Job's global index gave torchrun (ddp_trainer prints its global rank).
      expect(text).toMatch(new RegExp(`^resumed step=${saved![1]} world=2 rank=${rank}$`, 'm'));
      expect(text).toMatch(new RegExp(`^training complete step=${STEPS} `, 'm'));
    }
    const done = await eventually('the JobSet to complete', async () => {
      const js = await cluster.get(`/apis/jobset.x-k8s.io/v1alpha2/namespaces/${namespace}/jobsets/fraud-ddp-js`);
      return (js?.status?.conditions ?? []).find((c: any) => c.type === 'Completed' && c.status === 'True') ? js : undefined;
    }, 300_000, 1000);
    // The restart was the preemption rule's (RestartJobSetAndIgnoreMaxRestarts): maxRestarts untouched.
    expect(done.status.restarts).toBe(1);
    expect(done.status.restartsCountTowardsMax ?? 0).toBe(0);
    // The survivor lost its peer; its launcher waits before deciding, so the preempted pod's
    // failure (DisruptionTarget, the preemption rule) reaches the JobSet first and the restart
    // stops the survivor: it never fails its child Job with a crash's exit 1.
    expect(survivorText).not.toMatch(/cdk8s-training launcher: .*: exit 1$/m);
    const survivorSaid = /cdk8s-training launcher: (.*)$/m.exec(survivorText)?.[1] ?? 'stopped by the restart before deciding';
    report(`ddp on JobSet, rank 0 on-demand: node 1 evicted at step ${saved![1]}, JobSet restarted (restarts ${done.status.restarts}, counted toward maxRestarts ` +
      `${done.status.restartsCountTowardsMax ?? 0}), resumed at step ${saved![1]}, Completed ${((Date.now() - evictedAt) / 1000).toFixed(0)} s after the ` +
      `eviction; the survivor's launcher: ${survivorSaid}`);
  });
});
