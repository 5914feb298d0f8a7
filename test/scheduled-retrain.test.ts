import { Cron, Duration, JsonPatch, Size } from 'cdk8s';
import { Accelerator, KubernetesVersion, ScheduledRetrain, ScheduledRetrainProps, SpotScheduling, TrainerCommand } from '../src';
import { expectConformant } from './util/conformance';
import { newChart, only, rwxCheckpoints, synth, warningsOf } from './util/synth';

function retrain(overrides: Partial<ScheduledRetrainProps> = {}) {
  const { chart } = newChart();
  const construct = new ScheduledRetrain(chart, 'retrain', {
    name: 'weekly-retrain',
    schedule: Cron.schedule({ minute: '0', hour: '2', weekDay: '0' }),
    image: 'trainer:stable',
    command: ['python', 'retrain.py'],
    checkpoint: { storage: rwxCheckpoints() },
    ...overrides,
  });
  return { chart, construct };
}

function synthRetrain(overrides: Partial<ScheduledRetrainProps> = {}) {
  const { chart, construct } = retrain(overrides);
  const objects = synth(chart);
  expectConformant(objects, { kubernetesMinor: construct.kubernetesVersion.minor });
  const cron = only(objects, 'CronJob');
  return { chart, construct, objects, cron, job: cron.spec.jobTemplate.spec };
}

describe('ScheduledRetrain enforced defaults', () => {
  test('synthesizes a conformant CronJob', () => {
    expect(synthRetrain().objects).toMatchSnapshot();
  });

  test('Forbid, history 3/3, a starting deadline, Etc/UTC', () => {
    const { cron, construct } = synthRetrain();
    expect(cron.spec).toMatchObject({
      schedule: '0 2 * * 0',
      timeZone: 'Etc/UTC',
      concurrencyPolicy: 'Forbid',
      startingDeadlineSeconds: 3600,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
    });
    expect([construct.concurrencyPolicy, construct.successfulJobsHistoryLimit, construct.failedJobsHistoryLimit]).toEqual(['Forbid', 3, 3]);
    expect(construct.minimumInterval.toDays()).toBe(7);
  });

  test('each run: backoffLimit 1, 12 h deadline, 24 h TTL, the preemption failure policy, restartPolicy Never', () => {
    const { job, construct } = synthRetrain();
    expect(job.backoffLimit).toBe(1);
    expect(job.activeDeadlineSeconds).toBe(12 * 3600);
    expect(job.ttlSecondsAfterFinished).toBe(24 * 3600);
    expect(job.podFailurePolicy.rules.map((r: any) => r.action)).toEqual(['Ignore', 'Ignore', 'FailJob']);
    expect(job.template.spec.restartPolicy).toBe('Never');
    expect([construct.backoffLimit, construct.activeDeadline.toHours(), construct.ttlAfterFinished.toHours()]).toEqual([1, 12, 24]);
  });

  test('the same trainer pod as SpotTolerantTrainingJob: checkpoint, spot, GPUs, /dev/shm', () => {
    const { job } = synthRetrain({ spot: SpotScheduling.gke(), accelerator: Accelerator.nvidiaGpu(4), memory: Size.gibibytes(128) });
    const pod = job.template.spec;
    expect(pod.nodeSelector).toEqual({ 'cloud.google.com/gke-spot': 'true' });
    expect(pod.containers[0].resources.limits['nvidia.com/gpu']).toBe(4);
    expect(pod.volumes.map((v: any) => v.name)).toEqual(['checkpoints', 'dshm', 'tmp']);
    expect(pod.containers[0].env.map((e: any) => e.name)).toContain('CHECKPOINT_DIR');
  });

  test('each run checkpoints to a folder named after its Job: a preempted run resumes itself, the next run does not resume the last', () => {
    const trainer = synthRetrain({ checkpoint: { storage: rwxCheckpoints(), subPath: 'weekly/' } }).job.template.spec.containers[0];
    expect(trainer.env).toContainEqual({ name: 'RETRAIN_RUN', valueFrom: { fieldRef: { fieldPath: "metadata.labels['batch.kubernetes.io/job-name']" } } });
    expect(trainer.volumeMounts.find((m: any) => m.name === 'checkpoints')).toEqual({ name: 'checkpoints', mountPath: '/checkpoints', subPathExpr: 'weekly/$(RETRAIN_RUN)' });
    expect(synthRetrain().job.template.spec.containers[0].volumeMounts[0].subPathExpr).toBe('$(RETRAIN_RUN)');
    // Without checkpoints there is no folder; the variable still names the run.
    const bare = synthRetrain({ checkpoint: undefined, noCheckpointReason: 'starts from the release' }).job.template.spec.containers[0];
    expect(bare.volumeMounts.map((m: any) => m.name)).not.toContain('checkpoints');
    expect(bare.env.map((e: any) => e.name)).toContain('RETRAIN_RUN');
  });

  test('Kueue labels go on the job template, not the CronJob or the pods', () => {
    const { cron, job } = synthRetrain({ queue: 'gpu-queue' });
    expect(cron.spec.jobTemplate.metadata.labels['kueue.x-k8s.io/queue-name']).toBe('gpu-queue');
    expect(cron.metadata.labels['kueue.x-k8s.io/queue-name']).toBeUndefined();
    expect(job.template.metadata.labels['kueue.x-k8s.io/queue-name']).toBeUndefined();
  });

  test('a string schedule, a time zone, suspend and Replace with a reason', () => {
    const { cron, construct } = synthRetrain({
      schedule: undefined,
      scheduleExpression: '@daily',
      timeZone: 'Europe/Berlin',
      suspend: true,
      replaceRunningReason: 'a fresh day of data supersedes a run that is still going',
      activeDeadline: Duration.hours(6),
    });
    expect(cron.spec).toMatchObject({ schedule: '@daily', timeZone: 'Europe/Berlin', suspend: true, concurrencyPolicy: 'Replace' });
    expect(construct.concurrencyPolicy).toBe('Replace');
  });

  test('TrainerCommand.shell computes the 30-day window and execs the trainer', () => {
    const command = TrainerCommand.shell('python retrain.py --data-start-date="$(date -u -d \'30 days ago\' +%F)"');
    expect(command).toEqual(['/bin/sh', '-c', 'exec python retrain.py --data-start-date="$(date -u -d \'30 days ago\' +%F)"']);
    const { job } = synthRetrain({ command });
    expect(job.template.spec.containers[0].command).toEqual(command);
  });

  test('TrainerCommand.shell keeps a script that already execs', () => {
    expect(TrainerCommand.shell('export D=$(date +%F); exec python t.py --date "$D"')[2]).toBe('export D=$(date +%F); exec python t.py --date "$D"');
  });

  test('warns when the deadline reaches the next run under Forbid', () => {
    const { chart } = retrain({ schedule: undefined, scheduleExpression: '0 */6 * * *', activeDeadline: Duration.hours(6) });
    synth(chart);
    const warnings = warningsOf(chart).filter((w) => /shortest interval/.test(w));
    // Once (the rule), not twice (construct and rule), and in words as well as seconds.
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/\[warning cronjob-deadline\].*activeDeadlineSeconds \(21600, 6 hours\) is at least the shortest interval between runs of '0 \*\/6 \* \* \*' \(21600 seconds, 6 hours\)/);
  });

  test('a generated name is written to the CronJob and fits 52 characters', () => {
    const { chart, construct } = retrain({ name: undefined });
    const cron = only(synth(chart), 'CronJob');
    expect(cron.metadata.name).toBe(construct.name);
    expect(construct.name.length).toBeLessThanOrEqual(52);
  });

  test('no deadline warning for a weekly run with a 12 h deadline', () => {
    const { chart } = retrain();
    synth(chart);
    expect(warningsOf(chart)).toEqual([]);
  });
});

