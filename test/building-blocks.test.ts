import { ApiObject, Duration, Size, Testing, Chart } from 'cdk8s';
import { PersistentVolumeClaim } from 'cdk8s-plus-28';
import {
  Accelerator,
  CheckpointStorage,
  CloudProvider,
  ExperimentName,
  KubernetesVersion,
  NewCheckpointClaimProps,
  PersistentVolumeAccessMode,
  SpotScheduling,
  SpotTolerantTrainingJob,
  StorageClasses,
} from '../src';
import { newChart, rwxCheckpoints, synth, warningsOf } from './util/synth';

describe('ExperimentName', () => {
  test('turns experiment parameters into a DNS label, exact where it can be read back', () => {
    expect(ExperimentName.of('fraud-transformer', { bs: 256, epoch: 50 })).toBe('fraud-transformer-bs256-epoch50');
    expect(ExperimentName.of('fraud-transformer', { lr: '3e-4', bs: 256, epoch: 50 })).toBe('fraud-transformer-bs256-epoch50-lr3e4-1dfed8db');
    // Key order, not insertion order: Java's Map.of and Go maps have none.
    expect(ExperimentName.of('fraud-transformer', { epoch: 50, bs: 256, lr: '3e-4' })).toBe('fraud-transformer-bs256-epoch50-lr3e4-1dfed8db');
    expect(ExperimentName.of('fraud-transformer', { epoch: 50, bs: 256 })).toBe('fraud-transformer-bs256-epoch50');
    expect(ExperimentName.of('Fraud Transformer', { lr: 0.001 })).toMatch(/^fraud-transformer-lr0p001-[0-9a-f]{8}$/);
  });

  test('distinct inputs never share a name: a hash is added whenever the readable form loses anything', () => {
    const names = [
      ExperimentName.of('x', { opt: 'adam_w', beta: '-0.5' }),
      ExperimentName.of('x', { opt: 'adamw', beta: '0.5' }),
      ExperimentName.of('x', { opt: 'AdamW', beta: '0.5' }),
      ExperimentName.of('x', { opt: 'adamw', beta: '05' }),
      ExperimentName.of('x', { opta: 'dam', w: 'beta0p5' }),
      ExperimentName.of('fraud', { lr: '3e-4' }),
      ExperimentName.of('fraud', { lr: '3e4' }),
      ExperimentName.of('model-v2'),
      ExperimentName.of('model', { v: 2 }),
      ExperimentName.of('m', { a: 12 }),
      ExperimentName.of('m', { a1: 2 }),
    ];
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(ExperimentName.isDnsLabel(name)).toBe(true);
    // Stable across synths.
    expect(ExperimentName.of('x', { opt: 'adam_w', beta: '-0.5' })).toBe(names[0]);
  });

  test('shortens with a stable hash to the kind limit', () => {
    const long = ExperimentName.of('a-very-long-model-name-for-fraud-detection', { learningRate: '3e-4', batchSize: 256, warmup: 2000 }, { maxLength: 52 });
    expect(long.length).toBeLessThanOrEqual(52);
    expect(long.length).toBeGreaterThanOrEqual(50);
    expect(ExperimentName.isDnsLabel(long)).toBe(true);
    expect(long).toMatch(/-[0-9a-f]{8}$/);
    expect(ExperimentName.of('a-very-long-model-name-for-fraud-detection', { learningRate: '3e-4', batchSize: 256, warmup: 2000 }, { maxLength: 52 })).toBe(long);
    const other = ExperimentName.of('a-very-long-model-name-for-fraud-detection', { learningRate: '3e-4', batchSize: 256, warmup: 1000 }, { maxLength: 52 });
    expect(other).not.toBe(long);
  });

  test('keeps names within the limit as they are', () => {
    expect(ExperimentName.fit('short', 63)).toBe('short');
  });

  test('fails when nothing usable is left or maxLength is too small', () => {
    expect(() => ExperimentName.of('!!!')).toThrow(/leaves no usable characters/);
    expect(() => ExperimentName.fit('abc', 5)).toThrow(/maxLength \(5\) must be a whole number of at least 10/);
  });
});

