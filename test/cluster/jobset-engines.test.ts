/**
 * DistributedPyTorchJob on the JobSet engines: a JobSet on the JobSet controller (v0.12), and a
 * TrainJob plus its TrainingRuntime on Kubeflow Trainer (v2.3), which builds the JobSet; both
 * with their admission webhooks, both built from cluster/operators/go.mod, on the real Job
 * controller, in namespaces that enforce Pod Security "restricted". The test plays the node.
 */
import { describe, it } from 'node:test';
import { Size } from 'cdk8s';
import { expect } from 'expect';
import { parse as parseYaml } from 'yaml';
import { Cluster, eventually, splitDocuments } from './util/cluster';
import { applyAsReadme, conditionTrue, editYaml, envOf, newPods, objectWhen, synthYaml } from './util/workloads';
import { Accelerator, CheckpointStorage, DistributedPyTorchJob, SpotScheduling, StorageClasses, TrainingEngine } from '../../src';
import { contextFor, evaluate } from '../../src/findings/evaluate';
import { ALL_RULES } from '../../src/rules';

const cluster = Cluster.fromEnv();
const BACKOFF_LIMIT = 1;
const NODES = 2;

interface Engine {
  readonly title: string;
  readonly engine: TrainingEngine;
  /** The kind the user applies, and the REST path of the one named `ddp`. */
  readonly kind: string;
  readonly path: (ns: string) => string;
  /** Applies the synthesized file as the README says. */
  readonly apply: (yaml: string, ns: string) => Promise<void>;
}

const jobSetPath = (ns: string) => `/apis/jobset.x-k8s.io/v1alpha2/namespaces/${ns}/jobsets/ddp`;

const engines: Engine[] = [
  {
    title: 'JobSet',
    engine: TrainingEngine.jobSet(),
    kind: 'JobSet',
    path: jobSetPath,
    apply: async (yaml, ns) => { await cluster.applyAll(yaml, ns); },
  },
  {
    title: 'Kubeflow Trainer v2',
    engine: TrainingEngine.trainerV2(),
    kind: 'TrainJob',
    path: (ns) => `/apis/trainer.kubeflow.org/v1alpha1/namespaces/${ns}/trainjobs/ddp`,
    // README: the TrainingRuntimes first (kubectl apply -l trainer.kubeflow.org/framework=torch),
    // then the rest.
    apply: (yaml, ns) => applyAsReadme(cluster, yaml, ns),
  },
];

function ddp(engine: TrainingEngine): string {
  return synthYaml((chart) => {
    new DistributedPyTorchJob(chart, 'ddp', {
      name: 'ddp',
      engine,
      image: 'registry.example.com/trainer:v1',
      script: ['train.py', '--epochs=10'],
      nodes: NODES,
      processesPerNode: 2,
      accelerator: Accelerator.nvidiaGpu(2),
      memory: Size.gibibytes(8),
      checkpoint: {
        storage: CheckpointStorage.newClaim({ claimName: 'ddp-checkpoints', storageClassName: StorageClasses.GKE_FILESTORE_STANDARD_RWX, size: Size.tebibytes(1) }),
      },
      spot: SpotScheduling.gke(),
      backoffLimit: BACKOFF_LIMIT,
    });
  });
}

const pods = 'jobset.sigs.k8s.io/jobset-name=ddp';