describe('ScheduledRetrain schedule syntax the controller accepts', () => {
  test.each([
    ['names and ranges', '0 9 * * mon-fri', 1440],
    ['month names and lists', '0 0 1 jan,jul *', 181 * 1440],
    ['steps', '*/15 * * * *', 15],
    ['a start with a step', '5/20 * * * *', 20],
    ['? for a day field', '0 3 ? * 0', 7 * 1440],
    ['@weekly', '@weekly', 7 * 1440],
    ['@every with a Go duration', '@every 1h30m', 90],
    ['29 February, which does occur', '0 0 29 2 *', undefined],
  ])('%s: %s', (_name, expression, minutes) => {
    const { construct } = retrain({ schedule: undefined, scheduleExpression: expression as string });
    if (minutes !== undefined) expect(construct.minimumInterval.toMinutes()).toBe(minutes);
  });

  test('the target Kubernetes version reaches the job template (podReplacementPolicy on 1.29+)', () => {
    const { job } = synthRetrain({ kubernetesVersion: KubernetesVersion.V1_29 });
    expect(job.podReplacementPolicy).toBe('Failed');
    expect(synthRetrain({ kubernetesVersion: KubernetesVersion.V1_28 }).job.podReplacementPolicy).toBeUndefined();
    expect(synthRetrain().job.podReplacementPolicy).toBe('Failed'); // the default target, 1.32
  });
});

