/**
 * #13: what users porting real jobs need besides the checkpoint claim: volumes, pull policy,
 * pod annotations, node affinity, topology spread, init containers, native sidecars and
 * ephemeral storage. Every synthesized object passes the strict conformance check.
 */
import { Size } from 'cdk8s';
import {
  CloudProvider,
  Cpu,
  DistributedPyTorchJob,
  EnvValue,
  FsGroupChangePolicy,
  HyperparameterSweep,
  ImagePullPolicy,
  KubernetesVersion,
  PodVolume,
  ScheduledRetrain,
  SpotTolerantTrainingJob,
  SpotScheduling,
  SpotTolerantTrainingJobProps,
  SweepAxis,
  TrainingEngine,
} from '../src';
import { newChart, only, podTemplates, rwxCheckpoints, synth, warningsOf } from './util/synth';

const base: SpotTolerantTrainingJobProps = {
  name: 'train',
  image: 'registry.example.com/trainer:v1',
  command: ['python', 'train.py'],
  memory: Size.gibibytes(16),
  checkpoint: { storage: rwxCheckpoints() },
};

function podOf(extra: (chart: any) => Partial<SpotTolerantTrainingJobProps>, version?: KubernetesVersion): any {
  const { chart } = newChart();
  if (version) KubernetesVersion.setTarget(chart, version);
  new SpotTolerantTrainingJob(chart, 'train', { ...base, ...extra(chart) });
  return only(synth(chart), 'Job').spec.template;
}

test('extra volumes: a read-only dataset claim, a ConfigMap and a GCS FUSE CSI volume with its pod annotation', () => {
  const template = podOf(() => ({
    volumes: [
      { volume: PodVolume.fromPersistentVolumeClaim('imagenet', { readOnly: true }), mountPath: '/data', readOnly: true },
      { volume: PodVolume.fromConfigMap('trainer-config', { items: { 'train.yaml': 'config/train.yaml' } }), mountPath: '/etc/trainer' },
      { volume: PodVolume.fromCsi('gcs-bucket', 'gcsfuse.csi.storage.gke.io', { attributes: { bucketName: 'fraud-data' } }), mountPath: '/gcs', subPath: 'v3' },
      { volume: PodVolume.fromSecret('wandb', { defaultMode: 0o440 }), mountPath: '/etc/wandb', readOnly: true },
      { volume: PodVolume.fromEmptyDir('cache', { sizeLimit: Size.gibibytes(50) }), mountPath: '/cache' },
    ],
    podAnnotations: { 'gke-gcsfuse/volumes': 'true' },
  }));
  expect(template.metadata.annotations).toEqual({
    'cluster-autoscaler.kubernetes.io/safe-to-evict': 'false', 'gke-gcsfuse/volumes': 'true', 'karpenter.sh/do-not-disrupt': 'true',
  });
  const mounts = template.spec.containers[0].volumeMounts;
  expect(mounts).toEqual(expect.arrayContaining([
    expect.objectContaining({ mountPath: '/data', readOnly: true }),
    expect.objectContaining({ mountPath: '/etc/trainer' }),
    { name: 'gcs-bucket', mountPath: '/gcs', subPath: 'v3' },
  ]));
  expect(template.spec.volumes.find((v: any) => v.name === 'gcs-bucket').csi).toEqual({ driver: 'gcsfuse.csi.storage.gke.io', volumeAttributes: { bucketName: 'fraud-data' } });
  expect(template.spec.volumes.find((v: any) => v.persistentVolumeClaim?.claimName === 'imagenet'))
    .toEqual({ name: 'pvc-imagenet', persistentVolumeClaim: { claimName: 'imagenet', readOnly: true } });
  expect(template.spec.volumes.find((v: any) => v.name === 'configmap-trainer-config'))
    .toEqual({ name: 'configmap-trainer-config', configMap: { name: 'trainer-config', items: [{ key: 'train.yaml', path: 'config/train.yaml' }] } });
  expect(template.spec.volumes.find((v: any) => v.name === 'secret-wandb')).toEqual({ name: 'secret-wandb', secret: { secretName: 'wandb', defaultMode: 0o440 } });
  expect(template.spec.volumes.find((v: any) => v.name === 'cache')).toEqual({ name: 'cache', emptyDir: { sizeLimit: '50Gi' } });
  // The library's own volumes are still there.
  expect(mounts.map((m: any) => m.mountPath)).toEqual(expect.arrayContaining(['/checkpoints', '/dev/shm', '/tmp']));
});