for (const e of engines) {
  /** Applies the job and runs its first gang of pods. */
  const start = async (yaml = ddp(e.engine)) => {
    const ns = await cluster.namespace('gang');
    await e.apply(yaml, ns);
    const seen = new Set<string>();
    const gang: any[] = await newPods(cluster, ns, pods, NODES, seen);
    for (const p of gang) await cluster.node.run(p);
    return { ns, seen, gang };
  };
  /** Ends one pod of the gang and runs the replacement gang the JobSet restart creates. */
  const failOne = async (ns: string, seen: Set<string>, gang: any[], how: { exitCode: number; disruption?: string }) => {
    await cluster.node.terminate(gang[gang.length - 1], how);
    const next = await newPods(cluster, ns, pods, NODES, seen);
    for (const p of next) await cluster.node.run(p);
    return next;
  };
  const jobSet = (ns: string) => cluster.get(jobSetPath(ns));
  const failed = (ns: string) => objectWhen(cluster, e.path(ns), `${e.kind} Failed`, (o) => conditionTrue(o, 'Failed'));

  describe(`DistributedPyTorchJob on ${e.title}`, () => {
    it('the webhooks admit it; each node pod gets the PET_* variables and the launcher command the README describes', async () => {
      const { gang } = await start();
      const byRank = gang.map((p) => p.spec.containers.find((c: any) => c.name === 'node'));
      expect(byRank).toHaveLength(NODES);
      for (const c of byRank) {
        expect(envOf(c)).toMatchObject({
          PET_NNODES: String(NODES),
          PET_NPROC_PER_NODE: '2',
          PET_MASTER_ADDR: 'ddp-node-0-0.ddp',
          PET_MASTER_PORT: '29500',
          PET_NODE_RANK: { fieldRef: expect.objectContaining({ fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" }) },
        });
        // Each PET_* variable once (Trainer v2 injects them; the library must not repeat them).
        const names = c.env.map((v: any) => v.name).filter((n: string) => n.startsWith('PET_'));
        expect(new Set(names).size).toBe(names.length);
        expect(c.command.slice(0, 2)).toEqual(['python3', '-c']);
        expect(c.command.slice(3)).toEqual(['train.py', '--epochs=10']);
      }
      expect(gang.map((p) => p.metadata.annotations['batch.kubernetes.io/job-completion-index']).sort()).toEqual(['0', '1']);
    });

    it(`preemptions (DisruptionTarget, or exit 143) restart the gang more than backoffLimit (${BACKOFF_LIMIT}) times without counting`, async () => {
      const start_ = await start();
      const { ns, seen } = start_;
      let gang = start_.gang;
      for (let i = 0; i < BACKOFF_LIMIT + 2; i++) {
        gang = await failOne(ns, seen, gang, i % 2 === 0 ? { exitCode: 137, disruption: 'TerminationByKubelet' } : { exitCode: 143 });
      }
      const js = await jobSet(ns);
      expect(js.status.restarts).toBe(BACKOFF_LIMIT + 2);
      expect(js.status.restartsCountTowardsMax ?? 0).toBe(0);
      expect(conditionTrue(await cluster.get(e.path(ns)), 'Failed')).toBeUndefined();
    });

    it('exit 2 (configuration error) fails the run at once', async () => {
      const { ns, gang } = await start();
      await cluster.node.terminate(gang[0], { exitCode: 2 });
      await failed(ns);
      expect((await jobSet(ns)).status.restarts ?? 0).toBe(0);
    });

    it(`a crash (exit 1) counts: the run fails after backoffLimit (${BACKOFF_LIMIT}) restarts`, async () => {
      const { ns, seen, gang } = await start();
      let current = gang;
      for (let i = 0; i < BACKOFF_LIMIT; i++) current = await failOne(ns, seen, current, { exitCode: 1 });
      expect(conditionTrue(await cluster.get(e.path(ns)), 'Failed')).toBeUndefined();
      await cluster.node.terminate(current[0], { exitCode: 1 });
      await failed(ns);
      expect((await jobSet(ns)).status.restartsCountTowardsMax).toBe(BACKOFF_LIMIT);
    });

    it('control: without the preemption rule in the YAML, one preemption fails the run', async () => {
      const yaml = editYaml(ddp(e.engine), (o) => {
        const spec = o.kind === 'JobSet' ? o.spec : o.kind === 'TrainingRuntime' ? o.spec.template.spec : undefined;
        if (spec) spec.failurePolicy.rules = spec.failurePolicy.rules.filter((r: any) => r.name !== 'preemption');
      });
      const { ns, gang } = await start(yaml);
      // The Job fails with reason PodFailurePolicy, which the configuration_error rule then matches.
      await cluster.node.terminate(gang[0], { exitCode: 143, disruption: 'TerminationByKubelet' });
      await failed(ns);
    });

    it("control: the JobSet webhook refuses a failure-policy rule named 'configuration-error' (the name the library wrote before)", async () => {
      const yaml = editYaml(ddp(e.engine), (o) => {
        const spec = o.kind === 'JobSet' ? o.spec : o.kind === 'TrainingRuntime' ? o.spec.template.spec : undefined;
        if (spec) spec.failurePolicy.rules.find((r: any) => r.name === 'configuration_error').name = 'configuration-error';
      });
      const ns = await cluster.namespace('gang');
      const outcome = await e.apply(yaml, ns).then(() => 'applied', (err) => err.message);
      if (e.kind === 'JobSet') {
        expect(outcome).toMatch(/denied the request.*configuration-error/);
      } else {
        // Trainer v2 builds the JobSet itself, after admission: the JobSet webhook refuses it
        // there, so the TrainJob never gets its JobSet or pods.
        expect(outcome).toBe('applied');
        const event = await eventually('the TrainJob\'s event about its refused JobSet', async () =>
          (await cluster.events(ns, 'ddp')).find((ev) => ev.reason === 'TrainJobResourcesCreationFailed'));
        expect(event.message).toMatch(/denied the request.*configuration-error/);
        expect(await jobSet(ns)).toBeUndefined();
      }
    });

    if (e.kind === 'JobSet') {
      it('failure-policy rules without a name are admitted: the webhook\'s defaulting names them failurePolicyRule<i> before it validates (and the jobset-admission rule agrees)', async () => {
        const yaml = editYaml(ddp(e.engine), (o) => {
          if (o.kind === 'JobSet') for (const rule of o.spec.failurePolicy.rules) delete rule.name;
        });
        const unnamed = splitDocuments(yaml).map((d) => parseYaml(d)).find((o: any) => o.kind === 'JobSet');
        expect(evaluate([unnamed], contextFor([unnamed], 36), new Set(), [ALL_RULES.find((r) => r.id === 'jobset-admission')!])).toEqual([]);
        const ns = await cluster.namespace('gang');
        await e.apply(yaml, ns);
        const stored = await jobSet(ns);
        expect(stored.spec.failurePolicy.rules.map((r: any) => r.name)).toEqual(stored.spec.failurePolicy.rules.map((_: any, i: number) => `failurePolicyRule${i}`));
      });
    }

    if (e.kind === 'TrainJob') {
      it('control: the Trainer webhook refuses a TrainJob whose TrainingRuntime does not exist yet', async () => {
        const ns = await cluster.namespace('gang');
        const trainJob = splitDocuments(ddp(e.engine)).find((d) => /^kind: TrainJob$/m.test(d))!;
        const refused = await cluster.apply(trainJob, ns).then(() => undefined, (err) => err.message);
        expect(refused).toMatch(/denied the request.*ddp-runtime/);
      });
    }
  });
}
