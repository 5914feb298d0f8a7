/**
 * #13 item 6, the classes that still got through: each refused at synth with the prop, the
 * value and a fix.
 */
import { Duration, JsonPatch, Size } from 'cdk8s';
import { parse } from 'yaml';
import { CheckpointStorage, EnvValue, PersistentVolumeAccessMode, PodVolume, ScheduledRetrain, SpotScheduling, SpotTolerantTrainingJob } from '../src';
import { newChart, rwxCheckpoints, synth } from './util/synth';
import { ValidationError } from '../src/blocks/errors';
import { contextFor, evaluate } from '../src/findings/evaluate';

const base = { image: 'registry.example.com/trainer:v1', command: ['python', 'train.py'], memory: Size.gibibytes(8) };

test('existingClaim refuses a name that is not a DNS subdomain', () => {
  expect(() => CheckpointStorage.existingClaim('Fraud_Checkpoints', PersistentVolumeAccessMode.READ_WRITE_MANY))
    .toThrow("CheckpointStorage.existingClaim ('Fraud_Checkpoints') must be a DNS subdomain: lower-case letters, digits, '-' and '.', starting and ending with a letter or digit, at most 253 characters; e.g. 'fraud-checkpoints'.");
});

test.each([['standard-rwo', 'GKE Persistent Disk'], ['gp3', 'EKS EBS'], ['managed-csi', 'AKS Azure Disk']])(
  'a ReadWriteMany claim on block storage (%s) is refused; ReadWriteOnce on it is fine', (storageClassName, product) => {
    expect(() => CheckpointStorage.newClaim({ size: Size.gibibytes(100), storageClassName }))
      .toThrow(`storageClassName '${storageClassName}' is ${product} block storage, which cannot be mounted ReadWriteMany`);
    expect(() => CheckpointStorage.newClaim({ size: Size.gibibytes(100), storageClassName, accessMode: PersistentVolumeAccessMode.READ_WRITE_ONCE }))
      .not.toThrow();
  });

test('a ReadWriteOnce claim shared by two constructs fails synth, naming both', () => {
  const { app, chart } = newChart();
  const storage = CheckpointStorage.newClaim({ size: Size.gibibytes(100), storageClassName: 'standard-rwo', accessMode: PersistentVolumeAccessMode.READ_WRITE_ONCE });
  new SpotTolerantTrainingJob(chart, 'a', { ...base, name: 'a', checkpoint: { storage } });
  new ScheduledRetrain(chart, 'b', { ...base, name: 'b', scheduleExpression: '0 3 * * *', checkpoint: { storage } });
  expect(() => app.synth()).toThrow("checkpoint claim 'checkpoints' in namespace 'ml' is ReadWriteOnce but mounted by test/a and test/b");
});

test('a ReadWriteOnce claim used by one construct, or a ReadWriteMany claim by two, is fine', () => {
  const { app, chart } = newChart();
  const rwo = CheckpointStorage.newClaim({ claimName: 'solo', size: Size.gibibytes(100), accessMode: PersistentVolumeAccessMode.READ_WRITE_ONCE });
  const rwx = rwxCheckpoints();
  new SpotTolerantTrainingJob(chart, 'a', { ...base, name: 'a', checkpoint: { storage: rwo } });
  new SpotTolerantTrainingJob(chart, 'b', { ...base, name: 'b', checkpoint: { storage: rwx, subPath: 'b' } });
  new SpotTolerantTrainingJob(chart, 'c', { ...base, name: 'c', checkpoint: { storage: rwx, subPath: 'c' } });
  expect(() => app.synth()).not.toThrow();
});

test('a custom spot saveWindow longer than its notice is refused', () => {
  expect(() => SpotScheduling.custom({ name: 'onprem', nodeSelector: { pool: 'preemptible' }, notice: Duration.seconds(30), saveWindow: Duration.minutes(1) }))
    .toThrow("SpotScheduling 'onprem': saveWindow (1 minute) is longer than the notice (30 seconds); a pod never gets more of the notice than the notice itself. Set saveWindow to at most 30 seconds, or leave it unset.");
});

test('a startingDeadline shorter than the CronJob controller\'s 10-second sync is refused', () => {
  const { chart } = newChart();
  expect(() => new ScheduledRetrain(chart, 'r', { ...base, scheduleExpression: '0 3 * * *', checkpoint: { storage: rwxCheckpoints() }, startingDeadline: Duration.seconds(5) }))
    .toThrow('startingDeadline (5 seconds) is below 10 seconds: the CronJob controller checks schedules about every 10 seconds, so runs may never start.');
});

