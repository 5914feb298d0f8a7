import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { teamFraud } from '../examples/team-fraud';
import { expectConformant } from './util/conformance';

describe('examples/team-fraud (the seed scenario)', () => {
  const app = Testing.app();
  const chart = teamFraud(app);
  app.synth();
  const objects = Testing.synth(chart);
  const job = objects.find((o) => o.kind === 'Job');
  const pod = job.spec.template.spec;

  test('passes the strict 1.28 check and the rules', () => {
    expectConformant(objects);
  });

  test('has the seed settings', () => {
    expect(job.metadata.name).toBe('fraud-transformer-bs256-epoch50-lr3e4-1dfed8db');
    expect(job.metadata.namespace).toBe('team-fraud');
    expect(pod.containers[0].resources.limits).toEqual({ 'cpu': '16', 'memory': '128Gi', 'nvidia.com/gpu': 4 });
    expect(pod.nodeSelector).toEqual({ 'cloud.google.com/gke-accelerator': 'nvidia-tesla-a100', 'cloud.google.com/gke-spot': 'true' });
    expect(job.spec.activeDeadlineSeconds).toBe(8 * 3600);
    expect(job.spec.ttlSecondsAfterFinished).toBe(24 * 3600);
    const claim = objects.find((o) => o.kind === 'PersistentVolumeClaim');
    expect(claim.spec).toMatchObject({ accessModes: ['ReadWriteMany'], storageClassName: 'standard-rwx', resources: { requests: { storage: '1Ti' } } });
  });
});

describe('examples/team-fraud weekly retrain', () => {
  const app = Testing.app();
  const objects = Testing.synth(teamFraud(app));
  const cron = objects.find((o) => o.kind === 'CronJob');
  const job = cron.spec.jobTemplate.spec;

  test('runs Sundays 02:00 UTC under Forbid with a 12 h deadline, 4 GPUs and 128Gi', () => {
    expect(cron.spec).toMatchObject({ schedule: '0 2 * * 0', timeZone: 'Etc/UTC', concurrencyPolicy: 'Forbid' });
    expect(job.activeDeadlineSeconds).toBe(12 * 3600);
    expect(job.template.spec.containers[0].resources.limits).toEqual({ 'memory': '128Gi', 'nvidia.com/gpu': 4 });
  });

  test('computes the 30-day window in a shell that execs the trainer', () => {
    const [shell, flag, script] = job.template.spec.containers[0].command;
    expect([shell, flag]).toEqual(['/bin/sh', '-c']);
    expect(script).toMatch(/^exec python retrain.py --data-start-date="\$\(date -u -d '30 days ago' \+%F\)"$/);
  });
});

describe('examples/team-fraud sweep', () => {
  const objects = Testing.synth(teamFraud(Testing.app()));
  const sweep = objects.find((o) => o.kind === 'Job' && o.spec.completionMode === 'Indexed');

  test('16 trials, 8 at a time, on spot GPUs', () => {
    expect(sweep.spec).toMatchObject({ completions: 16, parallelism: 8 });
    expect(sweep.spec.template.spec.nodeSelector['cloud.google.com/gke-spot']).toBe('true');
    expect(sweep.spec.template.spec.containers[0].resources.limits['nvidia.com/gpu']).toBe(1);
  });
});

describe('the README first command (examples/app.ts)', () => {
  test('writes the YAML to the folder it names and lists it, and prints no warning (the recommended setup, or acknowledged with a reason)', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-training-example-'));
    const root = path.resolve(__dirname, '..');
    const run = spawnSync(
      process.execPath,
      [require.resolve('ts-node/dist/bin.js'), '--transpile-only', '--project', 'test/tsconfig.json', 'examples/app.ts', outdir],
      { cwd: root, encoding: 'utf8' },
    );
    expect(run.status).toBe(0);
    expect(run.stderr).toBe('');
    const stdout = run.stdout;
    expect(stdout).not.toMatch(/warning/);
    expect(stdout).toMatch(/wrote .*team-fraud-distributed\.k8s\.yaml \(2 objects\)/);
    expect(stdout).toMatch(/wrote .*team-fraud\.k8s\.yaml \(5 objects\)/);
    const docs = ['team-fraud.k8s.yaml', 'team-fraud-distributed.k8s.yaml']
      .flatMap((file) => parseAllDocuments(fs.readFileSync(path.join(outdir, file), 'utf8')).map((d) => d.toJS()));
    expectConformant(docs);
    const again = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-training-example-'));
    execFileSync(process.execPath, [require.resolve('ts-node/dist/bin.js'), '--transpile-only', '--project', 'test/tsconfig.json', 'examples/app.ts', again], { cwd: root });
    expect(fs.readFileSync(path.join(again, 'team-fraud.k8s.yaml'))).toEqual(fs.readFileSync(path.join(outdir, 'team-fraud.k8s.yaml')));
  });
});
