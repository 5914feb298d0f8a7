import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, Duration, JsonPatch, Size, Testing, Chart } from 'cdk8s';
import { Node } from 'constructs';
import {
  Accelerator,
  CheckpointStorage,
  Cpu,
  EnvValue,
  KubernetesVersion,
  PersistentVolumeAccessMode,
  ScheduledRetrain,
  SpotScheduling,
  SpotTolerantTrainingJob,
  SpotTolerantTrainingJobProps,
} from '../src';
import { expectConformant } from './util/conformance';
import { newChart, only, rwxCheckpoints, synth, warningsOf } from './util/synth';

function job(overrides: Partial<SpotTolerantTrainingJobProps> = {}) {
  const { chart } = newChart();
  const construct = new SpotTolerantTrainingJob(chart, 'train', {
    name: 'fraud',
    image: 'registry.example.com/trainer:v1',
    command: ['python', 'train.py'],
    checkpoint: { storage: rwxCheckpoints() },
    ...overrides,
  });
  return { chart, construct };
}

function synthJob(overrides: Partial<SpotTolerantTrainingJobProps> = {}) {
  const { chart, construct } = job(overrides);
  const objects = synth(chart);
  expectConformant(objects, { kubernetesMinor: construct.kubernetesVersion.minor });
  return { objects, construct, job: only(objects, 'Job'), pod: only(objects, 'Job').spec.template.spec };
}