test('node autoscalers leave running trainers alone: do-not-disrupt and safe-to-evict by default, off with autoscalerMayEvict, podAnnotations win', () => {
  const byDefault = podOf(() => ({}));
  expect(byDefault.metadata.annotations).toEqual({ 'cluster-autoscaler.kubernetes.io/safe-to-evict': 'false', 'karpenter.sh/do-not-disrupt': 'true' });
  expect(podOf(() => ({ autoscalerMayEvict: true })).metadata.annotations).toBeUndefined();
  // Karpenter reads a duration as protection that ends that long after the pod started.
  expect(podOf(() => ({ podAnnotations: { 'karpenter.sh/do-not-disrupt': '6h' } })).metadata.annotations['karpenter.sh/do-not-disrupt']).toBe('6h');
  // Every construct's pods carry them: the sweep's, the retrain's and each engine's.
  // One chart each: they would share the claim 'checkpoints' in one chart.
  const builds: Array<(chart: any) => void> = [
    (chart) => new ScheduledRetrain(chart, 'retrain', { ...base, scheduleExpression: '@weekly' }),
    (chart) => new HyperparameterSweep(chart, 'sweep', { ...base, grid: [SweepAxis.of('lr', ['1', '2'])] }),
    ...[TrainingEngine.trainingOperator(), TrainingEngine.jobSet(), TrainingEngine.trainerV2()].map((engine) => (chart: any) =>
      new DistributedPyTorchJob(chart, `ddp-${engine.id}`, { ...base, command: undefined, script: ['train.py'], nodes: 2, engine, checkpoint: { storage: rwxCheckpoints() } })),
  ];
  const templates = builds.flatMap((build) => {
    const { chart } = newChart();
    build(chart);
    return podTemplates(synth(chart));
  });
  expect(templates.length).toBeGreaterThanOrEqual(5);
  for (const t of templates) expect(t.metadata.annotations).toMatchObject({ 'karpenter.sh/do-not-disrupt': 'true', 'cluster-autoscaler.kubernetes.io/safe-to-evict': 'false' });
});

test('the group over existing storage: runAsGroup, fsGroup and fsGroupChangePolicy, each defaulting to the one before', () => {
  expect(podOf(() => ({})).spec.securityContext).toMatchObject({ runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 });
  expect(podOf(() => ({})).spec.securityContext.fsGroupChangePolicy).toBeUndefined();
  // A Filestore share owned by group 2000, with checkpoints written by an older job.
  const share = podOf(() => ({ runAsUser: 1500, runAsGroup: 2000, fsGroupChangePolicy: FsGroupChangePolicy.ON_ROOT_MISMATCH }));
  expect(share.spec.securityContext).toMatchObject({ runAsUser: 1500, runAsGroup: 2000, fsGroup: 2000, fsGroupChangePolicy: 'OnRootMismatch' });
  expect(podOf(() => ({ fsGroup: 3000 })).spec.securityContext).toMatchObject({ runAsGroup: 1000, fsGroup: 3000 });
  const { chart } = newChart();
  expect(() => new SpotTolerantTrainingJob(chart, 'a', { ...base, fsGroup: -1 })).toThrow('fsGroup (-1) must be a whole number of at least 0 (a numeric group id, e.g. 1000).');
  expect(() => new SpotTolerantTrainingJob(chart, 'b', { ...base, runAsRoot: true, runAsGroup: 5 })).toThrow(/runAsGroup and runAsRoot are both set/);
});

test('a volume that takes a library name or mount path is refused', () => {
  const { chart } = newChart();
  expect(() => new SpotTolerantTrainingJob(chart, 'a', { ...base, volumes: [{ volume: PodVolume.fromConfigMap('c', { name: 'checkpoints' }), mountPath: '/x' }] }))
    .toThrow("volumes[0]: the volume name 'checkpoints' is already used by the library (checkpoints, dshm, tmp); give the PodVolume another name (its name option).");
  expect(() => new SpotTolerantTrainingJob(chart, 'b', { ...base, volumes: [{ volume: PodVolume.fromConfigMap('c', { name: 'cfg' }), mountPath: '/checkpoints' }] }))
    .toThrow("volumes[0].mountPath ('/checkpoints') is already the mount of volume 'checkpoints'; mount it elsewhere.");
});