describe('Accelerator', () => {
  test('nvidiaGpu counts whole GPUs', () => {
    const gpu = Accelerator.nvidiaGpu(4, { product: 'nvidia-l4' });
    expect([gpu.resourceName, gpu.count, gpu.product]).toEqual(['nvidia.com/gpu', 4, 'nvidia-l4']);
  });

  test('custom extended resources', () => {
    expect(Accelerator.custom('amd.com/gpu', 2).resourceName).toBe('amd.com/gpu');
    const tpu = Accelerator.custom('google.com/tpu', 4, { product: 'tpu-v5-lite-podslice', productLabel: 'cloud.google.com/gke-tpu-accelerator' });
    expect([tpu.product, tpu.productLabel]).toEqual(['tpu-v5-lite-podslice', 'cloud.google.com/gke-tpu-accelerator']);
    // A MIG slice is an NVIDIA GPU: the known labels apply.
    expect(Accelerator.custom('nvidia.com/mig-1g.10gb', 1, { product: 'nvidia-a100-80gb' }).productLabel).toBeUndefined();
  });

  test.each([
    ['a fractional count', () => Accelerator.nvidiaGpu(0.5), /count \(0.5\) must be a whole number/],
    ['a resource name without a domain', () => Accelerator.custom('gpu', 1), /'gpu' is not an extended resource name/],
    ['a model of another vendor without its label', () => Accelerator.custom('amd.com/gpu', 1, { product: 'mi300x' }),
      /product 'mi300x' of amd.com\/gpu has no productLabel; the labels the library knows name NVIDIA GPU models only/],
    ['a productLabel without a product', () => Accelerator.nvidiaGpu(1, { productLabel: 'x/y' }), /productLabel 'x\/y' is set without a product/],
  ])('fails when %s', (_name, make, message) => {
    expect(make).toThrow(message);
  });
});

