import { ApiObject, Duration, JsonPatch, Names, Size } from 'cdk8s';
import {
  Accelerator,
  CheckpointStorage,
  CleanPodPolicy,
  DistributedPyTorchJob,
  DistributedPyTorchJobProps,
  EnvValue,
  PersistentVolumeAccessMode,
  ReplicaRestartPolicy,
  SpotScheduling,
  TrainingEngine,
} from '../src';
import { expectConformant, testWithSchemas } from './util/conformance';
import { newChart, podTemplates, synth, rwxCheckpoints, warningsOf } from './util/synth';
import { JOBSET_GVK } from '../src/engines/jobset';
import { TRAIN_JOB_GVK, TRAINING_RUNTIME_GVK } from '../src/engines/trainer-v2';
import { PYTORCH_JOB_GVK } from '../src/engines/training-operator';
import { StrictSchemas } from '../src/findings/strict-schemas';
import { PyTorchJob } from '../src/imports/kubeflow.org';
import { TrainingRuntime } from '../src/imports/trainingruntime-trainer.kubeflow.org';
import { TrainJob } from '../src/imports/trainjob-trainer.kubeflow.org';

const ENGINES: Array<[string, () => TrainingEngine]> = [
  ['training-operator', TrainingEngine.trainingOperator],
  ['trainer-v2', TrainingEngine.trainerV2],
  ['jobset', TrainingEngine.jobSet],
];

function build(engine: TrainingEngine, overrides: Partial<DistributedPyTorchJobProps> = {}) {
  const { chart } = newChart();
  const construct = new DistributedPyTorchJob(chart, 'ddp', {
    name: 'fraud-ddp',
    image: 'trainer:v3',
    script: ['train.py', '--epochs=50'],
    nodes: 4,
    accelerator: Accelerator.nvidiaGpu(4),
    memory: Size.gibibytes(128),
    checkpoint: { storage: rwxCheckpoints() },
    spot: SpotScheduling.eksSpot(),
    queue: 'team-gpu',
    engine,
    ...overrides,
  });
  return { chart, construct };
}

