/**
 * DistributedPyTorchJob on the Kubeflow Training Operator (v1.9, cmd/training-operator.v1
 * built from cluster/operators/go.mod) with its validating webhook, run as the README tells a
 * platform team to run it (--pytorch-init-container-template-file with the library's
 * template), in namespaces that enforce Pod Security "restricted". The test plays the node.
 */
import { describe, it } from 'node:test';
import { Size } from 'cdk8s';
import { expect } from 'expect';
import { parse as parseYaml } from 'yaml';
import { Cluster, splitDocuments } from './util/cluster';
import { conditionTrue, editYaml, envOf, newPods, objectWhen, podsBy, synthYaml } from './util/workloads';
import { Accelerator, CheckpointStorage, DistributedPyTorchJob, SpotScheduling, StorageClasses } from '../../src';
import { contextFor, evaluate } from '../../src/findings/evaluate';
import { ALL_RULES } from '../../src/rules';

const cluster = Cluster.fromEnv();
const BACKOFF_LIMIT = 1;

function pytorchJob(): string {
  return synthYaml((chart) => {
    new DistributedPyTorchJob(chart, 'ddp', {
      name: 'ddp',
      image: 'registry.example.com/trainer:v1',
      script: ['train.py', '--epochs=10'],
      nodes: 2,
      processesPerNode: 2,
      accelerator: Accelerator.nvidiaGpu(2),
      memory: Size.gibibytes(8),
      checkpoint: {
        storage: CheckpointStorage.newClaim({ claimName: 'ddp-checkpoints', storageClassName: StorageClasses.GKE_FILESTORE_STANDARD_RWX, size: Size.tebibytes(1) }),
      },
      spot: SpotScheduling.gke(),
      onDemandMaster: true,
      backoffLimit: BACKOFF_LIMIT,
    });
  });
}

const path = (ns: string) => `/apis/kubeflow.org/v1/namespaces/${ns}/pytorchjobs/ddp`;
const master = 'training.kubeflow.org/job-name=ddp,training.kubeflow.org/replica-type=master';
const worker = 'training.kubeflow.org/job-name=ddp,training.kubeflow.org/replica-type=worker';

async function start(yaml = pytorchJob()) {
  const ns = await cluster.namespace('ptj');
  await cluster.applyAll(yaml, ns);
  const seen = new Set<string>();
  const [m] = await newPods(cluster, ns, master, 1, seen);
  const [w] = await newPods(cluster, ns, worker, 1, seen);
  await cluster.node.run(m);
  await cluster.node.run(w);
  return { ns, seen, master: m, worker: w };
}

const failed = (ns: string) => objectWhen(cluster, path(ns), 'PyTorchJob Failed', (o) => conditionTrue(o, 'Failed'));