describe('SpotScheduling', () => {
  test.each([
    ['gke', SpotScheduling.gke(), { 'cloud.google.com/gke-spot': 'true' }, 1, 30],
    ['gkePreemptible', SpotScheduling.gkePreemptible(), { 'cloud.google.com/gke-preemptible': 'true' }, 1, 30],
    ['aksSpot', SpotScheduling.aksSpot(), { 'kubernetes.azure.com/scalesetpriority': 'spot' }, 1, 30],
    ['eksSpot', SpotScheduling.eksSpot(), { 'eks.amazonaws.com/capacityType': 'SPOT' }, 0, 120],
    ['karpenterSpot', SpotScheduling.karpenterSpot(), { 'karpenter.sh/capacity-type': 'spot' }, 0, 120],
    ['onDemand', SpotScheduling.onDemand(), {}, 0, 30],
  ])('%s knows its labels, taints and notice', (_name, preset, selector, taints, notice) => {
    expect(preset.nodeSelector).toEqual(selector);
    expect(preset.taints).toHaveLength(taints);
    expect(preset.notice.toSeconds()).toBe(notice);
  });

  test('GKE gives pods about 15 s of the 30 s notice', () => {
    expect(SpotScheduling.gke().saveWindow.toSeconds()).toBe(15);
  });

  test('custom capacity', () => {
    const custom = SpotScheduling.custom({
      name: 'lab-preemptible',
      nodeSelector: { 'lab.example.com/tier': 'preemptible' },
      taints: [{ key: 'lab.example.com/preemptible' }],
      notice: Duration.seconds(90),
    });
    expect([custom.isSpot, custom.notice.toSeconds(), custom.saveWindow.toSeconds()]).toEqual([true, 90, 90]);
  });

  test('orOnDemand: prefer the spot capacity, fall back to on-demand; the spot grace and failure policy stay (#27 item 3)', () => {
    const fallback = SpotScheduling.karpenterSpot().orOnDemand();
    expect([fallback.name, fallback.isSpot, fallback.fallsBackToOnDemand, fallback.notice.toSeconds()]).toEqual(['karpenter-spot-or-on-demand', true, true, 120]);
    expect(fallback.nodeSelector).toEqual({});
    expect(fallback.preferredNodeLabels).toEqual({ 'karpenter.sh/capacity-type': 'spot' });
    expect(fallback.orOnDemand()).toBe(fallback);
    // The preset's limits still apply through the new name.
    expect(() => SpotScheduling.gke().orOnDemand().withNotice(Duration.seconds(200))).toThrow(/GKE spot gives at most 120 seconds/);
    expect(() => SpotScheduling.onDemand().orOnDemand()).toThrow(/on-demand capacity has nothing to fall back from; call orOnDemand\(\) on a spot preset/);
    const { chart } = newChart();
    CloudProvider.setDefault(chart, CloudProvider.aws());
    new SpotTolerantTrainingJob(chart, 'job', {
      image: 'trainer:v1',
      command: ['python', 'train.py'],
      checkpoint: { storage: rwxCheckpoints() },
      accelerator: Accelerator.nvidiaGpu(8, { product: 'h100' }),
      spot: fallback,
    });
    const job = synth(chart).find((o: any) => o.kind === 'Job');
    const pod = job.spec.template.spec;
    // No required spot label and no on-demand exclusion: any node may run it, spot first.
    expect(pod.nodeSelector).toEqual({ 'karpenter.k8s.aws/instance-gpu-name': 'h100' });
    expect(pod.affinity).toEqual({
      nodeAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          { weight: 100, preference: { matchExpressions: [{ key: 'karpenter.sh/capacity-type', operator: 'In', values: ['spot'] }] } },
        ],
      },
    });
    expect(pod.terminationGracePeriodSeconds).toBe(120);
    expect(job.spec.podFailurePolicy.rules.map((r: any) => r.action)).toEqual(['Ignore', 'Ignore', 'FailJob']);
    // The GKE preset's taint is tolerated, and the spot-selection rule takes the preference as selecting it.
    const { chart: gke } = newChart();
    new SpotTolerantTrainingJob(gke, 'job', { image: 'trainer:v1', command: ['python', 'train.py'], checkpoint: { storage: rwxCheckpoints() }, spot: SpotScheduling.gke().orOnDemand() });
    expect(synth(gke).find((o: any) => o.kind === 'Job').spec.template.spec.tolerations)
      .toEqual([{ key: 'cloud.google.com/gke-spot', operator: 'Equal', value: 'true', effect: 'NoSchedule' }]);
    expect(warningsOf(gke).join('\n')).not.toMatch(/spot-selection/);
  });

  test('withNotice: the notice a node pool is configured to give; the grace period and the save window follow', () => {
    // GKE 1.35+: spot termination period extended to 120 s; critical system pods keep 15 s.
    const longer = SpotScheduling.gke().withNotice(Duration.seconds(120));
    expect([longer.name, longer.notice.toSeconds(), longer.saveWindow.toSeconds()]).toEqual(['gke-spot', 120, 105]);
    expect(longer.nodeSelector).toEqual(SpotScheduling.gke().nodeSelector);
    expect(SpotScheduling.gke().withNotice(Duration.seconds(90), Duration.seconds(60)).saveWindow.toSeconds()).toBe(60);
    const { chart } = newChart();
    new SpotTolerantTrainingJob(chart, 'job', {
      image: 'trainer:v1',
      command: ['python', 'train.py'],
      noCheckpointReason: 'a smoke test',
      spot: longer,
    });
    const job = synth(chart).find((o: any) => o.kind === 'Job');
    expect(job.spec.template.spec.terminationGracePeriodSeconds).toBe(120);
    // A save that fits in 105 s but not in the preset's 15 s raises no warning any more.
    const { chart: warned } = newChart();
    new SpotTolerantTrainingJob(warned, 'job', {
      image: 'trainer:v1',
      command: ['python', 'train.py'],
      checkpoint: { storage: rwxCheckpoints(), saveTime: Duration.seconds(60) },
      spot: longer,
    });
    expect(warningsOf(warned).join('\n')).not.toMatch(/checkpoint-save-time/);
  });

  test('withNotice refuses more than the platform can give, and a notice the platform keeps entirely', () => {
    expect(() => SpotScheduling.gke().withNotice(Duration.seconds(180))).toThrow(
      /SpotScheduling 'gke-spot'.withNotice\(3 minutes\): GKE spot gives at most 120 seconds, set by a node system config .* Use at most Duration.seconds\(120\)/);
    expect(() => SpotScheduling.eksSpot().withNotice(Duration.minutes(5))).toThrow(/gives at most 120 seconds \(its notice cannot be changed\)/);
    expect(() => SpotScheduling.gke().withNotice(Duration.seconds(10))).toThrow(/keeps 15 seconds of the notice for itself/);
  });

  test('fails when a custom preset selects no nodes or has no notice', () => {
    expect(() => SpotScheduling.custom({ name: 'x', nodeSelector: {}, notice: Duration.seconds(30) })).toThrow(/nodeSelector is empty/);
    expect(() => SpotScheduling.custom({ name: 'x', nodeSelector: { a: 'b' }, notice: Duration.seconds(0) })).toThrow(/must be positive durations/);
  });
});