test('a volume mounted inside the checkpoint directory is refused: checkpoints saved there would miss the checkpoint storage', () => {
  const { chart } = newChart();
  const scratch = PodVolume.fromEmptyDir('scratch');
  expect(() => new SpotTolerantTrainingJob(chart, 'a', { ...base, volumes: [{ volume: scratch, mountPath: '/checkpoints/tmp' }] }))
    .toThrow("volumes[0].mountPath ('/checkpoints/tmp') is inside the checkpoint directory /checkpoints: checkpoints saved under it would go to " +
      "volume 'scratch', not to the checkpoint storage. Mount it outside /checkpoints, e.g. at '/data'.");
  // The directory follows checkpoint.mountPath; a sibling that only shares the prefix is fine.
  expect(() => new SpotTolerantTrainingJob(chart, 'b', {
    ...base, checkpoint: { ...base.checkpoint!, mountPath: '/mnt/ckpt' }, volumes: [{ volume: scratch, mountPath: '/mnt/ckpt/x' }],
  })).toThrow(/inside the checkpoint directory \/mnt\/ckpt/);
  const fresh = newChart().chart;
  new SpotTolerantTrainingJob(fresh, 'c', { ...base, volumes: [{ volume: scratch, mountPath: '/checkpoints-scratch' }] });
  expect(only(synth(fresh), 'Job').spec.template.spec.containers[0].volumeMounts.map((m: any) => m.mountPath)).toContain('/checkpoints-scratch');
});

test('imagePullPolicy and ephemeral storage (request = limit) on the trainer container', () => {
  const container = podOf(() => ({ imagePullPolicy: ImagePullPolicy.IF_NOT_PRESENT, ephemeralStorage: Size.gibibytes(200) })).spec.containers[0];
  expect(container.imagePullPolicy).toBe('IfNotPresent');
  expect(container.resources.requests['ephemeral-storage']).toBe('200Gi');
  expect(container.resources.limits['ephemeral-storage']).toBe('200Gi');
});

test('requiredNodeLabels join the on-demand exclusion in one required term; spreadAcross spreads the workload\'s pods', () => {
  const spec = podOf(() => ({
    provider: CloudProvider.gke(),
    requiredNodeLabels: [{ key: 'topology.kubernetes.io/zone', operator: 'In', values: ['europe-west4-a', 'europe-west4-b'] }],
    spreadAcross: 'topology.kubernetes.io/zone',
  })).spec;
  expect(spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms).toEqual([{
    matchExpressions: [
      { key: 'topology.kubernetes.io/zone', operator: 'In', values: ['europe-west4-a', 'europe-west4-b'] },
      { key: 'cloud.google.com/gke-spot', operator: 'NotIn', values: ['true'] },
      { key: 'cloud.google.com/gke-preemptible', operator: 'NotIn', values: ['true'] },
    ],
  }]);
  expect(spec.topologySpreadConstraints).toEqual([{
    maxSkew: 1,
    topologyKey: 'topology.kubernetes.io/zone',
    whenUnsatisfiable: 'ScheduleAnyway',
    labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'train' } },
  }]);
});

test('a malformed node label requirement is refused with the fix', () => {
  const { chart } = newChart();
  expect(() => new SpotTolerantTrainingJob(chart, 'a', { ...base, requiredNodeLabels: [{ key: 'pool', operator: 'Equals', values: ['a'] }] }))
    .toThrow("requiredNodeLabels[0].operator ('Equals') must be one of In, NotIn, Exists, DoesNotExist.");
  expect(() => new SpotTolerantTrainingJob(chart, 'b', { ...base, requiredNodeLabels: [{ key: 'pool', operator: 'In', values: [] }] }))
    .toThrow("requiredNodeLabels[0] (In) needs at least one value; e.g. { key: 'pool', operator: 'In', values: ['a'] }.");
});