describe('escape hatches that break an invariant are caught by the synth-time rules', () => {
  test('a patched duplicate of CHECKPOINT_DIR fails synth (env-vars)', () => {
    const { app, chart } = newChart();
    const job = new SpotTolerantTrainingJob(chart, 'a', { ...base, checkpoint: { storage: rwxCheckpoints() } });
    job.apiObject.addJsonPatch(JsonPatch.add('/spec/template/spec/containers/0/env/-', { name: 'CHECKPOINT_DIR', value: '/elsewhere' }));
    expect(() => app.synth()).toThrow(/env-vars.*env 'CHECKPOINT_DIR': defined more than once; the last definition silently wins/);
  });

  test('a patched negative memory fails synth and cannot be acknowledged (the apiserver refuses it)', () => {
    const { app, chart } = newChart();
    const job = new SpotTolerantTrainingJob(chart, 'a', { ...base, checkpoint: { storage: rwxCheckpoints() } });
    job.apiObject.addJsonPatch(JsonPatch.replace('/spec/template/spec/containers/0/resources/requests/memory', '-8Gi'));
    expect(() => job.acknowledgeRule('resource-quantities', 'we know')).toThrow(
      "acknowledgeRule('resource-quantities'): the apiserver refuses what this rule finds, so acknowledging it would only let out YAML that does not apply");
    expect(() => app.synth()).toThrow(/resource-quantities/);
  });
});

test('an acknowledge annotation for a rule the apiserver enforces is itself a finding, and the rule still runs', () => {
  const yaml = `apiVersion: batch/v1
kind: Job
metadata:
  name: x
  annotations:
    acknowledge.cdk8s-training.io/job-restart-policy: "we know"
spec:
  template:
    spec:
      restartPolicy: Always
      containers: [{name: c, image: "i:v1"}]
`;
  const object = parse(yaml);
  const findings = evaluate([object], contextFor([object], 28));
  expect(findings.find((f) => f.ruleId === 'acknowledgement')?.message)
    .toMatch(/job-restart-policy cannot be acknowledged, because the apiserver refuses what it finds; fix the object instead/);
  expect(findings.some((f) => f.ruleId === 'job-restart-policy')).toBe(true);
});

test('a string passed as schedule (JavaScript, Python) says to use scheduleExpression', () => {
  const { chart } = newChart();
  expect(() => new ScheduledRetrain(chart, 'r', { ...base, schedule: '0 3 * * *' as any, checkpoint: { storage: rwxCheckpoints() } }))
    .toThrow("schedule ('0 3 * * *') must be a cdk8s Cron, e.g. Cron.daily(); for a string such as '0 2 * * 0' use scheduleExpression.");
});

test('a JsonPatch that removes the failure policy of a spot job fails synth (preemption-policy)', () => {
  const { app, chart } = newChart();
  const job = new SpotTolerantTrainingJob(chart, 'a', { ...base, checkpoint: { storage: rwxCheckpoints() }, spot: SpotScheduling.gke() });
  job.apiObject.addJsonPatch(JsonPatch.remove('/spec/podFailurePolicy'));
  expect(() => app.synth()).toThrow(/\[error preemption-policy\] Job\/.*no podFailurePolicy rule that ignores DisruptionTarget/);
});

