/**
 * The library's `queue` on Kueue (v0.19, cmd/kueue built from cluster/operators/go.mod, with its
 * webhooks), configured with the batch/job, JobSet and TrainJob integrations Kueue enables by
 * default and the kubeflow.org/pytorchjob integration the README tells a platform to enable.
 * Each kind is admitted into a ClusterQueue with enough GPU quota and kept suspended by one
 * without it.
 */
import { describe, it } from 'node:test';
import { Size } from 'cdk8s';
import { expect } from 'expect';
import { Cluster, eventually, Obj } from './util/cluster';
import { applyAsReadme, conditionTrue, podsBy, synthYaml } from './util/workloads';
import {
  Accelerator, CheckpointStorage, DistributedPyTorchJob, SpotScheduling, SpotTolerantTrainingJob, StorageClasses, TrainingEngine,
} from '../../src';

const cluster = Cluster.fromEnv();
const QUEUE = 'team-gpu';

const common = {
  name: 'train',
  image: 'registry.example.com/trainer:v1',
  memory: Size.gibibytes(8),
  checkpoint: {
    storage: CheckpointStorage.newClaim({ claimName: 'train-checkpoints', storageClassName: StorageClasses.GKE_FILESTORE_STANDARD_RWX, size: Size.tebibytes(1) }),
  },
  spot: SpotScheduling.gke(),
  queue: QUEUE,
};

interface Kind {
  readonly kind: string;
  /** GPUs the whole workload requests. */
  readonly gpus: number;
  readonly yaml: () => string;
  readonly path: (ns: string) => string;
  readonly suspended: (obj: any) => boolean | undefined;
  /** The selector of its pods, and how many it starts. */
  readonly pods: string;
  readonly podCount: number;
}

const distributed = (engine: TrainingEngine) => () => synthYaml((chart) => {
  new DistributedPyTorchJob(chart, 'train', { ...common, engine, script: ['train.py'], nodes: 2, accelerator: Accelerator.nvidiaGpu(2) });
});

const kinds: Kind[] = [
  {
    kind: 'Job',
    gpus: 2,
    yaml: () => synthYaml((chart) => {
      new SpotTolerantTrainingJob(chart, 'train', { ...common, command: ['python', 'train.py'], accelerator: Accelerator.nvidiaGpu(2) });
    }),
    path: (ns) => `/apis/batch/v1/namespaces/${ns}/jobs/train`,
    suspended: (o) => o.spec.suspend,
    pods: 'batch.kubernetes.io/job-name=train',
    podCount: 1,
  },
  {
    kind: 'JobSet',
    gpus: 4,
    yaml: distributed(TrainingEngine.jobSet()),
    path: (ns) => `/apis/jobset.x-k8s.io/v1alpha2/namespaces/${ns}/jobsets/train`,
    suspended: (o) => o.spec.suspend,
    pods: 'jobset.sigs.k8s.io/jobset-name=train',
    podCount: 2,
  },
  {
    kind: 'TrainJob',
    gpus: 4,
    yaml: distributed(TrainingEngine.trainerV2()),
    path: (ns) => `/apis/trainer.kubeflow.org/v1alpha1/namespaces/${ns}/trainjobs/train`,
    suspended: (o) => o.spec.suspend,
    pods: 'jobset.sigs.k8s.io/jobset-name=train',
    podCount: 2,
  },
  {
    kind: 'PyTorchJob',
    gpus: 4,
    yaml: distributed(TrainingEngine.trainingOperator()),
    path: (ns) => `/apis/kubeflow.org/v1/namespaces/${ns}/pytorchjobs/train`,
    suspended: (o) => o.spec.runPolicy?.suspend,
    pods: 'training.kubeflow.org/job-name=train',
    podCount: 2,
  },
];

/** A ResourceFlavor, a ClusterQueue for this namespace only with `gpus` GPUs, and the LocalQueue. */
async function queue(ns: string, gpus: number): Promise<void> {
  const flavor = `${ns}-flavor`;
  const objects: Obj[] = [
    { apiVersion: 'kueue.x-k8s.io/v1beta2', kind: 'ResourceFlavor', metadata: { name: flavor } },
    {
      apiVersion: 'kueue.x-k8s.io/v1beta2',
      kind: 'ClusterQueue',
      metadata: { name: ns },
      spec: {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } },
        resourceGroups: [{
          coveredResources: ['cpu', 'memory', 'nvidia.com/gpu', 'ephemeral-storage'],
          flavors: [{
            name: flavor,
            resources: [
              { name: 'cpu', nominalQuota: '64' },
              { name: 'memory', nominalQuota: '512Gi' },
              { name: 'nvidia.com/gpu', nominalQuota: String(gpus) },
              { name: 'ephemeral-storage', nominalQuota: '1Ti' },
            ],
          }],
        }],
      },
    },
    { apiVersion: 'kueue.x-k8s.io/v1beta2', kind: 'LocalQueue', metadata: { name: QUEUE, namespace: ns }, spec: { clusterQueue: ns } },
  ];
  for (const o of objects) await cluster.apply(JSON.stringify(o));
  await eventually(`ClusterQueue ${ns} active`, async () => conditionTrue(await cluster.get(`/apis/kueue.x-k8s.io/v1beta2/clusterqueues/${ns}`), 'Active'));
}


const workload = (ns: string) => eventually(`a Kueue Workload in ${ns}`, async () =>
  (await cluster.get(`/apis/kueue.x-k8s.io/v1beta2/namespaces/${ns}/workloads`))?.items?.[0]);

describe('Kueue queues the library\'s workloads by their queue label', () => {
  for (const k of kinds) {
    it(`${k.kind}: admitted into a ClusterQueue with ${k.gpus} GPUs, and then runs`, async () => {
      const ns = await cluster.namespace('kueue');
      await queue(ns, k.gpus);
      await applyAsReadme(cluster, k.yaml(), ns);
      const admitted = await eventually(`the ${k.kind}'s Workload admitted`, async () => {
        const w = await workload(ns);
        return conditionTrue(w, 'Admitted') ? w : undefined;
      });
      expect(admitted.spec.queueName).toBe(QUEUE);
      const gpus = admitted.status.admission.podSetAssignments
        .reduce((sum: number, a: any) => sum + Number(a.resourceUsage?.['nvidia.com/gpu'] ?? 0), 0);
      expect(gpus).toBe(k.gpus);
      await eventually(`the ${k.kind} resumed`, async () => k.suspended(await cluster.get(k.path(ns))) === false);
      // Its controller then starts every pod (Pod Security "restricted" admits them).
      await eventually(`${k.podCount} pod(s) of the ${k.kind}`, async () => (await podsBy(cluster, ns, k.pods)).length === k.podCount);
    });

    it(`${k.kind}: kept suspended by a ClusterQueue with ${k.gpus - 1} GPUs`, async () => {
      const ns = await cluster.namespace('kueue');
      await queue(ns, k.gpus - 1);
      await applyAsReadme(cluster, k.yaml(), ns);
      const pending = await eventually(`the ${k.kind}'s Workload found pending`, async () => {
        const w = await workload(ns);
        const reserved = (w.status?.conditions ?? []).find((c: any) => c.type === 'QuotaReserved');
        return reserved?.status === 'False' ? reserved : undefined;
      });
      expect(pending.message).toMatch(/insufficient quota for nvidia.com\/gpu/);
      expect(k.suspended(await cluster.get(k.path(ns)))).toBe(true);
      expect(await podsBy(cluster, ns, k.pods)).toHaveLength(0);
    });
  }
});