describe('DistributedPyTorchJob on the Training Operator', () => {
  it('the operator admits the PyTorchJob and creates pods with the env and command the README describes, admitted by Pod Security restricted', async () => {
    const { master: m, worker: w } = await start();
    const mc = m.spec!.containers.find((c) => c.name === 'pytorch')!;
    const wc = w.spec!.containers.find((c) => c.name === 'pytorch')!;
    // What the operator injects: torchrun reads the Master's address and the node's rank.
    expect(envOf(mc)).toMatchObject({ MASTER_ADDR: 'ddp-master-0', MASTER_PORT: '23456', WORLD_SIZE: '4', RANK: '0', PET_NODE_RANK: '0', PET_NNODES: '2', PET_NPROC_PER_NODE: '2' });
    expect(envOf(wc)).toMatchObject({ MASTER_ADDR: 'ddp-master-0', WORLD_SIZE: '4', RANK: '1', PET_NODE_RANK: '1' });
    // PET_NPROC_PER_NODE once: the operator sets it from spec.nprocPerNode, the library does not.
    expect(wc.env!.filter((e) => e.name === 'PET_NPROC_PER_NODE')).toHaveLength(1);
    // The launcher runs torchrun with the address the kubelet expands from those variables.
    expect(mc.command!.slice(0, 2)).toEqual(['python3', '-c']);
    expect(mc.command!.slice(3)).toEqual(['--master_addr=$(MASTER_ADDR)', '--master_port=$(MASTER_PORT)', 'train.py', '--epochs=10']);
    expect(wc.command).toEqual(mc.command);
    // The Worker's init-pytorch container is the library's restricted template.
    expect(w.spec!.initContainers!.map((c) => c.name)).toEqual(['init-pytorch']);
    expect(w.spec!.initContainers![0].securityContext).toMatchObject({ allowPrivilegeEscalation: false, runAsNonRoot: true });
    // onDemandMaster: the Master avoids spot capacity, the Worker tolerates it.
    expect(JSON.stringify(m.spec!.tolerations ?? [])).not.toMatch(/gke-spot/);
    expect(JSON.stringify(w.spec!.tolerations)).toMatch(/gke-spot/);
  });

  it(`preempted Workers (DisruptionTarget, exit 143) are replaced more than backoffLimit (${BACKOFF_LIMIT}) times; the job keeps running`, async () => {
    const { ns, seen } = await start();
    let w = (await podsBy(cluster, ns, worker))[0];
    for (let i = 0; i < BACKOFF_LIMIT + 2; i++) {
      await cluster.node.terminate(w, { exitCode: 143, disruption: 'TerminationByKubelet' });
      [w] = await newPods(cluster, ns, worker, 1, seen);
      await cluster.node.run(w);
    }
    const job = await cluster.get(path(ns));
    expect(conditionTrue(job, 'Failed')).toBeUndefined();
    expect(conditionTrue(job, 'Running') ?? conditionTrue(job, 'Restarting')).toBeDefined();
  });

  it(`the operator counts nothing under ExitCode: the launcher's retry code (142) is retried beyond backoffLimit (${BACKOFF_LIMIT}); its exhausted crash budget (exit 1) fails the job`, async () => {
    // Why the launcher keeps the crash budget itself: runPolicy.backoffLimit never stops these.
    const { ns, seen } = await start();
    let w = (await podsBy(cluster, ns, worker))[0];
    for (let i = 0; i < BACKOFF_LIMIT + 2; i++) {
      await cluster.node.terminate(w, { exitCode: 142 });
      [w] = await newPods(cluster, ns, worker, 1, seen);
      await cluster.node.run(w);
    }
    expect(conditionTrue(await cluster.get(path(ns)), 'Failed')).toBeUndefined();
    await cluster.node.terminate(w, { exitCode: 1 });
    expect(conditionTrue(await failed(ns), 'Failed').reason).toBe('PyTorchJobFailed');
  });

  it('exit 2 (configuration error) fails the PyTorchJob at once', async () => {
    const { ns, worker: w } = await start();
    await cluster.node.terminate(w, { exitCode: 2 });
    const job = await failed(ns);
    expect(conditionTrue(job, 'Failed').message).toMatch(/Worker.*failed/);
  });

  it('control: with the replica restartPolicy edited to Never, one preemption fails the job', async () => {
    const yaml = editYaml(pytorchJob(), (o) => {
      if (o.kind !== 'PyTorchJob') return;
      for (const r of Object.values<any>(o.spec.pytorchReplicaSpecs)) r.restartPolicy = 'Never';
    });
    const { ns, worker: w } = await start(yaml);
    await cluster.node.terminate(w, { exitCode: 143, disruption: 'TerminationByKubelet' });
    await failed(ns);
  });

  it(`OnFailure (the operator's default, the seed's): preempted Workers are recreated beyond backoffLimit (${BACKOFF_LIMIT}) too; the preemption-policy rule says nothing about it`, async () => {
    const yaml = editYaml(pytorchJob(), (o) => {
      if (o.kind !== 'PyTorchJob') return;
      for (const r of Object.values<any>(o.spec.pytorchReplicaSpecs)) {
        r.restartPolicy = 'OnFailure';
        r.template.spec.restartPolicy = 'OnFailure';
      }
    });
    const edited = splitDocuments(yaml).map((d) => parseYaml(d)).find((o: any) => o.kind === 'PyTorchJob');
    expect(evaluate([edited], contextFor([edited], 36), new Set(), [ALL_RULES.find((r) => r.id === 'preemption-policy')!])).toEqual([]);
    const { ns, seen } = await start(yaml);
    let w = (await podsBy(cluster, ns, worker))[0];
    for (let i = 0; i < BACKOFF_LIMIT + 2; i++) {
      await cluster.node.terminate(w, { exitCode: 143, disruption: 'TerminationByKubelet' });
      [w] = await newPods(cluster, ns, worker, 1, seen);
      await cluster.node.run(w);
    }
    const job = await cluster.get(path(ns));
    expect(conditionTrue(job, 'Failed')).toBeUndefined();
  });

  it("the operator's webhook refuses what its CRD schema accepts (control for the harness: the webhook runs)", async () => {
    const ns = await cluster.namespace('ptj');
    const yaml = editYaml(pytorchJob(), (o) => {
      if (o.kind === 'PyTorchJob') o.spec.pytorchReplicaSpecs.Master.replicas = 2;
    });
    const refused = await cluster.applyAll(yaml, ns).catch((e) => e);
    expect(refused.message).toMatch(/denied the request.*Master/i);
  });
});