describe('SpotTolerantTrainingJob enforced defaults', () => {
  test('synthesizes a conformant Job and its checkpoint claim', () => {
    const { objects } = synthJob();
    expect(objects.map((o) => o.kind).sort()).toEqual(['Job', 'PersistentVolumeClaim']);
    expect(objects).toMatchSnapshot();
  });

  test('restartPolicy Never, backoffLimit 2, 8h deadline, 24h TTL', () => {
    const { job: j, construct } = synthJob();
    expect(j.spec.template.spec.restartPolicy).toBe('Never');
    expect(j.spec.backoffLimit).toBe(2);
    expect(j.spec.activeDeadlineSeconds).toBe(8 * 3600);
    expect(j.spec.ttlSecondsAfterFinished).toBe(24 * 3600);
    expect(construct.restartPolicy).toBe('Never');
    expect(construct.backoffLimit).toBe(2);
    expect(construct.activeDeadline.toHours()).toBe(8);
    expect(construct.ttlAfterFinished.toHours()).toBe(24);
  });

  test('podFailurePolicy ignores disruptions and the contract exit code, fails on config errors', () => {
    const { job: j, construct } = synthJob();
    expect(j.spec.podFailurePolicy.rules).toEqual([
      { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
      { action: 'Ignore', onExitCodes: { containerName: 'trainer', operator: 'In', values: [143] }, onPodConditions: [] },
      { action: 'FailJob', onExitCodes: { containerName: 'trainer', operator: 'In', values: [2] }, onPodConditions: [] },
    ]);
    expect(construct.preemptionExitCode).toBe(143);
    expect(construct.nonRetriableExitCodes).toEqual([2]);
  });

  test('the contract exit codes reach the trainer as env vars', () => {
    const { pod } = synthJob({ preemption: { exitCode: 99, nonRetriableExitCodes: [3, 2] } });
    const env = Object.fromEntries(pod.containers[0].env.map((e: any) => [e.name, e.value]));
    expect(env.PREEMPTION_EXIT_CODE).toBe('99');
    expect(env.CONFIG_ERROR_EXIT_CODE).toBe('2');
  });

  test('custom preemption codes appear in the policy sorted', () => {
    const { job: j } = synthJob({ preemption: { exitCode: 99, nonRetriableExitCodes: [3, 2] } });
    expect(j.spec.podFailurePolicy.rules[1].onExitCodes.values).toEqual([99]);
    expect(j.spec.podFailurePolicy.rules[2].onExitCodes.values).toEqual([2, 3]);
  });

  test('checkpoint volume is mounted and CHECKPOINT_DIR / CHECKPOINT_INTERVAL_EPOCHS are set', () => {
    const { pod, objects, construct } = synthJob({ checkpoint: { storage: rwxCheckpoints(), intervalEpochs: 5, mountPath: '/ckpt' } });
    const claim = only(objects, 'PersistentVolumeClaim');
    expect(pod.volumes).toContainEqual({ name: 'checkpoints', persistentVolumeClaim: { claimName: claim.metadata.name } });
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'checkpoints', mountPath: '/ckpt' });
    expect(pod.containers[0].env).toEqual(expect.arrayContaining([
      { name: 'CHECKPOINT_DIR', value: '/ckpt' },
      { name: 'CHECKPOINT_INTERVAL_EPOCHS', value: '5' },
    ]));
    expect(construct.checkpointMountPath).toBe('/ckpt');
    expect(claim.spec.accessModes).toEqual(['ReadWriteMany']);
    expect(claim.spec.storageClassName).toBe('standard-rwx');
    expect(claim.spec.resources.requests.storage).toBe('1Ti');
  });

  test('grace period covers the spot notice: 30 s on GKE, 120 s on EKS', () => {
    expect(synthJob({ spot: SpotScheduling.gke() }).pod.terminationGracePeriodSeconds).toBe(30);
    const eks = synthJob({ spot: SpotScheduling.eksSpot() });
    expect(eks.pod.terminationGracePeriodSeconds).toBe(120);
    expect(eks.construct.terminationGracePeriod.toSeconds()).toBe(120);
  });

  test('GKE spot preset selects spot nodes and tolerates their taint', () => {
    const { pod } = synthJob({ spot: SpotScheduling.gke() });
    expect(pod.nodeSelector).toEqual({ 'cloud.google.com/gke-spot': 'true' });
    expect(pod.tolerations).toEqual([{ key: 'cloud.google.com/gke-spot', operator: 'Equal', value: 'true', effect: 'NoSchedule' }]);
  });

  test('GPUs: requests equal limits, a GPU toleration and the model by the GKE label', () => {
    const { pod } = synthJob({
      accelerator: Accelerator.nvidiaGpu(4, { product: 'nvidia-tesla-a100' }),
      spot: SpotScheduling.gke(),
      cpu: Cpu.units(16),
      memory: Size.gibibytes(128),
    });
    const resources = pod.containers[0].resources;
    expect(resources.limits).toEqual({ 'cpu': '16', 'memory': '128Gi', 'nvidia.com/gpu': 4 });
    expect(resources.requests).toEqual(resources.limits);
    expect(pod.tolerations).toContainEqual({ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' });
    expect(pod.nodeSelector['cloud.google.com/gke-accelerator']).toBe('nvidia-tesla-a100');
  });

  test('GPU model uses the NVIDIA feature-discovery label off GKE', () => {
    const { pod } = synthJob({ accelerator: Accelerator.nvidiaGpu(1, { product: 'NVIDIA-A100-SXM4-40GB' }), spot: SpotScheduling.eksSpot() });
    expect(pod.nodeSelector).toEqual({ 'eks.amazonaws.com/capacityType': 'SPOT', 'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-40GB' });
  });

  test('/dev/shm is a memory emptyDir sized a quarter of memory, /tmp is writable', () => {
    const { pod } = synthJob({ memory: Size.gibibytes(128) });
    expect(pod.volumes).toContainEqual({ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '32Gi' } });
    expect(pod.volumes).toContainEqual({ name: 'tmp', emptyDir: {} });
    expect(pod.containers[0].volumeMounts).toEqual(expect.arrayContaining([
      { name: 'dshm', mountPath: '/dev/shm' },
      { name: 'tmp', mountPath: '/tmp' },
    ]));
  });

  test('labels app, version, experiment and app.kubernetes.io/* on the Job and its pods; Kueue labels on the Job only', () => {
    const { job: j } = synthJob({ version: 'v3', experiment: 'lr-study', queue: 'gpu-queue', workloadPriorityClass: 'high' });
    const expected = {
      'app': 'fraud',
      'version': 'v3',
      'experiment': 'lr-study',
      'app.kubernetes.io/name': 'fraud',
      'app.kubernetes.io/version': 'v3',
      'app.kubernetes.io/component': 'training',
      'app.kubernetes.io/managed-by': 'cdk8s-training',
    };
    expect(j.metadata.labels).toEqual({ ...expected, 'kueue.x-k8s.io/queue-name': 'gpu-queue', 'kueue.x-k8s.io/priority-class': 'high' });
    expect(j.spec.template.metadata.labels).toEqual(expected);
  });

  test('pod passes Pod Security "restricted"', () => {
    const { pod } = synthJob();
    expect(pod.securityContext).toEqual({
      runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.containers[0].securityContext).toEqual({
      allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: false, runAsNonRoot: true,
    });
  });

  test('runAsRoot drops runAsNonRoot but keeps the other hardening', () => {
    const { pod } = synthJob({ runAsRoot: true });
    expect(pod.securityContext).toEqual({ seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.containers[0].securityContext).toEqual({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: false });
  });

  test('env from plain values and Secrets, service account, pull secrets and priority class', () => {
    const { chart, construct } = job();
    const other = new SpotTolerantTrainingJob(chart, 'other', {
      name: 'other',
      image: 'trainer:v1',
      checkpoint: { storage: CheckpointStorage.existingClaim('shared-rwx', PersistentVolumeAccessMode.READ_WRITE_MANY) },
      env: {
        WANDB_MODE: EnvValue.fromValue('offline'),
        HF_TOKEN: EnvValue.fromSecret('hf-token', 'token'),
        DATASET: EnvValue.fromConfigMap('datasets', 'current', { optional: true }),
        POD_NAME: EnvValue.fromFieldRef('metadata.name'),
      },
      imagePullSecrets: ['registry-pull'],
      serviceAccountName: 'trainer-gcs',
      priorityClassName: 'training-high',
    });
    const objects = synth(chart);
    expectConformant(objects);
    const pod = objects.find((o) => o.kind === 'Job' && o.metadata.name === other.name).spec.template.spec;
    expect(pod.containers[0].env).toEqual(expect.arrayContaining([
      { name: 'WANDB_MODE', value: 'offline' },
      { name: 'HF_TOKEN', valueFrom: { secretKeyRef: { name: 'hf-token', key: 'token' } } },
      { name: 'DATASET', valueFrom: { configMapKeyRef: { name: 'datasets', key: 'current', optional: true } } },
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    ]));
    expect(pod.imagePullSecrets).toEqual([{ name: 'registry-pull' }]);
    expect(pod.serviceAccountName).toBe('trainer-gcs');
    expect(pod.priorityClassName).toBe('training-high');
    expect(pod.volumes[0]).toEqual({ name: 'checkpoints', persistentVolumeClaim: { claimName: 'shared-rwx' } });
    expect(construct.name).toBe('fraud');
  });

  test('a shared CheckpointStorage creates one claim for several jobs', () => {
    const { chart } = newChart();
    const storage = rwxCheckpoints();
    new SpotTolerantTrainingJob(chart, 'a', { image: 'trainer:v1', checkpoint: { storage, subPath: 'a' } });
    new SpotTolerantTrainingJob(chart, 'b', { image: 'trainer:v1', checkpoint: { storage, subPath: 'b' } });
    const objects = synth(chart);
    expectConformant(objects);
    const claims = objects.filter((o) => o.kind === 'PersistentVolumeClaim');
    expect(claims).toHaveLength(1);
    const mounted = objects.filter((o) => o.kind === 'Job').map((o) => o.spec.template.spec.volumes[0].persistentVolumeClaim.claimName);
    expect(mounted).toEqual([claims[0].metadata.name, claims[0].metadata.name]);
  });

  test('two jobs mounting one claim at its root fail synth: each would resume from the other\'s checkpoints', () => {
    const { chart } = newChart();
    const storage = rwxCheckpoints();
    new SpotTolerantTrainingJob(chart, 'a', { image: 'trainer:v1', checkpoint: { storage } });
    new ScheduledRetrain(chart, 'b', { image: 'trainer:v1', scheduleExpression: '0 2 * * 0', checkpoint: { storage } });
    // A third with its own sub-directory is no part of it.
    new SpotTolerantTrainingJob(chart, 'c', { image: 'trainer:v1', checkpoint: { storage, subPath: 'c' } });
    expect(() => synth(chart)).toThrow(
      "checkpoint claim 'checkpoints' in namespace 'ml' is mounted at its root by test/a and test/b: each trainer would find the other's " +
      "checkpoints in CHECKPOINT_DIR and resume from them. Give each a checkpoint.subPath of its own, e.g. checkpoint: { storage, subPath: '<job name>' }.");
    // In another namespace it is another claim.
    const other = newChart();
    new SpotTolerantTrainingJob(other.chart, 'a', { image: 'trainer:v1', checkpoint: { storage: rwxCheckpoints() } });
    new SpotTolerantTrainingJob(new Chart(other.app, 'elsewhere', { namespace: 'team-b' }), 'b', { image: 'trainer:v1', checkpoint: { storage: rwxCheckpoints() } });
    expect(() => other.app.synth()).not.toThrow();
  });

  test('generated names are DNS labels within 63 characters', () => {
    const { chart } = newChart();
    const generated = new SpotTolerantTrainingJob(chart, 'x'.repeat(80), { image: 'trainer:v1', noCheckpointReason: 'smoke test' });
    expect(generated.name.length).toBeLessThanOrEqual(63);
    const objects = synth(chart);
    expectConformant(objects);
    expect(only(objects, 'Job').metadata.name).toBe(generated.name);
  });

  test('podReplacementPolicy Failed only when the target is 1.29 or newer', () => {
    expect(synthJob({ kubernetesVersion: KubernetesVersion.V1_28 }).job.spec.podReplacementPolicy).toBeUndefined();
    expect(synthJob().job.spec.podReplacementPolicy).toBe('Failed'); // the default target, 1.32
    const newer = synthJob({ kubernetesVersion: KubernetesVersion.V1_29 });
    expect(newer.job.spec.podReplacementPolicy).toBe('Failed');
    expect(newer.construct.podReplacementPolicy).toBe('Failed');
  });

  test('the target version set on the chart reaches the construct', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'newer');
    KubernetesVersion.setTarget(chart, KubernetesVersion.V1_30);
    const trainer = new SpotTolerantTrainingJob(chart, 'train', { image: 'trainer:v1', checkpoint: { storage: rwxCheckpoints() } });
    expect(trainer.kubernetesVersion.toString()).toBe('1.30');
    expect(Testing.synth(chart).find((o) => o.kind === 'Job').spec.podReplacementPolicy).toBe('Failed');
  });

  test('two synths of the same app are byte-identical', () => {
    const render = () => {
      const { chart } = job({ accelerator: Accelerator.nvidiaGpu(2), spot: SpotScheduling.aksSpot(), memory: Size.gibibytes(64) });
      return chart.toJson().map((o: any) => JSON.stringify(o)).join('\n');
    };
    expect(render()).toEqual(render());
  });

  test('a noCheckpointReason runs without checkpoint storage', () => {
    const { pod, objects } = synthJob({ checkpoint: undefined, noCheckpointReason: 'evaluation only, 5 minutes' });
    expect(objects.map((o) => o.kind)).toEqual(['Job']);
    expect(pod.volumes.map((v: any) => v.name)).toEqual(['dshm', 'tmp']);
  });
});