describe('CheckpointStorage', () => {
  test('new claims default to ReadWriteMany', () => {
    const storage = CheckpointStorage.newClaim({ size: Size.gibibytes(100), storageClassName: StorageClasses.EKS_EFS });
    expect(storage.accessModes).toEqual([PersistentVolumeAccessMode.READ_WRITE_MANY]);
    expect(storage.isReadWriteMany).toBe(true);
    expect(storage.createsClaim).toBe(true);
  });

  test('existing claims carry their access mode', () => {
    const storage = CheckpointStorage.existingClaim('old', PersistentVolumeAccessMode.READ_WRITE_ONCE);
    expect(storage.isReadWriteMany).toBe(false);
    expect(storage.createsClaim).toBe(false);
  });

  test('cdk8s-plus claims are read for name and access modes', () => {
    const chart = new Chart(Testing.app(), 'c');
    const claim = new PersistentVolumeClaim(chart, 'pvc', { accessModes: [PersistentVolumeAccessMode.READ_WRITE_MANY], storage: Size.gibibytes(10) });
    expect(CheckpointStorage.fromClaim(claim).isReadWriteMany).toBe(true);
    const bare = new PersistentVolumeClaim(chart, 'bare', {});
    expect(() => CheckpointStorage.fromClaim(bare)).toThrow(/declares no accessModes/);
  });

  test('fails when the new claim size is zero', () => {
    expect(() => CheckpointStorage.newClaim({ size: Size.gibibytes(0) })).toThrow(/size \(0Gi\) must be positive/);
  });

  test('warns when a GKE Filestore claim is below its 1 TiB minimum', () => {
    const chart = new Chart(Testing.app(), 'c');
    CheckpointStorage.newClaim({ size: Size.gibibytes(100), storageClassName: StorageClasses.GKE_FILESTORE_STANDARD_RWX })._bind(chart);
    expect(warningsOf(chart).join('\n')).toMatch(/size 100Gi is below the about 1 TiB minimum of GKE Filestore/);
    const other = new Chart(Testing.app(), 'd');
    CheckpointStorage.newClaim({ size: Size.tebibytes(1), storageClassName: StorageClasses.GKE_FILESTORE_STANDARD_RWX })._bind(other);
    expect(warningsOf(other)).toEqual([]);
  });

  test('the known ReadWriteMany classes', () => {
    expect([StorageClasses.GKE_FILESTORE_STANDARD_RWX, StorageClasses.EKS_EFS, StorageClasses.AKS_AZURE_FILES]).toEqual(['standard-rwx', 'efs-sc', 'azurefile-csi']);
  });
});

describe('KubernetesVersion', () => {
  test('defaults to 1.32 (the oldest minor EKS, GKE and AKS all still support) and reads the nearest target', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'c');
    expect(KubernetesVersion.targetOf(chart).toString()).toBe('1.32');
    expect(KubernetesVersion.DEFAULT).toBe(KubernetesVersion.V1_32);
    const app2 = Testing.app();
    KubernetesVersion.setTarget(app2, KubernetesVersion.V1_31);
    expect(KubernetesVersion.targetOf(new Chart(app2, 'c')).minor).toBe(31);
  });

  test('fails when the minor version is below the baseline or unknown', () => {
    expect(() => KubernetesVersion.of(27)).toThrow(/from 28 \(the cdk8s-plus-28 baseline\)/);
    expect(() => KubernetesVersion.of(29.5)).toThrow(/whole number/);
  });
});

describe('object names across the app', () => {
  test('two objects of one kind, namespace and name are refused at synth, wherever they come from', () => {
    const app = Testing.app();
    const a = new Chart(app, 'a', { namespace: 'ml' });
    const b = new Chart(app, 'b', { namespace: 'ml' });
    const props = { image: 'trainer:v1', noCheckpointReason: 'a test' };
    new SpotTolerantTrainingJob(a, 'job', { ...props, name: ExperimentName.of('exp', { lr: 3 }) });
    new SpotTolerantTrainingJob(b, 'job', { ...props, name: ExperimentName.of('exp', { lr: 3 }) });
    expect(() => app.synth()).toThrow(/Job 'exp-lr3' in namespace 'ml' is written twice, by a\/job\/Resource and b\/job\/Resource/);
  });

  test('an object of another library in the same chart counts too; other namespaces and kinds do not', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'a', { namespace: 'ml' });
    new SpotTolerantTrainingJob(chart, 'job', { image: 'trainer:v1', noCheckpointReason: 'a test', name: 'train' });
    new ApiObject(chart, 'other', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'train' } });
    new ApiObject(new Chart(app, 'b', { namespace: 'other' }), 'job', { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'train' } });
    expect(() => app.synth()).not.toThrow();
    new ApiObject(chart, 'hand-written', { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'train' } });
    expect(() => app.synth()).toThrow(/Job 'train' in namespace 'ml' is written twice, by a\/job\/Resource and a\/hand-written/);
  });
});