describe('a prop error says where: the construct path and a stable code (what Python, Java and Go users see)', () => {
  test.each([
    ['SpotTolerantTrainingJob', (chart: any) => new SpotTolerantTrainingJob(chart, 'fraud', { ...base, backoffLimit: -1, checkpoint: { storage: rwxCheckpoints() } }), 'backoffLimit'],
    ['ScheduledRetrain', (chart: any) => new ScheduledRetrain(chart, 'fraud', { ...base, scheduleExpression: '0 2 * * 7', checkpoint: { storage: rwxCheckpoints() } }), 'schedule'],
    ['a building block (requiredNodeLabels)', (chart: any) => new SpotTolerantTrainingJob(chart, 'fraud', {
      ...base, checkpoint: { storage: rwxCheckpoints() }, requiredNodeLabels: [{ key: 'zone', operator: 'Near', values: [] }],
    }), 'requiredNodeLabels.operator'],
  ])('%s', (_what, build, code) => {
    const { chart } = newChart();
    let error: any;
    try {
      build(chart);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toMatch(/^test\/fraud: /);
    expect(error.constructPath).toBe('test/fraud');
    expect(error.code).toBe(code);
  });

  test('the construct that threw leaves the chart: an app that catches the error synthesizes no half-built object', () => {
    const { app, chart } = newChart();
    const storage = rwxCheckpoints();
    // It fails after it made the shared claim (the env is checked after the checkpoint is bound).
    expect(() => new SpotTolerantTrainingJob(chart, 'bad', { ...base, name: 'bad', env: { '1LR': EnvValue.fromValue('3e-4') }, checkpoint: { storage } }))
      .toThrow(/env: '1LR' is not a valid environment variable name/);
    new SpotTolerantTrainingJob(chart, 'good', { ...base, name: 'good', checkpoint: { storage } });
    const objects = synth(chart);
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Job/good', 'PersistentVolumeClaim/checkpoints']);
    expect(chart.node.tryFindChild('bad')).toBeUndefined();
    void app;
  });
});

describe('a checkpoint directory the trainer is still told, off the checkpoint storage (#27 item 6)', () => {
  const storage = () => CheckpointStorage.existingClaim('fraud-checkpoints', PersistentVolumeAccessMode.READ_WRITE_ONCE);
  test.each<[string, any, string]>([
    ["the seed's --checkpoint-dir=/checkpoints after checkpoint.mountPath moved to /ckpt",
      { command: ['python', 'train.py', '--checkpoint-dir=/checkpoints'], checkpoint: { storage: storage(), mountPath: '/ckpt' } },
      "test/fraud: command[2] tells the trainer to save checkpoints to /checkpoints (--checkpoint-dir), which is on the container's own filesystem: " +
      'every checkpoint is lost with the pod. The checkpoint storage is mounted at /ckpt: pass --checkpoint-dir=$(CHECKPOINT_DIR) ' +
      "(the library sets CHECKPOINT_DIR to /ckpt), or set checkpoint.mountPath to '/checkpoints'."],
    ['--ckpt_dir on the /tmp emptyDir, in args',
      { args: ['--ckpt_dir', '/tmp/ckpt'], checkpoint: { storage: storage() } },
      "test/fraud: args[1] tells the trainer to save checkpoints to /tmp/ckpt (--ckpt_dir), which is on volume 'tmp' (deleted with the pod): " +
      'every checkpoint is lost with the pod. The checkpoint storage is mounted at /checkpoints: pass --ckpt_dir $(CHECKPOINT_DIR) ' +
      "(the library sets CHECKPOINT_DIR to /checkpoints), or set checkpoint.mountPath to '/tmp/ckpt'."],
    ['a checkpoint file in a shell script',
      { command: ['/bin/sh', '-c', 'cd /app && exec python train.py --checkpoint-path /checkpoints/model.pt'], checkpoint: { storage: storage(), mountPath: '/ckpt' } },
      'pass --checkpoint-path "$CHECKPOINT_DIR/model.pt" (the library sets CHECKPOINT_DIR to /ckpt), or set checkpoint.mountPath to \'/checkpoints\'.'],
    ['an env of its own',
      { env: { CKPT_DIR: EnvValue.fromValue('/checkpoints') }, checkpoint: { storage: storage(), mountPath: '/ckpt' } },
      'env.CKPT_DIR tells the trainer to save checkpoints to /checkpoints (CKPT_DIR), which is on the container\'s own filesystem: every checkpoint is lost with the pod. ' +
      "The checkpoint storage is mounted at /ckpt: pass CKPT_DIR=/ckpt, or set checkpoint.mountPath to '/checkpoints'."],
  ])('refused: %s', (_name, props, message) => {
    const { chart } = newChart();
    expect(() => new SpotTolerantTrainingJob(chart, 'fraud', { ...base, name: 'fraud', ...props })).toThrow(message);
  });

  test.each<[string, any]>([
    ['on the claim', { command: ['python', 'train.py', '--checkpoint-dir=/ckpt/run-1'], checkpoint: { storage: storage(), mountPath: '/ckpt' } }],
    ['$(CHECKPOINT_DIR)', { command: ['python', 'train.py', '--checkpoint-dir=$(CHECKPOINT_DIR)'], checkpoint: { storage: storage(), mountPath: '/ckpt' } }],
    ['on a claim of the user\'s', {
      command: ['python', 'train.py', '--save-checkpoint-path', '/models/run-1'],
      volumes: [{ volume: PodVolume.fromPersistentVolumeClaim('models'), mountPath: '/models' }],
      checkpoint: { storage: storage(), mountPath: '/ckpt' },
    }],
  ])('accepted: %s', (_name, props) => {
    const { chart } = newChart();
    new SpotTolerantTrainingJob(chart, 'fraud', { ...base, name: 'fraud', ...props });
    expect(synth(chart).find((o) => o.kind === 'Job')).toBeDefined();
  });
});