test('node label requirements that no node can match with the spot preset or the on-demand exclusion are refused, naming them', () => {
  const make = (props: Partial<SpotTolerantTrainingJobProps>) => () => new SpotTolerantTrainingJob(newChart().chart, 'a', { ...base, ...props });
  // EKS spot selects capacityType=SPOT; excluding SPOT leaves no node.
  expect(make({ spot: SpotScheduling.eksSpot(), requiredNodeLabels: [{ key: 'eks.amazonaws.com/capacityType', operator: 'NotIn', values: ['SPOT'] }] }))
    .toThrow('requiredNodeLabels[0]: no node can match eks.amazonaws.com/capacityType=SPOT (the eks-spot preset) and ' +
      'eks.amazonaws.com/capacityType NotIn (SPOT) (requiredNodeLabels[0]), so the pods would stay Pending. Change or remove requiredNodeLabels[0].');
  // On-demand GKE pods exclude spot nodes; asking for them as well leaves no node.
  expect(make({ provider: CloudProvider.gke(), requiredNodeLabels: [{ key: 'cloud.google.com/gke-spot', operator: 'In', values: ['true'] }] }))
    .toThrow(/cloud.google.com\/gke-spot In \(true\) \(requiredNodeLabels\[0\]\) and cloud.google.com\/gke-spot NotIn \(true\) \(the GKE on-demand exclusion of spot nodes\), so the pods would stay Pending. Change or remove requiredNodeLabels\[0\], or set spot to select spot capacity./);
  // Two of the user's own: a zone both required and excluded.
  expect(make({ requiredNodeLabels: [{ key: 'zone', operator: 'In', values: ['a'] }, { key: 'zone', operator: 'NotIn', values: ['a'] }] }))
    .toThrow(/zone In \(a\) \(requiredNodeLabels\[0\]\) and zone NotIn \(a\) \(requiredNodeLabels\[1\]\).*Change or remove requiredNodeLabels\[0\] or requiredNodeLabels\[1\]/);
  // The same keys with values some node can have are accepted and pass the unschedulable-placement rule.
  const { chart } = newChart();
  new SpotTolerantTrainingJob(chart, 'ok', {
    ...base, spot: SpotScheduling.eksSpot(), requiredNodeLabels: [{ key: 'eks.amazonaws.com/capacityType', operator: 'In', values: ['SPOT', 'ON_DEMAND'] }],
  });
  expect(only(synth(chart), 'Job').spec.template.spec.affinity).toBeDefined();
});

test('init containers get the restricted security context and run after the library\'s own (a sweep\'s assignment first)', () => {
  const { chart } = newChart();
  new HyperparameterSweep(chart, 'sweep', {
    name: 'sweep',
    image: 'registry.example.com/trainer:v1',
    command: ['python', 'train.py'],
    checkpoint: { storage: rwxCheckpoints() },
    grid: [SweepAxis.of('lr', ['1e-4', '3e-4'])],
    initContainers: [{ name: 'fetch-data', image: 'registry.example.com/fetch:v2', command: ['fetch', '--to=/tmp/data'] }],
  });
  const init = only(synth(chart), 'Job').spec.template.spec.initContainers;
  expect(init.map((c: any) => c.name)).toEqual([expect.any(String), 'fetch-data']);
  expect(init[1].securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true });
  expect(init[1].restartPolicy).toBeUndefined();
});

test('sidecars are native sidecars (restartPolicy Always init containers) on 1.29+, refused on 1.28', () => {
  const sidecar = { name: 'log-shipper', image: 'registry.example.com/fluent-bit:3.1' };
  const init = podOf(() => ({ sidecars: [sidecar] }), KubernetesVersion.V1_29).spec.initContainers;
  expect(init).toEqual([expect.objectContaining({ name: 'log-shipper', restartPolicy: 'Always', securityContext: expect.objectContaining({ runAsNonRoot: true }) })]);
  const { chart } = newChart();
  expect(() => new SpotTolerantTrainingJob(chart, 'a', { ...base, sidecars: [sidecar], kubernetesVersion: KubernetesVersion.V1_28 }))
    .toThrow('sidecars need native sidecar containers, on by default from Kubernetes 1.29; the target is 1.28.');
});