describe.each(ENGINES)('the same app on the %s engine', (id, engine) => {
  const { chart, construct } = build(engine());
  const objects = synth(chart);
  const templates = podTemplates(objects);

  test('conforms strictly to the pinned operators\' CRDs and passes the rules', () => {
    expectConformant(objects);
    expect(construct.engine.id).toBe(id);
  });

  test('ReadWriteMany checkpoints, /dev/shm, GPUs, spot and a grace period covering the notice on every pod', () => {
    expect(templates.length).toBeGreaterThan(0);
    for (const template of templates) {
      const pod = template.spec;
      expect(pod.volumes.find((v: any) => v.name === 'checkpoints').persistentVolumeClaim.claimName).toBeDefined();
      expect(pod.volumes).toContainEqual({ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '32Gi' } });
      expect(pod.containers[0].resources.limits['nvidia.com/gpu']).toBe(4);
      expect(pod.nodeSelector['eks.amazonaws.com/capacityType']).toBe('SPOT');
      expect(pod.terminationGracePeriodSeconds).toBe(120);
      expect(pod.containers[0].env).toContainEqual({ name: 'PREEMPTION_EXIT_CODE', value: '143' });
      expect(template.metadata.labels['kueue.x-k8s.io/queue-name']).toBeUndefined();
    }
    const claim = objects.find((o) => o.kind === 'PersistentVolumeClaim');
    expect(claim.spec.accessModes).toEqual(['ReadWriteMany']);
  });

  test('the Kueue label is on the workload the engine admits', () => {
    const workload = objects.find((o) => ['PyTorchJob', 'TrainJob', 'JobSet'].includes(o.kind));
    expect(workload.metadata.labels['kueue.x-k8s.io/queue-name']).toBe('team-gpu');
    for (const other of objects.filter((o) => o !== workload)) expect(other.metadata.labels?.['kueue.x-k8s.io/queue-name']).toBeUndefined();
  });

  test('preemption does not consume the retry budget, configuration errors fail', () => {
    if (id === 'training-operator') {
      const replicas = objects.find((o) => o.kind === 'PyTorchJob').spec.pytorchReplicaSpecs;
      expect(Object.values<any>(replicas).map((r) => r.restartPolicy)).toEqual(['ExitCode', 'ExitCode']);
      return;
    }
    const jobSet = id === 'jobset' ? objects.find((o) => o.kind === 'JobSet').spec : objects.find((o) => o.kind === 'TrainingRuntime').spec.template.spec;
    const job = jobSet.replicatedJobs[0].template.spec;
    expect(job.podFailurePolicy.rules.map((r: any) => r.action)).toEqual(['FailJob', 'FailJob', 'FailJob']);
    expect(job.podFailurePolicy.rules[0].onPodConditions).toEqual([{ type: 'DisruptionTarget', status: 'True' }]);
    expect(job.podFailurePolicy.rules[1].onExitCodes.values).toEqual([143]);
    expect(jobSet.failurePolicy.rules).toEqual([
      expect.objectContaining({ action: 'RestartJobSetAndIgnoreMaxRestarts', onJobFailureReasons: ['PodFailurePolicy'] }),
      expect.objectContaining({ action: 'FailJobSet', onJobFailureReasons: ['PodFailurePolicy'] }),
    ]);
    expect(jobSet.failurePolicy.maxRestarts).toBe(3);
    expect(job).toMatchObject({ completionMode: 'Indexed', completions: 4, parallelism: 4, backoffLimit: 0, activeDeadlineSeconds: 28800 });
  });

  test('deadline and TTL where the engine has them, a message where it does not', () => {
    const warnings = warningsOf(chart).join('\n');
    if (id === 'training-operator') {
      expect(objects[0].spec.runPolicy).toMatchObject({ activeDeadlineSeconds: 28800, ttlSecondsAfterFinished: 86400 });
    } else if (id === 'trainer-v2') {
      expect(objects.find((o) => o.kind === 'TrainJob').spec.activeDeadlineSeconds).toBe(28800);
      expect(warnings).toMatch(/Kubeflow Trainer v2 \(TrainJob\) has no TTL/);
    } else {
      expect(objects.find((o) => o.kind === 'JobSet').spec.ttlSecondsAfterFinished).toBe(86400);
      expect(warnings).toMatch(/JobSet has no whole-run deadline/);
    }
  });
});

describe('what the controllers and their webhooks require', () => {
  test('the JobSet webhook: failure-policy rule names match its format on both JobSet engines', () => {
    for (const engine of [TrainingEngine.jobSet(), TrainingEngine.trainerV2()]) {
      const { chart } = build(engine);
      const objects = synth(chart);
      const jobSet = objects.find((o) => o.kind === 'JobSet')?.spec ?? objects.find((o) => o.kind === 'TrainingRuntime').spec.template.spec;
      const names = jobSet.failurePolicy.rules.map((r: any) => r.name);
      expect(names).toEqual(['preemption', 'configuration_error']);
      for (const name of names) expect(name).toMatch(/^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/);
    }
  });

  test('the JobSet webhook: a rule name it refuses fails synth (jobset-admission)', () => {
    const { chart, construct } = build(TrainingEngine.jobSet());
    construct.apiObject.addJsonPatch(JsonPatch.replace('/spec/failurePolicy/rules/1/name', 'configuration-error'));
    expect(() => synth(chart)).toThrow(/jobset-admission.*'configuration-error' is refused by the webhook/);
  });

  test('the TrainJob webhook: the TrainingRuntime is written before the TrainJob that references it', () => {
    const { chart } = build(TrainingEngine.trainerV2());
    const kinds = synth(chart).map((o) => o.kind);
    expect(kinds.sort()).toEqual(['PersistentVolumeClaim', 'TrainJob', 'TrainingRuntime']);
    const order = synth(chart).map((o) => o.kind);
    expect(order.indexOf('TrainingRuntime')).toBeLessThan(order.indexOf('TrainJob'));
  });

  test("Pod Security: a PyTorchJob with a Master and Workers warns about the operator's init-pytorch container; elastic jobs do not", () => {
    expect(warningsOf(build(TrainingEngine.trainingOperator()).chart).join('\n'))
      .toMatch(/adds an 'init-pytorch' container without a securityContext to every Worker pod.*RESTRICTED_INIT_CONTAINER_TEMPLATE/);
    const elastic = build(TrainingEngine.trainingOperator(), { elastic: { minNodes: 2, maxNodes: 4 } });
    expect(warningsOf(elastic.chart).join('\n')).not.toMatch(/init-pytorch/);
    expect(DistributedPyTorchJob.RESTRICTED_INIT_CONTAINER_TEMPLATE).toMatch(/allowPrivilegeEscalation: false/);
  });

  test('Kueue: a queue on a PyTorchJob warns that the integration is off by default; the JobSet engines do not', () => {
    const operator = build(TrainingEngine.trainingOperator());
    expect(warningsOf(operator.chart).join('\n')).toMatch(
      /queue 'team-gpu': Kueue ignores the queue label of a PyTorchJob unless its configuration lists the deprecated 'kubeflow.org\/pytorchjob' integration/);
    for (const engine of [TrainingEngine.jobSet(), TrainingEngine.trainerV2()]) {
      expect(warningsOf(build(engine).chart).join('\n')).not.toMatch(/Kueue ignores/);
    }
  });
});

