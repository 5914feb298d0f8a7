/**
 * ScheduledRetrain on the real CronJob controller: the schedule and time zone are accepted,
 * the Jobs it creates carry the library's failure policy and are admitted under Pod Security
 * "restricted", and Forbid starts no second Job while one is active.
 */
import { describe, it } from 'node:test';
import { Duration } from 'cdk8s';
import { expect } from 'expect';
import { Cluster, eventually } from './util/cluster';
import { applied, nthPod, synthYaml } from './util/workloads';
import { ScheduledRetrain } from '../../src';

const cluster = Cluster.fromEnv();

describe('ScheduledRetrain on the real CronJob controller', () => {
  it('an every-minute retrain in Europe/Berlin starts a Job with the same failure policy; Forbid skips the next run while it is active', async () => {
    const yaml = synthYaml((chart) => {
      new ScheduledRetrain(chart, 'retrain', {
        name: 'retrain',
        scheduleExpression: '* * * * *',
        timeZone: 'Europe/Berlin',
        image: 'registry.example.com/trainer:v1',
        command: ['python', 'retrain.py'],
        noCheckpointReason: 'a short retrain that starts from the last release',
        activeDeadline: Duration.minutes(30),
      });
    });
    const ns = await cluster.namespace('cron');
    const cronJob = applied(await cluster.applyAll(yaml, ns), 'CronJob');
    expect(cronJob.spec).toMatchObject({ schedule: '* * * * *', timeZone: 'Europe/Berlin', concurrencyPolicy: 'Forbid' });

    // The first run: within a minute of the next minute boundary.
    const job = await eventually('the CronJob to start a Job', async () => {
      const jobs = await cluster.batch.listNamespacedJob({ namespace: ns });
      return jobs.items.length > 0 ? jobs.items : undefined;
    }, 90_000);
    expect(job).toHaveLength(1);
    const first = job[0];
    expect(first.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'CronJob', name: 'retrain', controller: true });
    const template = cronJob.spec.jobTemplate.spec;
    expect(first.spec?.podFailurePolicy).toEqual(template.podFailurePolicy);
    expect(first.spec?.podFailurePolicy?.rules.map((r) => r.action)).toEqual(['Ignore', 'Ignore', 'FailJob']);
    expect(first.spec).toMatchObject({
      backoffLimit: template.backoffLimit,
      activeDeadlineSeconds: 1800,
      ttlSecondsAfterFinished: template.ttlSecondsAfterFinished,
    });

    // Its pod was admitted in the restricted namespace; it stays running.
    const pod = await nthPod(cluster, ns, first.metadata!.name!, 1);
    await cluster.node.run(pod);

    // The next minute: the controller sees the active Job and, under Forbid, starts nothing.
    const skipped = await eventually('the CronJob controller to skip a run (JobAlreadyActive)', async () => {
      const events = await cluster.events(ns, 'retrain');
      return events.find((e) => e.reason === 'JobAlreadyActive');
    }, 100_000, 1000);
    expect(skipped.message).toMatch(/concurrency policy is Forbid/);
    const jobs = await cluster.batch.listNamespacedJob({ namespace: ns });
    expect(jobs.items.map((j) => j.metadata?.name)).toEqual([first.metadata?.name]);
    const status = await cluster.batch.readNamespacedCronJob({ name: 'retrain', namespace: ns });
    expect(status.status?.active?.map((ref) => ref.name)).toEqual([first.metadata?.name]);
  });
});