test('sidecars mount the pod\'s volumes by name, listen on ports and get only the resources they are given', () => {
  const template = podOf(() => ({
    volumes: [{ volume: PodVolume.fromEmptyDir('logs'), mountPath: '/var/log/trainer' }],
    sidecars: [{
      name: 'log-shipper',
      image: 'registry.example.com/fluent-bit:3.1',
      args: ['-c', '/etc/fluent-bit.conf'],
      env: { CLUSTER: EnvValue.fromValue('gke-eu') },
      cpu: Cpu.millis(100),
      memory: Size.mebibytes(128),
      ports: [{ number: 2020, name: 'metrics' }],
      volumeMounts: [{ volume: 'logs', mountPath: '/logs', readOnly: true }, { volume: 'checkpoints', mountPath: '/checkpoints', readOnly: true }],
    }],
  }), KubernetesVersion.V1_29);
  const [sidecar] = template.spec.initContainers;
  expect(sidecar).toEqual({
    name: 'log-shipper',
    image: 'registry.example.com/fluent-bit:3.1',
    args: ['-c', '/etc/fluent-bit.conf'],
    env: [{ name: 'CLUSTER', value: 'gke-eu' }],
    ports: [{ containerPort: 2020, name: 'metrics' }],
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '100m', memory: '128Mi' } },
    volumeMounts: [{ name: 'logs', mountPath: '/logs', readOnly: true }, { name: 'checkpoints', mountPath: '/checkpoints', readOnly: true }],
    restartPolicy: 'Always',
    securityContext: template.spec.containers[0].securityContext,
  });
  // No resources given, none written (cdk8s-plus's Container would have added its own defaults).
  const bare = podOf(() => ({ initContainers: [{ name: 'fetch', image: 'registry.example.com/fetch:v2' }] })).spec.initContainers[0];
  expect(bare.resources).toBeUndefined();
});