describe('the launcher each engine runs (src/trainer/torch-launcher.ts; behaviour in test/torch)', () => {
  const launcherOf = (objects: any[]) => {
    const template = podTemplates(objects)[0];
    const [python, flag, script] = template.spec.containers[0].command;
    expect([python, flag]).toEqual(['python3', '-c']);
    return script as string;
  };

  test('Training Operator, ExitCode: the launcher keeps the crash budget (backoffLimit) on the checkpoint volume', () => {
    const script = launcherOf(synth(build(TrainingEngine.trainingOperator(), { backoffLimit: 5 }).chart));
    expect(script).toContain('PREEMPTED, RETRY, FATAL = 143, 142, (2, )');
    expect(script).toContain('BUDGET, JOB = 5, "fraud-ddp"');
    expect(script).toContain('HORIZON = 300, 20, 28800');
  });

  test('without a name prop, the crash records are kept under the PyTorchJob\'s generated name (the folder the README says to delete)', () => {
    const { chart, construct } = build(TrainingEngine.trainingOperator(), { name: undefined });
    const objects = synth(chart);
    const job = objects.find((o: any) => o.kind === 'PyTorchJob');
    expect(job.metadata.name).toBe(construct.name);
    expect(job.metadata.name).toMatch(/^test-ddp-[0-9a-f]{8}$/);
    for (const template of podTemplates(objects)) {
      expect(template.spec.containers[0].command[2]).toContain(`BUDGET, JOB = 3, "${job.metadata.name}"`);
    }
  });

  test('Training Operator, OnFailure, and the JobSet engines: the controller counts, the launcher keeps no budget but records failures (a survivor waits for a preempted peer)', () => {
    for (const [engine, overrides] of [
      [TrainingEngine.trainingOperator(), { restartPolicy: ReplicaRestartPolicy.ON_FAILURE }],
      [TrainingEngine.jobSet(), {}],
      [TrainingEngine.trainerV2(), {}],
    ] as Array<[TrainingEngine, Partial<DistributedPyTorchJobProps>]>) {
      const { chart, construct } = build(engine, overrides);
      // OnFailure on spot is what preemption-policy reports; a user who wants it says why.
      if (overrides.restartPolicy) construct.acknowledgeRule('preemption-policy', 'restarts are cheap for this model');
      expect(launcherOf(synth(chart))).toContain('BUDGET, JOB = None, "fraud-ddp"');
    }
  });

  test('restartPolicy ON_FAILURE or NEVER on spot fails synth with preemption-policy, naming the replica and the change', () => {
    const { chart } = build(TrainingEngine.trainingOperator(), { restartPolicy: ReplicaRestartPolicy.NEVER });
    expect(() => synth(chart)).toThrow(
      /\[error preemption-policy\] PyTorchJob\/fraud-ddp: spec.pytorchReplicaSpecs.Worker.restartPolicy is Never: one preempted Worker pod fails the whole PyTorchJob. Fix: Set spec.pytorchReplicaSpecs.Worker.restartPolicy: ExitCode/);
  });

  test('the contract reaches the launcher: a custom preemption code and configuration-error codes', () => {
    const script = launcherOf(synth(build(TrainingEngine.jobSet(), { preemption: { exitCode: 140, nonRetriableExitCodes: [2, 3] } }).chart));
    expect(script).toContain('PREEMPTED, RETRY, FATAL = 140, 142, (2, 3, )');
  });

  test('python names the interpreter; a value with spaces is refused', () => {
    expect(synth(build(TrainingEngine.jobSet(), { python: '/opt/conda/bin/python' }).chart)
      .find((o) => o.kind === 'JobSet').spec.replicatedJobs[0].template.spec.template.spec.containers[0].command[0]).toBe('/opt/conda/bin/python');
    expect(() => build(TrainingEngine.jobSet(), { python: 'python -u' })).toThrow(/python \('python -u'\) must be the interpreter's name or path/);
  });
});

describe('env that would fight the runtime (#13 item 6)', () => {
  test.each(ENGINES)('%s: PET_* and MASTER_ADDR in env are refused', (_id, engine) => {
    for (const name of ['PET_NNODES', 'MASTER_ADDR', 'WORLD_SIZE', 'LOCAL_WORLD_SIZE', 'GROUP_RANK']) {
      expect(() => build(engine(), { env: { [name]: EnvValue.fromValue('4') } }))
        .toThrow(new RegExp(`env: '${name}' is set for the ranks by the operator or torchrun`));
    }
    // The operator sets PYTHONUNBUFFERED too, but a user value does not fight it.
    expect(() => build(engine(), { env: { PYTHONUNBUFFERED: EnvValue.fromValue('1') } })).not.toThrow();
  });
});

describe('engine specifics', () => {
  test('Trainer v2: a TrainJob referencing the emitted TrainingRuntime; the node container the trainer injects PET_* into', () => {
    const { chart, construct } = build(TrainingEngine.trainerV2());
    const objects = synth(chart);
    const trainJob = objects.find((o) => o.kind === 'TrainJob');
    const runtime = objects.find((o) => o.kind === 'TrainingRuntime');
    expect(trainJob.spec.runtimeRef).toEqual({ apiGroup: 'trainer.kubeflow.org', kind: 'TrainingRuntime', name: runtime.metadata.name });
    expect(trainJob.spec.trainer).toEqual({ numNodes: 4, numProcPerNode: 4 });
    expect(runtime.spec.mlPolicy).toEqual({ numNodes: 4, torch: {} });
    const job = runtime.spec.template.spec.replicatedJobs[0];
    expect(job.name).toBe('node');
    expect(job.template.metadata.labels['trainer.kubeflow.org/trainjob-ancestor-step']).toBe('trainer');
    const node = job.template.spec.template.spec.containers[0];
    expect(node.name).toBe('node');
    expect([node.command[0], node.command[1], ...node.command.slice(3)]).toEqual(['python3', '-c', 'train.py', '--epochs=50']);
    expect(job.template.spec.template.spec.containers[0].env.map((e: any) => e.name)).not.toContain('PET_NNODES');
    expect(construct.runtime?.name).toBe(runtime.metadata.name);
  });

  test('Trainer v2: the runtime\'s replicated job names fit Trainer v2.4\'s limit of 20 characters', () => {
    // Trainer v2.4 refuses longer ReplicatedJob names; the suites run v2.3.0, the newest the
    // Go module proxy serves, so the limit is held here.
    const { chart } = build(TrainingEngine.trainerV2());
    const runtime = synth(chart).find((o) => o.kind === 'TrainingRuntime');
    const names = runtime.spec.template.spec.replicatedJobs.map((r: any) => r.name);
    expect(names).toEqual(['node']);
    for (const name of names) expect(name.length).toBeLessThanOrEqual(20);
  });

  test('JobSet: torchrun sized by PET_* variables, rank from the completion index, rank 0 through the headless service', () => {
    const { chart } = build(TrainingEngine.jobSet());
    const env = synth(chart).find((o) => o.kind === 'JobSet').spec.replicatedJobs[0].template.spec.template.spec.containers[0].env;
    const byName = Object.fromEntries(env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
    expect(byName).toMatchObject({
      PET_NNODES: '4',
      PET_NPROC_PER_NODE: '4',
      PET_MASTER_ADDR: 'fraud-ddp-node-0-0.fraud-ddp',
      PET_MASTER_PORT: '29500',
      PET_NODE_RANK: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } },
    });
  });

  test('JobSet with onDemandMaster: rank 0 alone in a one-pod `master` Job on on-demand capacity, each other node a one-pod `node` Job on spot', () => {
    const { chart } = build(TrainingEngine.jobSet(), { onDemandMaster: true });
    const objects = synth(chart);
    expectConformant(objects);
    const jobSet = objects.find((o) => o.kind === 'JobSet');
    const [master, nodes] = jobSet.spec.replicatedJobs;
    expect(jobSet.spec.replicatedJobs.map((r: any) => [r.name, r.replicas, r.template.spec.completions, r.template.spec.parallelism]))
      .toEqual([['master', 1, 1, 1], ['node', 3, 1, 1]]);
    // Every Job keeps the preemption-aware pod failure policy the JobSet's rules match.
    expect(master.template.spec.podFailurePolicy).toEqual(nodes.template.spec.podFailurePolicy);
    const pod = (r: any) => r.template.spec.template.spec;
    // rank 0 requires nodes off EKS spot; the other nodes select spot and tolerate it.
    expect(JSON.stringify(pod(master).affinity)).toMatch(/eks.amazonaws.com\/capacityType.*NotIn.*SPOT/);
    expect(pod(master).nodeSelector?.['eks.amazonaws.com/capacityType']).toBeUndefined();
    expect(pod(nodes).nodeSelector).toMatchObject({ 'eks.amazonaws.com/capacityType': 'SPOT' });
    // Both keep the spot grace period, so all ranks agree on the save window.
    expect(pod(master).terminationGracePeriodSeconds).toBe(pod(nodes).terminationGracePeriodSeconds);
    for (const replicated of [master, nodes]) {
      const byName = Object.fromEntries(pod(replicated).containers[0].env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
      expect(byName).toMatchObject({
        PET_NNODES: '4',
        PET_MASTER_ADDR: 'fraud-ddp-master-0-0.fraud-ddp',
        // JobSet numbers the Jobs across replicated jobs in order: master 0, nodes 1..3.
        PET_NODE_RANK: { fieldRef: { fieldPath: "metadata.annotations['jobset.sigs.k8s.io/job-global-index']" } },
      });
    }
  });

  test('JobSet with onDemandMaster: the name leaves room for <name>-master-0-0', () => {
    expect(() => build(TrainingEngine.jobSet(), { onDemandMaster: true, name: 'j'.repeat(53) }))
      .toThrow(/a JobSet name longer than 52 breaks its pod and service names such as '<name>-master-0-0'/);
    expect(() => build(TrainingEngine.jobSet(), { onDemandMaster: true, name: 'j'.repeat(52) })).not.toThrow();
  });

  test('pod rules run on the templates inside a JobSet (G2)', () => {
    const { chart, construct } = build(TrainingEngine.jobSet());
    construct.apiObject.addJsonPatch(JsonPatch.replace('/spec/replicatedJobs/0/template/spec/template/spec/containers/0/resources/limits/memory', '512m'));
    expect(() => synth(chart)).toThrow(/resource-quantities.*JobSet\/fraud-ddp.*'512m'\) is in millibytes/);
  });
});