describe('a shared checkpoint claim', () => {
  function claimNameWith(jobs: string[], props: Partial<NewCheckpointClaimProps> = {}): { name: string; claim: any } {
    const app = Testing.app();
    const chart = new Chart(app, 'team', { namespace: 'ml' });
    const storage = CheckpointStorage.newClaim({ storageClassName: StorageClasses.GKE_FILESTORE_STANDARD_RWX, size: Size.tebibytes(1), ...props });
    for (const job of jobs) {
      new SpotTolerantTrainingJob(chart, job, { image: 'trainer:v1', name: job, checkpoint: { storage, subPath: job } });
    }
    app.synth();
    const claim = Testing.synth(chart).find((o) => o.kind === 'PersistentVolumeClaim');
    return { name: claim.metadata.name, claim };
  }

  test('keeps its name whichever constructs use it: removing the first job does not rename it', () => {
    const both = claimNameWith(['exp-a', 'exp-b']).name;
    expect(both).toBe('checkpoints');
    expect(claimNameWith(['exp-b']).name).toBe(both);
    expect(claimNameWith(['exp-c', 'exp-b']).name).toBe(both);
    expect(claimNameWith(['exp-b'], { claimName: 'fraud-checkpoints' }).name).toBe('fraud-checkpoints');
  });

  test('carries annotations that keep Argo CD, Flux and kapp from pruning it; protectFromPruning: false drops them', () => {
    expect(claimNameWith(['exp-a']).claim.metadata.annotations).toEqual({
      'argocd.argoproj.io/sync-options': 'Delete=false',
      'kustomize.toolkit.fluxcd.io/prune': 'disabled',
      'kapp.k14s.io/delete-strategy': 'orphan',
    });
    expect(claimNameWith(['exp-a'], { protectFromPruning: false }).claim.metadata.annotations).toBeUndefined();
  });

  test('refuses a claimName that is not a DNS subdomain', () => {
    for (const bad of ['', 'Fraud_Checkpoints', '-x']) {
      expect(() => CheckpointStorage.newClaim({ size: Size.tebibytes(1), claimName: bad }))
        .toThrow(new RegExp(`claimName \\('${bad}'\\) must be a DNS subdomain`));
    }
  });

  test('two unnamed claims in one chart fail synth by name, not silently', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'team', { namespace: 'ml' });
    for (const job of ['a', 'b']) {
      const storage = CheckpointStorage.newClaim({ size: Size.tebibytes(1) });
      new SpotTolerantTrainingJob(chart, job, { image: 'trainer:v1', name: job, checkpoint: { storage } });
    }
    expect(() => app.synth()).toThrow(/PersistentVolumeClaim 'checkpoints' in namespace 'ml' is written twice/);
  });
});

describe('messages a user can act on', () => {
  test('noCheckpointReason answers the checkpoint-volume warning: it is not printed', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'c', { namespace: 'ml' });
    const job = new SpotTolerantTrainingJob(chart, 'job', { image: 'trainer:v1', name: 'eval', noCheckpointReason: 'a 5-minute evaluation' });
    app.synth();
    expect(warningsOf(chart).join('\n')).not.toMatch(/checkpoint-volume/);
    expect(job.acknowledgedRules).toEqual(['checkpoint-volume: a 5-minute evaluation']);
  });

  test('KubernetesVersion.setTarget after a chart exists says to call it first', () => {
    const app = Testing.app();
    new Chart(app, 'team', { namespace: 'ml' });
    expect(() => KubernetesVersion.setTarget(app, KubernetesVersion.V1_30))
      .toThrow(/KubernetesVersion.setTarget\(app, 1.30\): call it before adding charts or constructs to this scope \(it already has 'team'\)/);
  });
});