describe('SpotTolerantTrainingJob escape hatches', () => {
  test('Node.of(job).defaultChild is the Job ApiObject', () => {
    const { construct } = job();
    const child = Node.of(construct).defaultChild as ApiObject;
    expect(child).toBe(construct.apiObject);
    expect(child.kind).toBe('Job');
  });

  test('a JsonPatch applies to the output', () => {
    const { chart, construct } = job();
    ApiObject.of(construct.apiObject).addJsonPatch(JsonPatch.add('/spec/template/spec/hostIPC', false));
    const objects = synth(chart);
    expect(only(objects, 'Job').spec.template.spec.hostIPC).toBe(false);
  });

  test('fails when a patch sets restartPolicy OnFailure with the failure policy (rule job-restart-policy)', () => {
    const { chart, construct } = job();
    construct.apiObject.addJsonPatch(JsonPatch.replace('/spec/template/spec/restartPolicy', 'OnFailure'));
    expect(() => synth(chart)).toThrow(/job-restart-policy.*only "Never" is supported when podFailurePolicy is specified/);
  });

  test('fails when a patch sets memory 512m (rule resource-quantities)', () => {
    const { chart, construct } = job({ memory: Size.gibibytes(8) });
    construct.apiObject.addJsonPatch(JsonPatch.replace('/spec/template/spec/containers/0/resources/limits/memory', '512m'));
    expect(() => synth(chart)).toThrow(/resource-quantities.*'512m'\) is in millibytes/);
  });

  test('fails when a patch makes GPU request and limit differ (rule gpu-resources)', () => {
    const { chart, construct } = job({ accelerator: Accelerator.nvidiaGpu(4) });
    construct.apiObject.addJsonPatch(JsonPatch.replace('/spec/template/spec/containers/0/resources/requests/nvidia.com~1gpu', 2));
    expect(() => synth(chart)).toThrow(/gpu-resources.*must be equal to nvidia.com\/gpu limit of 4/);
  });

  test('acknowledgeRule turns a rule off with a reason', () => {
    const { chart, construct } = job({ checkpoint: undefined, noCheckpointReason: 'smoke test' });
    construct.acknowledgeRule('checkpoint-volume', 'a 2-minute smoke test');
    synth(chart);
    expect(construct.acknowledgedRules).toEqual(['checkpoint-volume: a 2-minute smoke test']);
    expect(warningsOf(chart).join('\n')).not.toMatch(/checkpoint-volume/);
  });

  test('noCheckpointReason is the acknowledgement (#13): no checkpoint-volume warning; a claim removed by an escape hatch still warns', () => {
    const answered = job({ checkpoint: undefined, noCheckpointReason: 'smoke test' });
    synth(answered.chart);
    expect(warningsOf(answered.chart).join('\n')).not.toMatch(/checkpoint-volume/);
    expect(answered.construct.acknowledgedRules).toEqual(['checkpoint-volume: smoke test']);
    const patched = job();
    patched.construct.apiObject.addJsonPatch(JsonPatch.remove('/spec/template/spec/volumes/0'));
    patched.construct.apiObject.addJsonPatch(JsonPatch.remove('/spec/template/spec/containers/0/volumeMounts/0'));
    synth(patched.chart);
    expect(warningsOf(patched.chart).join('\n')).toMatch(/checkpoint-volume.*mounts no persistent volume/);
  });

  test('fails when acknowledging an unknown rule or without a reason', () => {
    const { construct } = job();
    expect(() => construct.acknowledgeRule('no-such-rule', 'x')).toThrow(/'no-such-rule' is not a rule/);
    expect(() => construct.acknowledgeRule('job-ttl', ' ')).toThrow(/reason is empty/);
  });
});

