/**
 * A new provider is one file plus one registry line, and so is a new engine: a throwaway
 * provider and a throwaway engine, each added to its registry by a single push here (the line a
 * contributor would add to src/knowledge/providers/index.ts or src/engines/registry.ts), are
 * picked up by the presets, the constructs, the rules, lint's kind count and the strict-schema
 * source list, with no other file changed. CONTRIBUTING.md walks through the same two files.
 */
import { Chart, Duration, Size, Testing } from 'cdk8s';
import { Construct } from 'constructs';
import { stringify } from 'yaml';
import {
  Accelerator, CheckpointStorage, CloudProvider, DistributedPyTorchJob, PersistentVolumeAccessMode, SpotScheduling,
  SpotTolerantTrainingJob, StorageClasses, TrainingEngine,
} from '../src';
import { lint } from '../src/cli/lint';
import { EngineObjects, EngineRun, EngineStrategy, PodBuilder, workloadObject } from '../src/engines/engine';
import { ENGINES } from '../src/engines/registry';
import { contextFor, evaluate } from '../src/findings/evaluate';
import { crdSources } from '../src/findings/kinds';
import { STDIN } from '../src/findings/manifests';
import { templateAt, WorkloadKind } from '../src/k8s/workloads';
import { PROVIDERS, ProviderFacts } from '../src/knowledge/providers';

/** What a contributor would write as src/knowledge/providers/example-cloud.ts. */
const EXAMPLE_CLOUD: ProviderFacts = {
  name: 'example',
  displayName: 'ExampleCloud',
  gpuProductLabel: 'gpu.example.com/model',
  spotCapacities: [{
    id: 'example-preemptible',
    name: 'ExampleCloud preemptible',
    labelKey: 'node.example.com/lifecycle',
    labelValue: 'preemptible',
    taintKey: 'node.example.com/lifecycle',
    noticeSeconds: 90,
    saveWindowSeconds: 60,
    source: 'https://docs.example.com/preemptible-nodes',
  }],
  storageClasses: [
    { name: 'example-files', product: 'ExampleCloud Files', readWriteMany: true, minimumGiB: 2048 },
    { name: 'example-disk', product: 'ExampleCloud Disk', readWriteMany: false },
  ],
  sources: ['https://docs.example.com/gpus'],
};

const TRAINING_WIDGET: WorkloadKind = {
  group: 'training.example.com',
  kind: 'TrainingWidget',
  training: true,
  podTemplates: (object) => (object.spec?.template ? [templateAt(['spec', 'template'], object.spec.template, object.spec.replicas ?? 1)] : []),
};

/** What a contributor would write as src/engines/training-widget.ts. */
const WIDGET_ENGINE: EngineStrategy = {
  id: 'training-widget',
  displayName: 'TrainingWidget',
  kinds: [TRAINING_WIDGET],
  crds: [{ module: 'example.com/widget-operator', files: [{ path: 'config/crd/training.example.com_trainingwidgets.yaml' }] }],
  unsupported: (props) => [['elastic', props.elastic !== undefined, 'a TrainingWidget has a fixed size']],
  validate: () => undefined,
  masterOnCommandLine: () => false,
  launcherCountsCrashes: () => false,
  build(scope: Construct, run: EngineRun, buildPod: PodBuilder): EngineObjects {
    const workload = workloadObject(scope, { apiVersion: 'training.example.com/v1', kind: 'TrainingWidget' }, run.props.name, `rank-${run.nodes - 1}`);
    const pod = buildPod(run.props, {
      workloadName: workload.name, containerName: 'trainer', component: 'distributed-training', restartPolicy: 'Never', concurrentPods: run.nodes,
    }, { command: run.command(workload.name) });
    workload._setSpec({ replicas: run.nodes, maxRestarts: run.backoffLimit, template: pod.template });
    return { workload, pod };
  },
};

beforeAll(() => {
  PROVIDERS.push(EXAMPLE_CLOUD); // the provider's registry line
  ENGINES.push(WIDGET_ENGINE); // the engine's registry line
});
afterAll(() => {
  PROVIDERS.splice(PROVIDERS.indexOf(EXAMPLE_CLOUD), 1);
  ENGINES.splice(ENGINES.indexOf(WIDGET_ENGINE), 1);
});

/** The construct's objects and the error findings of its synth-time rules, without the strict schema check (no CRD exists for the throwaway kind). */
function rendered(chart: Chart): { objects: any[]; errors: string[] } {
  const errors = chart.node.validate();
  const objects = chart.node.findAll().filter((c): c is any => typeof (c as any).toJson === 'function' && (c as any).kind !== undefined).map((o) => o.toJson());
  return { objects, errors };
}