describe('ScheduledRetrain bad input', () => {
  test.each<[string, Partial<ScheduledRetrainProps>, RegExp]>([
    ['day-of-week is 7', { schedule: undefined, scheduleExpression: '0 2 * * 7' }, /schedule \('0 2 \* \* 7'\): end of range \(7\) above maximum \(6\)/],
    ['the date never occurs', { schedule: undefined, scheduleExpression: '0 0 30 2 *' }, /never runs: no month of 2 has day 30/],
    ['the schedule has six fields', { schedule: undefined, scheduleExpression: '0 0 2 * * 0' }, /expected exactly 5 fields, found 6/],
    ['the schedule sets TZ=', { schedule: undefined, scheduleExpression: 'CRON_TZ=Europe/Berlin 0 2 * * 0' }, /use the timeZone field/],
    ['a step is zero', { schedule: undefined, scheduleExpression: '*/0 * * * *' }, /step of range should be a positive number/],
    ['the cdk8s Cron has a bad field', { schedule: Cron.schedule({ minute: '60' }) }, /end of range \(60\) above maximum \(59\)/],
    ['both schedule and scheduleExpression are set', { scheduleExpression: '@daily' }, /set exactly one of schedule .* and scheduleExpression/],
    ['neither schedule nor scheduleExpression is set', { schedule: undefined }, /set exactly one of schedule/],
    ['timeZone is Local', { timeZone: 'Local' }, /timeZone \('Local'\) is 'Local', which Kubernetes rejects/],
    ['timeZone is empty', { timeZone: '' }, /timeZone \(''\) is empty/],
    ['timeZone is unknown', { timeZone: 'Europe/Atlantis' }, /timeZone \('Europe\/Atlantis'\) is not an IANA time zone this runtime knows/],
    ['the name is over 52 characters', { name: 'r'.repeat(53) }, /has 53 characters; a CronJob name longer than 52 breaks its Jobs' names/],
    ['replaceRunningReason is empty', { replaceRunningReason: ' ' }, /replaceRunningReason is empty/],
    ['a history limit is negative', { failedJobsHistoryLimit: -1 }, /failedJobsHistoryLimit \(-1\) must be a whole number of at least 0/],
    ['startingDeadline is zero', { startingDeadline: Duration.seconds(0) }, /startingDeadline \(0 seconds\) must be a positive/],
  ])('fails when %s', (_name, overrides, message) => {
    expect(() => retrain(overrides)).toThrow(message);
  });

  test("fails when the seed's args use $(date ...) without a shell (rule shell-syntax)", () => {
    const { chart } = retrain({ command: ['python', 'retrain.py'], args: ['--data-start-date=$(date -d "30 days ago" +%Y-%m-%d)'] });
    expect(() => synth(chart)).toThrow(/shell-syntax.*--data-start-date=\$\(date -d "30 days ago" \+%Y-%m-%d\).*has shell syntax that no shell will run/);
  });

  test('fails when sh -c does not exec the trainer (rule shell-syntax)', () => {
    const { chart } = retrain({ command: ['/bin/sh', '-c', 'cd /app; python retrain.py'] });
    expect(() => synth(chart)).toThrow(/shell-syntax.*runs a sh script that does not exec its last command: "cd \/app; python retrain.py"/);
  });

  test('fails when TrainerCommand.shell gets several commands without exec', () => {
    expect(() => TrainerCommand.shell('cd /app && python retrain.py')).toThrow(/does not end by running the trainer with 'exec'/);
    expect(() => TrainerCommand.shell('python retrain.py | tee log')).toThrow(/does not end by running the trainer with 'exec'/);
    expect(() => TrainerCommand.shell('LR=3 python retrain.py')).toThrow(/an assignment prefix/);
    expect(() => TrainerCommand.shell('python retrain.py --name="x')).toThrow(/is not valid shell \(1:\d+: reached EOF without closing quote "\)/);
    // A script that already ends in exec is kept; `exec` alone with a redirection is not a hand-over.
    expect(TrainerCommand.shell('cd /app && exec python retrain.py')).toEqual(['/bin/sh', '-c', 'cd /app && exec python retrain.py']);
    expect(TrainerCommand.shell('python retrain.py --lr "$LR"')).toEqual(['/bin/sh', '-c', 'exec python retrain.py --lr "$LR"']);
    expect(() => TrainerCommand.shell('exec > /tmp/log; python retrain.py')).toThrow(/does not end by running the trainer/);
    expect(() => TrainerCommand.shell('  ')).toThrow(/the script is empty/);
  });

  test('fails when a patch sets concurrencyPolicy Allow (rule cronjob-policy)', () => {
    const { chart, construct } = retrain();
    construct.apiObject.addJsonPatch(JsonPatch.replace('/spec/concurrencyPolicy', 'Allow'));
    expect(() => synth(chart)).toThrow(/cronjob-policy.*concurrencyPolicy is Allow; training runs would overlap/);
  });
});