describe('what an engine cannot express', () => {
  test.each<[string, () => TrainingEngine, Partial<DistributedPyTorchJobProps>, RegExp]>([
    ['elastic on Trainer v2', TrainingEngine.trainerV2, { elastic: { minNodes: 2, maxNodes: 4 } }, /elastic is not supported by the Kubeflow Trainer v2 \(TrainJob\) engine: Trainer v2 removed elastic training/],
    ['elastic on JobSet', TrainingEngine.jobSet, { elastic: { minNodes: 2, maxNodes: 4 } }, /elastic is not supported by the JobSet engine: a JobSet runs a fixed number of nodes/],
    ['onDemandMaster on Trainer v2', TrainingEngine.trainerV2, { onDemandMaster: true }, /onDemandMaster is not supported by the Kubeflow Trainer v2 \(TrainJob\) engine: the torch runtime runs every node, rank 0 included, from one replicated job/],
    ['a replica restartPolicy on Trainer v2', TrainingEngine.trainerV2, { restartPolicy: ReplicaRestartPolicy.ON_FAILURE }, /restartPolicy is not supported by the Kubeflow Trainer v2 \(TrainJob\) engine/],
    ['cleanPodPolicy on JobSet', TrainingEngine.jobSet, { cleanPodPolicy: CleanPodPolicy.ALL }, /cleanPodPolicy is not supported by the JobSet engine/],
    ['gang scheduling on Trainer v2', TrainingEngine.trainerV2, { gangScheduling: { queue: 'q' } }, /gangScheduling is not supported by the Kubeflow Trainer v2 \(TrainJob\) engine/],
    ['a TTL on Trainer v2', TrainingEngine.trainerV2, { ttlAfterFinished: Duration.hours(1) }, /ttlAfterFinished is not supported by the Kubeflow Trainer v2 \(TrainJob\) engine: a TrainJob has no TTL/],
    ['a ReadWriteOnce claim on JobSet', TrainingEngine.jobSet, { checkpoint: { storage: CheckpointStorage.existingClaim('rwo', PersistentVolumeAccessMode.READ_WRITE_ONCE) } }, /ReadWriteOnce but up to 4 pods mount it/],
    ['hostnames over 63 on JobSet', TrainingEngine.jobSet, { name: 'j'.repeat(55) }, /a JobSet name longer than 54 breaks its pod and service names such as '<name>-node-0-3'/],
  ])('fails when %s', (_name, engine, overrides, message) => {
    expect(() => build(engine(), overrides)).toThrow(message);
  });
});