describe('SpotTolerantTrainingJob bad input', () => {
  const cases: Array<[string, Partial<SpotTolerantTrainingJobProps> | (() => Partial<SpotTolerantTrainingJobProps>), RegExp]> = [
    ['the GPU count is 1.5', () => ({ accelerator: Accelerator.nvidiaGpu(1.5) }), /nvidia.com\/gpu count \(1.5\) must be a whole number/],
    ['the GPU count is 0', () => ({ accelerator: Accelerator.nvidiaGpu(0) }), /count \(0\) must be a whole number of at least 1/],
    ['a ReadWriteOnce claim is shared by parallel pods', () => ({
      parallelism: 2,
      completions: 2,
      checkpoint: { storage: CheckpointStorage.existingClaim('rwo', PersistentVolumeAccessMode.READ_WRITE_ONCE) },
    }), /access modes ReadWriteOnce but up to 2 pods mount it.*ReadWriteMany/],
    ['the name is over 63 characters', { name: 'a'.repeat(64) }, /name \('a{64}'\) has 64 characters; a Job name longer than 63 breaks the job-name label.*ExperimentName.of/],
    ['the name is not a DNS label', { name: 'Fraud_Job' }, /name \('Fraud_Job'\) must be a DNS-1123 label/],
    ['the grace period is below the notice', { spot: SpotScheduling.eksSpot(), terminationGracePeriod: Duration.seconds(60) },
      /terminationGracePeriod \(1 minute\) is shorter than the eks-spot notice \(2 minutes\)/],
    ['the deadline is zero', { activeDeadline: Duration.seconds(0) }, /activeDeadline \(0 seconds\) must be a positive whole number of seconds/],
    ['the deadline is a fraction of a second', { activeDeadline: Duration.millis(1500) }, /activeDeadline \(1 second 500 millis\) must be a positive whole number of seconds/],
    ['the TTL is a fraction of a second', { ttlAfterFinished: Duration.millis(500) }, /ttlAfterFinished \(500 millis\) must be zero or a positive whole number/],
    ['backoffLimit is negative', { backoffLimit: -1 }, /backoffLimit \(-1\) must be a whole number of at least 0/],
    ['parallelism exceeds completions', { parallelism: 4, completions: 2 }, /'?parallelism'? \(4\) must not exceed completions \(2\)/],
    ['there is no checkpoint and no reason', { checkpoint: undefined }, /checkpoint is not set.*noCheckpointReason/],
    ['checkpoint and noCheckpointReason are both set', { noCheckpointReason: 'x' }, /checkpoint and noCheckpointReason are both set/],
    ['the preemption exit code is 0', { preemption: { exitCode: 0 } }, /preemption.exitCode \(0\) must be non-zero.*Succeeded/],
    ['the preemption exit code is out of range', { preemption: { exitCode: 300 } }, /preemption.exitCode \(300\) must be a whole number from 1 to 255/],
    ['the preemption code is also non-retriable', { preemption: { exitCode: 143, nonRetriableExitCodes: [143] } }, /contains the preemption exit code 143/],
    ['sharedMemorySize is not below memory', { memory: Size.gibibytes(8), sharedMemorySize: Size.gibibytes(8) }, /sharedMemorySize \(8Gi\) must be below memory \(8Gi\)/],
    ['the image is empty', { image: ' ' }, /image is empty/],
    ['an env var shadows a library variable', () => ({ env: { CHECKPOINT_DIR: EnvValue.fromValue('/x') } }), /env: 'CHECKPOINT_DIR' is set by the library/],
    ['nodeSelector contradicts the spot preset', { spot: SpotScheduling.gke(), nodeSelector: { 'cloud.google.com/gke-spot': 'false' } },
      /nodeSelector: 'cloud.google.com\/gke-spot=false' contradicts 'cloud.google.com\/gke-spot=true'/],
    ['a label value is invalid', { version: 'v3.0 beta' }, /version \('v3.0 beta'\) is not a valid label value/],
    ['a label key is invalid', { labels: { 'bad key': 'x' } }, /labels: key 'bad key' is not a valid label key/],
    ['the Kueue queue label is set through labels', { labels: { 'kueue.x-k8s.io/queue-name': 'gpu' } },
      /labels: 'kueue.x-k8s.io\/queue-name' is set by the queue prop, on the workload only .*; remove it from labels./],
    ['a Job controller label is set through labels', { labels: { 'batch.kubernetes.io/job-name': 'x' } },
      /labels: 'batch.kubernetes.io\/job-name' belongs to the Job controller, which sets it on every pod; remove it from labels./],
    ['priorityClassName is not a DNS subdomain', { priorityClassName: 'High_Priority' }, /priorityClassName \('High_Priority'\) must be a DNS subdomain/],
    ['runAsUser is 0 without runAsRoot', { runAsUser: 0 }, /runAsUser \(0\) must be a whole number of at least 1/],
    ['checkpoint.intervalEpochs is 0', () => ({ checkpoint: { storage: rwxCheckpoints(), intervalEpochs: 0 } }), /checkpoint.intervalEpochs \(0\) must be a whole number of at least 1/],
    ['checkpoint.mountPath is relative', () => ({ checkpoint: { storage: rwxCheckpoints(), mountPath: 'ckpt' } }), /checkpoint.mountPath \('ckpt'\) must be an absolute path/],
  ];

  for (const [name, overrides, message] of cases) {
    test(`fails when ${name}`, () => {
      expect(() => job(typeof overrides === 'function' ? overrides() : overrides)).toThrow(message);
    });
  }

  test('fails when an env name is invalid', () => {
    expect(() => job({ env: { '1BAD': EnvValue.fromValue('x') } })).toThrow(/env: '1BAD' is not a valid environment variable name/);
  });

  test('fails at synth and writes no YAML when a rule errors', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-training-'));
    const app = Testing.app({ outdir });
    const chart = new Chart(app, 'bad');
    const trainer = new SpotTolerantTrainingJob(chart, 'train', { image: 'trainer:v1', memory: Size.gibibytes(8), checkpoint: { storage: rwxCheckpoints() } });
    trainer.apiObject.addJsonPatch(JsonPatch.replace('/spec/template/spec/containers/0/resources/limits/memory', '512m'));
    expect(() => app.synth()).toThrow(/resource-quantities/);
    expect(fs.readdirSync(outdir)).toEqual([]);
  });

  test('warns when the checkpoint save time does not fit the GKE save window', () => {
    const { chart } = job({ spot: SpotScheduling.gke(), checkpoint: { storage: rwxCheckpoints(), saveTime: Duration.seconds(20) } });
    expect(warningsOf(chart).join('\n')).toMatch(/checkpoint.saveTime \(20 seconds\) does not fit in the 15 seconds a pod gets on gke-spot/);
  });

  test('no save-time warning when it fits', () => {
    const { chart } = job({ spot: SpotScheduling.eksSpot(), checkpoint: { storage: rwxCheckpoints(), saveTime: Duration.seconds(60) } });
    expect(warningsOf(chart)).toEqual([]);
  });
});