describe('a new provider: one file and one registry line', () => {
  test('its spot preset selects, tolerates and waits out its capacity', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'c');
    const job = new SpotTolerantTrainingJob(chart, 'train', {
      image: 'trainer:v1',
      noCheckpointReason: 'a smoke test',
      spot: SpotScheduling.preset('example-preemptible'),
    });
    const pod = rendered(chart).objects.find((o) => o.kind === 'Job').spec.template.spec;
    expect(pod.nodeSelector).toEqual({ 'node.example.com/lifecycle': 'preemptible' });
    expect(pod.tolerations).toEqual([{ key: 'node.example.com/lifecycle', operator: 'Equal', value: 'preemptible', effect: 'NoSchedule' }]);
    expect(pod.terminationGracePeriodSeconds).toBe(90);
    expect(job.spot.saveWindow.toSeconds()).toBe(60);
  });

  test('on-demand pods of the provider are kept off its spot nodes, and a GPU model goes to its label', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'c');
    new SpotTolerantTrainingJob(chart, 'train', {
      image: 'trainer:v1',
      noCheckpointReason: 'a smoke test',
      provider: CloudProvider.of('example'),
      accelerator: Accelerator.nvidiaGpu(1, { product: 'H100' }),
    });
    const pod = rendered(chart).objects.find((o) => o.kind === 'Job').spec.template.spec;
    expect(pod.nodeSelector).toEqual({ 'gpu.example.com/model': 'H100' });
    expect(pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms).toEqual([
      { matchExpressions: [{ key: 'node.example.com/lifecycle', operator: 'NotIn', values: ['preemptible'] }] },
    ]);
  });

  test('its block storage cannot back a ReadWriteMany claim, and a claim under its file storage minimum is advised against', () => {
    expect(() => CheckpointStorage.newClaim({ storageClassName: 'example-disk', size: Size.gibibytes(100) }))
      .toThrow(/storageClassName 'example-disk' is ExampleCloud Disk block storage/);
    const app = Testing.app();
    const chart = new Chart(app, 'c');
    new SpotTolerantTrainingJob(chart, 'train', {
      image: 'trainer:v1',
      checkpoint: { storage: CheckpointStorage.newClaim({ storageClassName: 'example-files', size: Size.tebibytes(1) }) },
    });
    app.synth();
    expect(chart.node.findAll().flatMap((c) => c.node.metadata.map((m) => String(m.data)))).toEqual(
      expect.arrayContaining([expect.stringMatching(/below the about 2 TiB minimum of ExampleCloud Files \('example-files'\)/)]));
    expect(StorageClasses.GKE_FILESTORE_STANDARD_RWX).toBe('standard-rwx'); // the known ones are unchanged
    expect(PersistentVolumeAccessMode.READ_WRITE_MANY).toBe('ReadWriteMany');
  });

  test('the rules know its capacity in hand-written YAML', () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: {
        nodeSelector: { 'node.example.com/lifecycle': 'preemptible' },
        tolerations: [{ key: 'node.example.com/lifecycle', operator: 'Exists', effect: 'NoSchedule' }],
        terminationGracePeriodSeconds: 30,
        containers: [{ name: 'trainer', image: 'trainer:v1' }],
      },
    };
    const findings = evaluate([pod], contextFor([pod], 32)).filter((f) => f.ruleId === 'spot-grace');
    expect(findings.map((f) => f.message)).toEqual(['spec.terminationGracePeriodSeconds (30) is below the ExampleCloud preemptible notice of 90 seconds.']);
  });
});

describe('a new engine: one file and one registry line', () => {
  test('DistributedPyTorchJob runs on it, with the trainer pod and its checks', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'c');
    const job = new DistributedPyTorchJob(chart, 'ddp', {
      image: 'trainer:v1',
      script: ['train.py'],
      nodes: 2,
      checkpoint: { storage: CheckpointStorage.newClaim({ size: Size.gibibytes(10) }), subPath: 'ddp' },
      spot: SpotScheduling.gke(),
      engine: TrainingEngine.of('training-widget'),
      activeDeadline: Duration.hours(2),
    });
    const { objects, errors } = rendered(chart);
    expect(errors).toEqual([]);
    const widget = objects.find((o) => o.kind === 'TrainingWidget');
    expect(widget.metadata.name).toBe(job.name);
    expect(widget.spec.replicas).toBe(2);
    expect(widget.spec.template.spec.terminationGracePeriodSeconds).toBe(30);
    expect(widget.spec.template.spec.nodeSelector).toEqual({ 'cloud.google.com/gke-spot': 'true' });
    expect(() => new DistributedPyTorchJob(new Chart(Testing.app(), 'd'), 'ddp', {
      image: 'trainer:v1',
      script: ['train.py'],
      nodes: 2,
      noCheckpointReason: 'x',
      elastic: { minNodes: 1, maxNodes: 2 },
      engine: TrainingEngine.of('training-widget'),
    })).toThrow(/elastic is not supported by the TrainingWidget engine: a TrainingWidget has a fixed size/);
  });

  test('lint walks its pod templates and counts its kind as checked; its CRDs are in the strict-schema sources', () => {
    const widget = {
      apiVersion: 'training.example.com/v1',
      kind: 'TrainingWidget',
      metadata: { name: 'w' },
      spec: { replicas: 4, template: { spec: { containers: [{ name: 'Trainer', image: 'trainer:v1', resources: { limits: { 'nvidia.com/gpu': 1 } } }] } } },
    };
    const report = lint([STDIN], { kubernetesMinor: 32, readStdin: () => Buffer.from(stringify(widget)) });
    expect(report.unchecked).toBe(0);
    expect(report.findings.map((f) => [f.ruleId, f.line])).toEqual(expect.arrayContaining([
      ['containers', 10], // the container's name: the pod rules read every engine's templates
      ['shared-memory', 10], // the container
      ['checkpoint-volume', 9], // a training kind without a claim: at the pod spec (its volumes are missing)
    ]));
    expect(crdSources().map((s) => s.module)).toContain('example.com/widget-operator');
  });
});