describe('a generated name leaves room for the pods and services named after it', () => {
  // cdk8s names an object after its path (up to 63 characters); 12 nodes need '<name>-worker-10'
  // or '<name>-node-0-11' to be a DNS label too. Without a name prop, the engine shortens the
  // generated name as cdk8s shortens a CronJob's, keeping its hash.
  const longId = 'nightly-ranking-model-retrain-with-a-long-descriptive-id';
  test.each(ENGINES)('%s', (_id, engine) => {
    const { chart } = newChart();
    const construct = new DistributedPyTorchJob(chart, longId, {
      image: 'trainer:v3',
      script: ['train.py'],
      nodes: 12,
      accelerator: Accelerator.nvidiaGpu(8),
      checkpoint: { storage: rwxCheckpoints() },
      engine: engine(),
    });
    const lastPod = engine().id === 'training-operator' ? 'worker-10' : 'node-0-11';
    expect(`${construct.name}-${lastPod}`.length).toBeLessThanOrEqual(63);
    expect(construct.name).toMatch(/^nightly-ranking-model-retrain-[a-z0-9-]*-[0-9a-f]{8}$/);
    // The same hash cdk8s would have written: only the path part was cut.
    const unshortened = Names.toDnsLabel(construct.apiObject);
    expect(construct.name.slice(-8)).toBe(unshortened.slice(-8));
    expect(unshortened.length).toBeGreaterThan(63 - lastPod.length - 1);
    const objects = synth(chart);
    expect(objects.filter((o: any) => o.metadata.name === construct.name)).toHaveLength(1);
    // One child named Resource: the object cdk8s named first is gone from the tree.
    expect(construct.node.children.filter((c) => c instanceof ApiObject && c.kind === construct.apiObject.kind)).toHaveLength(1);
  });
});

describe('the custom resource kinds', () => {
  test('match the classes generated by cdk8s import of the pinned operators\' CRDs', () => {
    expect(PYTORCH_JOB_GVK).toEqual(PyTorchJob.GVK);
    expect(TRAIN_JOB_GVK).toEqual(TrainJob.GVK);
    expect(TRAINING_RUNTIME_GVK).toEqual(TrainingRuntime.GVK);
  });

  // JobSet's types are not imported (nothing uses them): its kind is held to the CRD of the pinned module.
  testWithSchemas('JobSet\'s is served by the CRD of the pinned JobSet module', () => {
    const schemas = StrictSchemas.load()!;
    expect(schemas.problems({ ...JOBSET_GVK, metadata: { name: 'x' }, spec: { replicatedJobs: [] } })).toEqual([]);
    expect(schemas.problems({ apiVersion: 'jobset.x-k8s.io/v1alpha1', kind: 'JobSet', metadata: { name: 'x' } })).toBeUndefined();
  });
});