describe('messages suggest what fits the prop (#13 item 7)', () => {
  test('a bad grace period suggests seconds, not an 8-hour deadline', () => {
    const { chart } = newChart();
    expect(() => new SpotTolerantTrainingJob(chart, 'j', { image: 'trainer:v1', noCheckpointReason: 'x', terminationGracePeriod: Duration.millis(1500) }))
      .toThrow(/terminationGracePeriod \(.*\) must be a positive whole number of seconds; e\.g\. Duration\.seconds\(60\)\.$/);
  });
});

describe('bad input that used to get through (#13 item 6)', () => {
  const build = (extra: Partial<SpotTolerantTrainingJobProps>) => {
    const { app, chart } = newChart();
    new SpotTolerantTrainingJob(chart, 'j', { image: 'trainer:v1', noCheckpointReason: 'x', ...extra });
    app.synth();
    return chart;
  };

  test.each<[string, Partial<SpotTolerantTrainingJobProps>, RegExp]>([
    ['zero cpu', { cpu: Cpu.units(0) }, /cpu \(0\) must be a positive amount of CPU; e\.g\. Cpu\.units\(8\)/],
    ['negative cpu', { cpu: Cpu.units(-1) }, /cpu \(-1\) must be a positive amount of CPU/],
    ['zero memory', { memory: Size.gibibytes(0) }, /memory \(0Gi\) must be positive; e\.g\. Size\.gibibytes\(64\)/],
    ['an image with whitespace', { image: 'trainer :v1' }, /image \('trainer :v1'\) contains whitespace/],
    ['an upper-case repository', { image: 'registry.example.com/Team/Trainer:v1' }, /the repository 'Team\/Trainer' has upper-case letters.*write 'team\/trainer'/],
    ['a GPU model that is not a label value', { accelerator: Accelerator.nvidiaGpu(1, { product: 'NVIDIA A100 80GB' }) }, /accelerator product \('NVIDIA A100 80GB'\) is not a valid label value/],
    ['preemption exit code 1', { preemption: { exitCode: 1 } }, /preemption\.exitCode \(1\) is the exit code of every uncaught Python exception/],
    ['an empty argument', { command: ['python', ''] }, /command\[1\] is an empty string/],
    ['shell redirection', { command: ['python', 'train.py', '>', 'log'] }, /command\[2\] \('>'\) is shell redirection, but Kubernetes runs no shell/],
    ['2>&1 in args', { args: ['2>&1'] }, /args\[0\] \('2>&1'\) is shell redirection/],
  ])('refuses %s', (_name, extra, message) => {
    expect(() => build(extra)).toThrow(message);
  });

  test('warns about an image without a tag or with :latest, not about a registry port or a digest', () => {
    expect(warningsOf(build({ image: 'trainer' })).join('\n')).toMatch(/image \('trainer'\) has no tag \(so :latest\): a retry/);
    expect(warningsOf(build({ image: 'trainer:latest' })).join('\n')).toMatch(/has the tag latest/);
    expect(warningsOf(build({ image: 'localhost:5000/trainer:v1' })).join('\n')).not.toMatch(/image/);
    expect(warningsOf(build({ image: 'trainer@sha256:' + 'a'.repeat(64) })).join('\n')).not.toMatch(/image/);
  });

  test('a time zone in the wrong case is refused: the apiserver looks zones up case-sensitively', () => {
    const { chart } = newChart();
    expect(() => new ScheduledRetrain(chart, 'r', { image: 'trainer:v1', noCheckpointReason: 'x', scheduleExpression: '0 2 * * *', timeZone: 'europe/berlin' }))
      .toThrow(/timeZone \('europe\/berlin'\) is written in the wrong case.*write 'Europe\/Berlin'/);
  });
});