test.each<[string, any, string | RegExp]>([
  ['a mount of a volume the pod does not have', { sidecars: [{ name: 's', image: 'x:v1', volumeMounts: [{ volume: 'data', mountPath: '/data' }] }] },
    "sidecars[0].volumeMounts[0]: 'data' is not a volume of the pod; use one of 'checkpoints', 'dshm', 'tmp' (add others with the volumes prop)."],
  ['a relative mount path', { sidecars: [{ name: 's', image: 'x:v1', volumeMounts: [{ volume: 'tmp', mountPath: 'logs' }] }] },
    "sidecars[0].volumeMounts[0].mountPath ('logs') must be an absolute path, e.g. '/data'."],
  ['a container name that is not a DNS label', { initContainers: [{ name: 'Fetch_Data', image: 'x:v1' }] },
    "initContainers[0].name ('Fetch_Data') must be a DNS label: lower-case letters, digits and '-', at most 63."],
  ['an empty image', { initContainers: [{ name: 'fetch', image: ' ' }] },
    "initContainers[0].image is empty; set it to the container's image, e.g. 'fluent/fluent-bit:3.1'."],
  ['a sidecar image with whitespace', { sidecars: [{ name: 's', image: 'fluent-bit :3.1' }] },
    "sidecars[0].image ('fluent-bit :3.1') contains whitespace; write the reference without spaces, e.g. 'fluent/fluent-bit:3.1'."],
  // The kubelet, not the apiserver, refuses this (InvalidImageName), after the pod was scheduled.
  ['a sidecar image with an upper-case repository', { sidecars: [{ name: 's', image: 'registry.example.com/Fluent-Bit:3.1' }] },
    "sidecars[0].image ('registry.example.com/Fluent-Bit:3.1'): the repository 'Fluent-Bit' has upper-case letters, which image references do not allow; write 'fluent-bit'."],
  ['a sidecar port of 0', { sidecars: [{ name: 's', image: 'x:v1', ports: [{ number: 0 }] }] },
    'sidecars[0].ports[0].number (0) must be a whole number from 1 to 65535.'],
  ['a sidecar port above 65535', { sidecars: [{ name: 's', image: 'x:v1', ports: [{ number: 65536, name: 'metrics' }] }] },
    'sidecars[0].ports[0].number (65536) must be a whole number from 1 to 65535.'],
  ['a port name longer than 15 characters', { sidecars: [{ name: 's', image: 'x:v1', ports: [{ number: 9090, name: 'prometheus-stats' }] }] },
    "sidecars[0].ports[0].name ('prometheus-stats') is longer than 15 characters: a port name is an IANA service name of at most 15 lower-case letters, digits and '-', e.g. 'metrics'."],
  ['an upper-case port name', { initContainers: [{ name: 'i', image: 'x:v1', ports: [{ number: 80, name: 'Http' }] }] },
    /initContainers\[0\]\.ports\[0\]\.name \('Http'\) may contain only lower-case letters, digits and '-'/],
  ['a port name used twice in a container', { sidecars: [{ name: 's', image: 'x:v1', ports: [{ number: 80, name: 'http' }, { number: 81, name: 'http' }] }] },
    "sidecars[0].ports[1].name ('http') is already the name of another port of the container; give each its own."],
  ['shell redirection in a sidecar command', { sidecars: [{ name: 's', image: 'x:v1', command: ['ship', '>', '/tmp/x'] }] }, /sidecars\[0\]\.command\[1\] \('>'\) is shell redirection/],
  ['a sidecar cpu of zero', { sidecars: [{ name: 's', image: 'x:v1', cpu: Cpu.units(0) }] }, /sidecars\[0\]\.cpu \(0\) must be a positive amount of CPU/],
  ['a cpu finer than a millicore', { cpu: Cpu.millis(0.5) }, 'cpu (0.5m) is finer than a millicore, which Kubernetes rounds up; write whole millicores, e.g. Cpu.millis(1).'],
  ['an env value with neither value nor reference', { env: { A: {} } }, "env: 'A' needs exactly one of a value or a reference; use EnvValue.fromValue('...'), fromSecret, fromConfigMap or fromFieldRef."],
  ['a field an env var cannot read', { env: { PHASE: EnvValue.fromFieldRef('status.phase') } },
    /env: 'PHASE' EnvValue.fromFieldRef: fieldPath 'status.phase' is not a pod field an env var can read .*; e.g. EnvValue.fromFieldRef\('metadata.name'\)/],
  ['an annotation key without quotes', { env: { RANK: EnvValue.fromFieldRef('metadata.annotations[batch.kubernetes.io/job-completion-index]') } },
    /env: 'RANK' EnvValue.fromFieldRef: fieldPath 'metadata.annotations\[batch.kubernetes.io\/job-completion-index\]' is not a pod field/],
  ['a service account name with upper case', { serviceAccountName: 'Trainer' }, /serviceAccountName \('Trainer'\) must be the name of an object/],
  ['a pull secret name with a slash', { imagePullSecrets: ['ok', 'a/b'] }, /imagePullSecrets\[1\] \('a\/b'\) must be the name of an object/],
  ['a volume that is not a PodVolume', { volumes: [{ volume: { name: 'x' }, mountPath: '/x' }] }, /volumes\[0\]\.volume is not a PodVolume; create it with PodVolume/],
  ['a volume given by name (a string)', { volumes: [{ volume: 'data', mountPath: '/x' }] }, /volumes\[0\]\.volume is not a PodVolume/],
])('bad extra containers, env and volumes are refused with the fix: %s', (_name, extra, message) => {
  const { chart } = newChart();
  KubernetesVersion.setTarget(chart, KubernetesVersion.V1_29);
  expect(() => new SpotTolerantTrainingJob(chart, 'a', { ...base, ...extra })).toThrow(message);
});

test('PodVolume.fromEmptyDir refuses a size limit that is not positive', () => {
  expect(() => PodVolume.fromEmptyDir('cache', { sizeLimit: Size.mebibytes(0) }))
    .toThrow("PodVolume.fromEmptyDir('cache'): sizeLimit (0Mi) must be positive; e.g. Size.gibibytes(50), or leave it unset.");
  expect(PodVolume.fromEmptyDir('shm', { memory: true })._toKube()).toEqual({ name: 'shm', emptyDir: { medium: 'Memory' } });
});

test('an init container or sidecar without a tag, or on latest, gets the image-tag warning naming its prop', () => {
  const { chart } = newChart();
  new SpotTolerantTrainingJob(chart, 'a', {
    ...base,
    initContainers: [{ name: 'fetch', image: 'registry.example.com/fetch' }],
    sidecars: [{ name: 'ship', image: 'fluent/fluent-bit:latest' }, { name: 'pinned', image: 'fluent/fluent-bit@sha256:' + 'a'.repeat(64) }],
  });
  synth(chart); // checked strictly, as every synthesized object
  const imageTag = warningsOf(chart).filter((w) => w.includes('[warning image-tag]'));
  expect(imageTag).toHaveLength(2);
  expect(imageTag[0]).toContain("initContainers[0].image ('registry.example.com/fetch') has no tag (so :latest)");
  expect(imageTag[1]).toContain("sidecars[0].image ('fluent/fluent-bit:latest') has the tag latest");
});

test('a container name used twice in the pod is refused', () => {
  const { chart } = newChart();
  expect(() => new SpotTolerantTrainingJob(chart, 'a', { ...base, initContainers: [{ name: 'trainer', image: 'x:v1' }] }))
    .toThrow("initContainers[0]: the container name 'trainer' is already used in the pod; choose another.");
});

describe('elastic metrics on the Training Operator', () => {
  const elasticJob = (metrics: any[], extra: object = {}) => {
    const { chart } = newChart();
    new DistributedPyTorchJob(chart, 'ddp', {
      name: 'ddp',
      image: 'registry.example.com/trainer:v1',
      script: ['train.py'],
      nodes: 2,
      memory: Size.gibibytes(16),
      checkpoint: { storage: rwxCheckpoints() },
      elastic: { minNodes: 1, maxNodes: 4, metrics },
      ...extra,
    });
    return chart;
  };

  test('become autoscaling/v2 Resource utilization metrics in elasticPolicy.metrics (the CRD schema holds them)', () => {
    const job = only(synth(elasticJob([{ resource: 'cpu', averageUtilization: 80 }], { cpu: Cpu.units(8) })), 'PyTorchJob');
    expect(job.spec.elasticPolicy.metrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }]);
  });

  test('bad metrics are refused with the fix', () => {
    expect(() => elasticJob([{ resource: 'gpu', averageUtilization: 80 }])).toThrow("elastic.metrics[0].resource ('gpu') must be 'cpu' or 'memory'");
    expect(() => elasticJob([{ resource: 'memory', averageUtilization: 150 }])).toThrow('elastic.metrics[0].averageUtilization (150) must be a whole percentage from 1 to 100, e.g. 80.');
    expect(() => elasticJob([{ resource: 'cpu', averageUtilization: 80 }])).toThrow('elastic.metrics[0] scales on cpu utilization, which is measured against the cpu request; set cpu, e.g. Cpu.units(8).');
  });
});

describe('capacity, the newer name of spot (#27 item 3)', () => {
  const jobs: Array<[string, (chart: any, props: any) => void, string]> = [
    ['SpotTolerantTrainingJob', (chart, props) => new SpotTolerantTrainingJob(chart, 'x', { ...base, ...props }), 'Job'],
    ['DistributedPyTorchJob on JobSet with onDemandMaster', (chart, props) => new DistributedPyTorchJob(chart, 'x', {
      name: 'ddp',
      image: 'trainer:v1',
      script: ['train.py'],
      nodes: 2,
      checkpoint: { storage: rwxCheckpoints() },
      engine: TrainingEngine.jobSet(),
      onDemandMaster: true,
      ...props,
    }), 'JobSet'],
  ];
  test.each(jobs)('%s: capacity writes the same objects as spot', (_name, make) => {
    const withSpot = newChart();
    make(withSpot.chart, { spot: SpotScheduling.gke().orOnDemand() });
    const withCapacity = newChart();
    make(withCapacity.chart, { capacity: SpotScheduling.gke().orOnDemand() });
    expect(synth(withCapacity.chart)).toEqual(synth(withSpot.chart));
  });

  test('both names set to different capacities is an error naming the prop; the same value twice is accepted', () => {
    const { chart } = newChart();
    expect(() => new SpotTolerantTrainingJob(chart, 'a', { ...base, capacity: SpotScheduling.gke(), spot: SpotScheduling.eksSpot() }))
      .toThrow(/capacity \(gke-spot\) and spot \(eks-spot\) are both set; they are one prop under two names: keep capacity and remove spot/);
    const gke = SpotScheduling.gke();
    expect(() => new SpotTolerantTrainingJob(chart, 'b', { ...base, capacity: gke, spot: gke })).not.toThrow();
  });

  test('a capacity of another provider than the provider prop names capacity in the error', () => {
    const { chart } = newChart();
    expect(() => new SpotTolerantTrainingJob(chart, 'c', { ...base, capacity: SpotScheduling.gke(), provider: CloudProvider.aws() }))
      .toThrow(/capacity \(gke-spot\) is/);
  });
});
