import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { parse, stringify } from 'yaml';
import { teamFraudDistributed } from '../examples/distributed';
import { teamFraud } from '../examples/team-fraud';
import { testWithSchemas } from './util/conformance';
import { main } from '../src/cli/main';

function tmp(files: { [name: string]: string | Buffer }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-training-lint-'));
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

function run(...argv: string[]): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = main(argv, (t) => { out += t; }, (t) => { err += t; });
  return { code, out, err };
}

const BAD_JOB = `apiVersion: batch/v1
kind: Job
metadata:
  name: handwritten
spec:
  template:
    spec:
      restartPolicy: Always
      containers:
        - name: trainer
          image: trainer:v1
          args: ['--data-start-date=$(date -d "30 days ago" +%Y-%m-%d)']
          resources:
            limits: {memory: 512m, nvidia.com/gpu: 1}
`;

const SERVICE = `apiVersion: v1
kind: Service
metadata: {name: tensorboard}
spec: {ports: [{port: 6006}]}
`;

describe('cdk8s-training lint', () => {
  test('the example app is clean: exit 0', () => {
    const app = Testing.app();
    const docs = [...Testing.synth(teamFraud(app)), ...Testing.synth(teamFraudDistributed(app))];
    const dir = tmp({ 'all.yaml': docs.map((d) => stringify(d)).join('---\n') });
    const result = run('lint', dir);
    expect(result.out).toMatch(/1 files, 7 objects \(0 of kinds no rule checks beyond their metadata\): 0 errors, 0 warnings/);
    expect(result.code).toBe(0);
  });

  test('a hand-written Job: file, line, object, rule id, severity and message; exit 1', () => {
    const dir = tmp({ 'svc.yaml': SERVICE, 'job.yaml': `${SERVICE}---\n${BAD_JOB}` });
    const result = run('lint', path.join(dir, 'job.yaml'));
    expect(result.code).toBe(1);
    const file = path.join(dir, 'job.yaml');
    // The offending field, from the path the rule returns: restartPolicy's value (line 13,
    // column 22), the argument with shell syntax (line 17), the memory limit in millibytes (line
    // 19), the container a container rule names (line 15), the parent of a missing field (spec's
    // value, line 11).
    expect(result.out).toContain(`${file}:13:22: error [job-restart-policy] Job/handwritten: restartPolicy is 'Always'`);
    expect(result.out).toContain(`${file}:17:18: error [shell-syntax] Job/handwritten:`);
    expect(result.out).toContain(`${file}:19:30: error [resource-quantities] Job/handwritten:`);
    expect(result.out).toContain(`${file}:15:11: warning [shared-memory] Job/handwritten:`);
    expect(result.out).toContain(`${file}:11:3: warning [job-ttl] Job/handwritten: spec.ttlSecondsAfterFinished is not set: the finished Job and its pods stay until someone deletes them, and no Job of the same name can be created until then.`);
    // The Service is checked for its metadata only.
    expect(result.out).toMatch(/1 files, 2 objects \(1 of kinds no rule checks beyond their metadata\): \d+ errors, \d+ warnings/);
  });

  test('--format json for CI', () => {
    const dir = tmp({ 'job.json': JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [parse(BAD_JOB)] }) });
    const result = run('lint', '--format', 'json', dir);
    const report = JSON.parse(result.out);
    expect(report.objects).toBe(1);
    expect(report.findings).toEqual(expect.arrayContaining([
      expect.objectContaining({ ruleId: 'job-restart-policy', severity: 'error', object: 'Job/handwritten', file: path.join(dir, 'job.json') }),
    ]));
    expect(result.code).toBe(1);
  });

  test('warnings fail only with --fail-on-warnings', () => {
    const job = BAD_JOB.replace('restartPolicy: Always', 'restartPolicy: Never')
      .replace(/ {10}args: .*\n/, '').replace('memory: 512m, ', 'memory: 8Gi, ');
    const dir = tmp({ 'job.yaml': job });
    expect(run('lint', dir).code).toBe(0);
    expect(run('lint', '--fail-on-warnings', dir).code).toBe(1);
  });

  test('an opt-out annotation with a reason silences one rule for one object', () => {
    const job = BAD_JOB.replace('  name: handwritten\n', '  name: handwritten\n  annotations:\n    acknowledge.cdk8s-training.io/job-ttl: "deleted by the pipeline"\n');
    const result = run('lint', tmp({ 'job.yaml': job }));
    expect(result.out).not.toMatch(/job-ttl/);
  });

  test.each<[string, { [name: string]: string | Buffer }, RegExp, number]>([
    ['malformed YAML', { 'bad.yaml': 'apiVersion: v1\nkind: Job\n  bad: [\n' }, /bad\.yaml:2: error \[input\] document 1: document 1 is not valid YAML: Nested mappings/, 1],
    ['a non-object document', { 'list.yaml': '- a\n- b\n' }, /list\.yaml:1: error \[input\] document 1: document 1 is a list, not a Kubernetes object/, 1],
    ['a scalar document', { 'scalar.yaml': 'just text\n' }, /document 1 is a string, not a Kubernetes object/, 1],
    ['an object without kind', { 'nokind.yaml': 'metadata: {name: x}\n' }, /document 1 has no apiVersion and kind/, 1],
    ['an empty file', { 'empty.yaml': '\n\n' }, /empty\.yaml: warning \[input\] -: is empty/, 0],
    // Never skipped with exit 0: a manifest that cannot be read is an error.
    ['a binary file', { 'model.yaml': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01]) }, /model\.yaml: error \[input\] -: is not UTF-8 or UTF-16 text/, 1],
    ['Latin-1 text', { 'job.yaml': Buffer.from('metadata:\n  name: caf\xe9\n', 'latin1') }, /job\.yaml: error \[input\] -: is not valid UTF-8; save it as UTF-8/, 1],
    ['invalid JSON', { 'bad.json': '{"kind": ' }, /bad\.json: error \[input\] -: is not valid JSON/, 1],
    ['an unknown kind', { 'svc.yaml': SERVICE }, /1 files, 1 objects \(1 of kinds no rule checks beyond their metadata\): 0 errors, 0 warnings/, 0],
  ])('%s gets a clear message, never a stack trace', (_name, files, message, code) => {
    const result = run('lint', tmp(files));
    expect(result.out).toMatch(message);
    expect(result.out + result.err).not.toMatch(/\n\s+at /);
    expect(result.code).toBe(code);
  });

  test('a missing path', () => {
    const result = run('lint', '/no/such/manifests');
    expect(result.out).toMatch(/\/no\/such\/manifests: error \[input\] -: no such file or folder/);
    expect(result.code).toBe(1);
  });

  test.each([
    [['lint'], /missing required argument 'paths'/],
    [['lint', '--format', 'xml', 'x'], /'--format <format>' argument 'xml' is invalid. Allowed choices are text, json, sarif, junit/],
    [['lint', '--kubernetes-version', '2', 'x'], /'--kubernetes-version <1.N>' argument '2' is invalid. it must look like 1.28/],
    [['lint', '--nope', 'x'], /unknown option '--nope'/],
    [['deploy'], /unknown command 'deploy'/],
    [[], /Usage: cdk8s-training/],
  ])('bad usage %j exits 2 with the usage', (argv, message) => {
    const result = run(...argv);
    expect(result.err).toMatch(message);
    expect(result.err).toMatch(/Usage: cdk8s-training/);
    expect(result.code).toBe(2);
  });

  test.each([[['--help']], [['lint', '--help']], [['help', 'lint']]])('%j prints the help on stdout and exits 0', (argv) => {
    const result = run(...argv);
    expect(result.out).toMatch(/Usage: cdk8s-training/);
    expect(result.out).toMatch(/Exit codes: 0 no errors, 1 errors/);
    expect(result.code).toBe(0);
  });

  test('- reads standard input, with or without --; after --, a name that looks like an option is a path', () => {
    const job = Buffer.from(BAD_JOB);
    for (const argv of [['lint', '-'], ['lint', '--', '-']]) {
      let out = '';
      const code = main(argv, (t) => { out += t; }, () => undefined, () => job);
      expect(out).toMatch(/^-:\d+:\d+: error \[job-restart-policy\]/m);
      expect(code).toBe(1);
    }
    const result = run('lint', '--', '--format');
    expect(result.out).toMatch(/--format: error \[input\] -: no such file or folder/);
  });

  test('--kubernetes-version decides version-gated fields', () => {
    const job = BAD_JOB.replace('spec:\n  template:', 'spec:\n  podReplacementPolicy: Failed\n  template:');
    const dir = tmp({ 'job.yaml': job });
    expect(run('lint', '--kubernetes-version', '1.28', dir).out).toMatch(/version-gated-fields/);
    expect(run('lint', '--kubernetes-version', '1.29', dir).out).not.toMatch(/version-gated-fields/);
    // The default target is the library's (1.32): podReplacementPolicy is fine there.
    expect(run('lint', dir).out).not.toMatch(/version-gated-fields/);
  });

  test('never crashes on randomly generated documents', () => {
    let seed = 42;
    const random = () => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed / 2 ** 31; };
    const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)];
    const atoms = ['apiVersion', 'kind', 'Job', 'batch/v1', 'spec', 'template', 'containers', '- ', ': ', '{', '}', '[', ']', '"', "'", '\n', '  ', '---\n', '&a', '*a', '!!binary', '#', '|', '>', '%', '@', '`', '\t', '\u00e9', '0x1F', '1e999', 'null', '~', '<<: *a', 'podFailurePolicy', 'rules', 'restartPolicy'];
    const objects = ['Job', 'CronJob', 'PyTorchJob', 'Pod', 'ConfigMap', 'PersistentVolumeClaim'];
    const randomValue = (depth: number): any => {
      const r = random();
      if (depth > 3 || r < 0.3) return pick([null, 0, -1, 1.5, 'x', '512m', true, '', [], {}, '$(date)']);
      if (r < 0.5) return Array.from({ length: Math.floor(random() * 3) }, () => randomValue(depth + 1));
      const keys = ['spec', 'template', 'containers', 'resources', 'limits', 'env', 'volumes', 'tolerations', 'podFailurePolicy', 'rules', 'onExitCodes', 'values', 'pytorchReplicaSpecs', 'Worker', 'jobTemplate', 'schedule', 'metadata', 'labels', 'annotations', 'data', 'accessModes'];
      return Object.fromEntries(Array.from({ length: Math.floor(random() * 4) }, () => [pick(keys), randomValue(depth + 1)]));
    };
    const files: { [name: string]: string } = {};
    for (let i = 0; i < 150; i++) {
      files[`text-${i}.yaml`] = Array.from({ length: Math.floor(random() * 40) }, () => pick(atoms)).join('');
      files[`object-${i}.yaml`] = stringify({ apiVersion: pick(['batch/v1', 'v1', 'kubeflow.org/v1']), kind: pick(objects), metadata: { name: `o${i}` }, spec: randomValue(0) });
      files[`object-${i}.json`] = JSON.stringify({ apiVersion: 'batch/v1', kind: pick(objects), spec: randomValue(0) });
    }
    const dir = tmp(files);
    const text = run('lint', dir);
    expect([0, 1]).toContain(text.code);
    expect(text.err).toBe('');
    const json = run('lint', '--format', 'json', dir);
    expect(JSON.parse(json.out).files).toBe(450);
  });

  test('the bin entry runs as a program', () => {
    const dir = tmp({ 'job.yaml': BAD_JOB });
    const result = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(__dirname, '..', 'src', 'cli', 'main.ts'), 'lint', dir], {
      encoding: 'utf8', env: { ...process.env, TS_NODE_PROJECT: path.join(__dirname, 'tsconfig.json') },
    });
    expect(result.stdout).toMatch(/error \[job-restart-policy\] Job\/handwritten/);
    expect(result.status).toBe(1);
  });

  test('a reader that stops early (| head) gets no stack trace', () => {
    const dir = tmp(Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`job-${i}.yaml`, BAD_JOB])));
    const entry = path.join(__dirname, '..', 'src', 'cli', 'main.ts');
    const result = spawnSync('bash', ['-c', `"${process.execPath}" -r ts-node/register/transpile-only "${entry}" lint "${dir}" | head -1`], {
      encoding: 'utf8', env: { ...process.env, TS_NODE_PROJECT: path.join(__dirname, 'tsconfig.json') },
    });
    expect(result.stdout).toMatch(/error \[job-restart-policy\]/);
    expect(result.stderr).not.toMatch(/EPIPE|\n\s+at /);
  });
});

describe('the failure the library exists for (#14)', () => {
  const fixtures = path.join(__dirname, 'fixtures', 'lint');

  test("the seed's Job and CronJob each get the preemption finding (errors on spot capacity, a warning off it); its OnFailure PyTorchJob survives preemption and gets none", () => {
    const result = run('lint', '--format', 'json', path.join(fixtures, 'seed-job.yaml'));
    const findings = JSON.parse(result.out).findings.filter((f: any) => f.ruleId === 'preemption-policy');
    const byObject = (object: string) => findings.filter((f: any) => f.object === object);
    // No podFailurePolicy: one finding (one change, a policy with both rules), an error on spot.
    expect(byObject('Job/fraud-transformer-train').map((f: any) => f.severity)).toEqual(['error']);
    expect(byObject('Job/fraud-transformer-train')[0].message).toMatch(/no podFailurePolicy rule that ignores DisruptionTarget: every reclaimed node or drain counts against backoffLimit \(2\)/);
    // The CronJob's pods are not on spot: the same finding is a warning.
    expect(byObject('CronJob/fraud-retrain').map((f: any) => f.severity)).toEqual(['warning']);
    expect(byObject('CronJob/fraud-retrain')[0].fix).toMatch(
      /^Add spec.jobTemplate.spec.podFailurePolicy with the rules \{action: Ignore, onPodConditions: \[\{type: DisruptionTarget\}\]\} and \{action: Ignore, onExitCodes: \{containerName: <trainer>, operator: In, values: \[143\]\}\}/);
    // OnFailure replicas: the operator deletes and recreates a failed pod, and runPolicy.backoffLimit
    // counts only in-place container restarts, which a reclaimed pod does not have (the real
    // operator recreates them beyond backoffLimit in test/cluster/pytorchjob.test.ts).
    expect(byObject('PyTorchJob/fraud-ddp')).toEqual([]);
    expect(result.code).toBe(1);
  });

  test('a plain batch Job and CronJob (a migration, a report) get none of the training rules', () => {
    const result = run('lint', '--format', 'json', path.join(fixtures, 'plain-batch.yaml'));
    const report = JSON.parse(result.out);
    expect(report.findings.map((f: any) => f.ruleId)).toEqual([]);
    expect(result.code).toBe(0);
  });
});

describe('lint input as CI tools feed it (#14)', () => {
  const runWithStdin = (stdin: string, ...argv: string[]) => {
    let out = '';
    let err = '';
    const code = main(argv, (t) => { out += t; }, (t) => { err += t; }, () => Buffer.from(stdin));
    return { code, out, err };
  };

  test('- reads standard input (helm template | cdk8s-training lint -)', () => {
    const result = runWithStdin(`# from helm\n---\n${BAD_JOB}---\n\n---\n${SERVICE}`, 'lint', '-');
    expect(result.out).toMatch(/^-:10:22: error \[job-restart-policy\] Job\/handwritten/m);
    expect(result.code).toBe(1);
  });

  test('UTF-16 manifests (with a byte order mark) are decoded and linted', () => {
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(BAD_JOB, 'utf16le')]);
    const be = Buffer.from(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(BAD_JOB, 'utf16le')])).swap16();
    for (const content of [le, be]) {
      const result = run('lint', tmp({ 'job.yaml': content }));
      expect(result.out).toMatch(/error \[job-restart-policy\] Job\/handwritten/);
      expect(result.code).toBe(1);
    }
  });

  test('a named pipe in a folder is skipped (never read, so never hangs); given by name it is reported', () => {
    const dir = tmp({ 'job.yaml': BAD_JOB });
    const fifo = path.join(dir, 'pipe.yaml');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    expect(run('lint', dir).out).toMatch(/1 files, 1 objects/);
    const named = run('lint', fifo);
    expect(named.out).toMatch(/pipe\.yaml: error \[input\] -: is not a regular file \(a pipe, socket or device\); skipped/);
    expect(named.code).toBe(1);
  });

  test('symlink loops are visited once, and a file reached twice is linted once', () => {
    const dir = tmp({ 'a/job.yaml': BAD_JOB });
    fs.symlinkSync(dir, path.join(dir, 'a', 'loop'));
    fs.symlinkSync(path.join(dir, 'a', 'job.yaml'), path.join(dir, 'same.yaml'));
    const result = run('lint', dir, path.join(dir, 'a', 'job.yaml'));
    expect(result.out).toMatch(/1 files, 1 objects/);
    expect(result.out.match(/\[job-restart-policy\]/g)).toHaveLength(1);
  });

  test('a workload with no spec is an error, not a clean pass', () => {
    const result = run('lint', tmp({ 'job.yaml': 'apiVersion: batch/v1\nkind: Job\nmetadata: {name: half}\n' }));
    expect(result.out).toMatch(/error \[input\] Job\/half: Job 'half' has no spec, so nothing can be checked/);
    expect(result.code).toBe(1);
  });

  test('a manifest with wrong-typed fields: each field reported at its line, exit 1, no internal error (#27 item 10)', () => {
    const result = run('lint', tmp({
      'job.yaml': 'apiVersion: batch/v1\nkind: Job\nmetadata: {name: train}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n' +
        '      tolerations: "gpu"\n      containers:\n        - name: trainer\n          image: trainer:v1\n          env: "x"\n',
    }));
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/job.yaml:8:20: error \[field-types\] Job\/train: spec.template.spec.tolerations is a string \("gpu"\); Kubernetes expects a list there/);
    expect(result.out).toMatch(/job.yaml:12:16: error \[field-types\] Job\/train: spec.template.spec.containers\[0\].env is a string/);
    expect(result.out + result.err).not.toMatch(/internal error|could not read/);
  });

  test('an unknown --kubernetes-version is a usage error (exit 2)', () => {
    const result = run('lint', '--kubernetes-version', '1.99', tmp({ 'job.yaml': BAD_JOB }));
    expect(result.err).toMatch(/argument '1\.99' is invalid. 1\.99 is not a version this library knows: use 1\.28 to 1\.37/);
    expect(result.code).toBe(2);
    // 1.37 (December 2026) is a target; 1.38 is not yet.
    expect(run('lint', '--kubernetes-version', '1.37', tmp({ 'job.yaml': BAD_JOB })).code).toBe(1);
    expect(run('lint', '--kubernetes-version', '1.38', tmp({ 'job.yaml': BAD_JOB })).code).toBe(2);
  });
});

describe('lint output for CI tools (#14)', () => {
  const seed = path.join(__dirname, 'fixtures', 'lint', 'seed-job.yaml');

  test('--format sarif is a valid SARIF 2.1.0 log (the OASIS schema, through @microsoft/jest-sarif) with file, line and column', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('@microsoft/jest-sarif'); // registers toBeValidSarifLog: ajv over the SARIF 2.1.0 JSON schema
    const result = run('lint', '--format', 'sarif', seed);
    const log = JSON.parse(result.out);
    (expect(log) as any).toBeValidSarifLog();
    expect(result.code).toBe(1);
    const run0 = log.runs[0];
    expect(run0.tool.driver.name).toBe('cdk8s-training');
    const job = run0.results.filter((r: any) => r.ruleId === 'preemption-policy' && /Job\/fraud-transformer-train/.test(r.message.text));
    // The Job's backoffLimit (where the finding points, the Job having no podFailurePolicy) sits on line 9, its value at column 17.
    expect(job[0].locations[0].physicalLocation).toEqual({ artifactLocation: { uri: seed }, region: { startLine: 9, startColumn: 17 } });
    expect(run0.tool.driver.rules[job[0].ruleIndex].id).toBe('preemption-policy');
    // An invalid log fails the same check (the validation can fail).
    delete log.runs[0].tool.driver.name;
    (expect(log) as any).not.toBeValidSarifLog();
  });

  test('--format junit is well-formed JUnit XML: a testsuite per file, a testcase per object (clean ones pass), a failure per object with errors', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { DOMParser } = require('@xmldom/xmldom');
    const dir = tmp({ 'seed.yaml': fs.readFileSync(seed), 'plain.yaml': fs.readFileSync(path.join(__dirname, 'fixtures', 'lint', 'plain-batch.yaml')) });
    const result = run('lint', '--format', 'junit', dir);
    const errors: string[] = [];
    const doc = new DOMParser({ onError: (level: string, message: string) => errors.push(`${level}: ${message}`) })
      .parseFromString(result.out, 'text/xml');
    expect(errors).toEqual([]);
    const root = doc.documentElement;
    expect(root.tagName).toBe('testsuites');
    const suites = Array.from(root.getElementsByTagName('testsuite')) as any[];
    // Clean objects are listed too, as passed tests: the plain batch file has no findings.
    expect(suites.map((s) => s.getAttribute('name'))).toEqual([path.join(dir, 'plain.yaml'), path.join(dir, 'seed.yaml')]);
    const clean = Array.from(suites[0].getElementsByTagName('testcase')) as any[];
    expect(clean.length).toBeGreaterThan(0);
    expect(clean.every((c) => c.childNodes.length === 0)).toBe(true);
    expect(suites[0].getAttribute('failures')).toBe('0');
    expect(root.getAttribute('tests')).toBe(String(clean.length + 3));
    suites.shift();
    const cases = Array.from(suites[0].getElementsByTagName('testcase')) as any[];
    expect(cases.map((c) => c.getAttribute('name'))).toEqual(['Job/fraud-transformer-train', 'CronJob/fraud-retrain', 'PyTorchJob/fraud-ddp']);
    // The PyTorchJob (OnFailure) passes: the operator recreates preempted pods (test/cluster/pytorchjob.test.ts).
    expect(cases.map((c) => c.getElementsByTagName('failure').length)).toEqual([1, 0, 0]);
    expect(suites[0].getAttribute('tests')).toBe('3');
    expect(suites[0].getAttribute('failures')).toBe('1');
    expect(cases[1].getElementsByTagName('system-out')[0].textContent).toMatch(/warning \[preemption-policy\]/);
  });
});

describe('lint configuration (.cdk8s-training.yaml, --config) (#14)', () => {
  const seedText = fs.readFileSync(path.join(__dirname, 'fixtures', 'lint', 'seed-job.yaml'));
  const ruleIds = (out: string) => [...new Set(JSON.parse(out).findings.map((f: any) => f.ruleId))].sort();

  test('exclude turns advisory rules off, severity raises one, skip leaves paths out', () => {
    const dir = tmp({
      'k8s/seed.yaml': seedText,
      'k8s/handwritten.yaml': BAD_JOB,
      'k8s/vendor/bad.yaml': BAD_JOB,
      'lint.yaml': 'rules:\n  exclude: [preemption-policy]\n  severity:\n    job-ttl: error\nskip:\n  - k8s/vendor/**\n',
    });
    const result = run('lint', '--format', 'json', '--config', path.join(dir, 'lint.yaml'), path.join(dir, 'k8s'));
    const report = JSON.parse(result.out);
    expect(report.files).toBe(2);
    expect(report.findings.filter((f: any) => f.file.includes('vendor'))).toEqual([]);
    expect(ruleIds(result.out)).not.toContain('preemption-policy');
    // The seed's Job and the hand-written one have no TTL.
    expect(report.findings.filter((f: any) => f.ruleId === 'job-ttl').map((f: any) => f.severity)).toEqual(['error', 'error']);
    // Without the configuration the same files give both.
    const plain = JSON.parse(run('lint', '--format', 'json', path.join(dir, 'k8s')).out);
    expect(plain.files).toBe(3);
    expect(plain.findings.filter((f: any) => f.ruleId === 'job-ttl').map((f: any) => f.severity)).toEqual(['warning', 'warning', 'warning']);
    expect(plain.findings.some((f: any) => f.ruleId === 'preemption-policy')).toBe(true);
  });

  test('include runs only the listed rules (and every rule the apiserver enforces)', () => {
    const dir = tmp({ 'job.yaml': BAD_JOB, 'c.yaml': 'rules:\n  include: [preemption-policy]\n' });
    const ids = ruleIds(run('lint', '--format', 'json', '--config', path.join(dir, 'c.yaml'), path.join(dir, 'job.yaml')).out);
    expect(ids).toContain('job-restart-policy');
    expect(ids).not.toContain('job-ttl');
  });

  test('.cdk8s-training.yaml in the working folder is read without --config', () => {
    const dir = tmp({ 'job.yaml': BAD_JOB, '.cdk8s-training.yaml': 'rules:\n  exclude: [job-ttl]\n' });
    const cwd = process.cwd();
    try {
      process.chdir(dir);
      expect(ruleIds(run('lint', '--format', 'json', 'job.yaml').out)).not.toContain('job-ttl');
    } finally {
      process.chdir(cwd);
    }
  });

  test.each([
    ['a rule the apiserver enforces', 'rules:\n  exclude: [job-restart-policy]\n', /rules.exclude: 'job-restart-policy' cannot be turned off: the apiserver refuses what it finds/],
    ['an unknown rule', 'rules:\n  exclude: [no-such-rule]\n', /rules.exclude: 'no-such-rule' is not a rule/],
    ['an unknown key', 'rulez: {}\n', /unknown key 'rulez'/],
    ['a bad severity', 'rules:\n  severity: {job-ttl: fatal}\n', /rules.severity.job-ttl must be error or warning, not 'fatal'/],
    ['a missing --config file', undefined, /no such file/],
  ])('%s is a usage error (exit 2)', (_name, content, message) => {
    const dir = tmp({ 'job.yaml': BAD_JOB, ...(content ? { 'c.yaml': content } : {}) });
    const result = run('lint', '--config', path.join(dir, 'c.yaml'), path.join(dir, 'job.yaml'));
    expect(result.err).toMatch(message);
    expect(result.code).toBe(2);
  });
});

describe('lint --strict: the Kubernetes OpenAPI and the operators\' CRDs, shipped with the package (#15)', () => {
  const TYPO_JOB = `apiVersion: batch/v1
kind: Job
metadata:
  name: typo
spec:
  backofLimit: 2
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: trainer
          image: trainer:v1
          ports:
            - containerPort: http
`;
  const WIDGET = `apiVersion: example.com/v1
kind: Widget
metadata: {name: w}
spec: {size: 3}
`;

  testWithSchemas('unknown fields and wrong types are errors at their line and column; without --strict nothing is said of them', () => {
    const dir = tmp({ 'job.yaml': `${SERVICE}---\n${TYPO_JOB}` });
    const file = path.join(dir, 'job.yaml');
    const loose = run('lint', dir);
    expect(loose.out).not.toMatch(/strict-schema/);
    const result = run('lint', '--strict', dir);
    expect(result.code).toBe(1);
    expect(result.out).toContain(`${file}:11:3: error [strict-schema] Job/typo: spec.backofLimit: unknown field "backofLimit".`);
    expect(result.out).toContain(`${file}:19:30: error [strict-schema] Job/typo: spec.template.spec.containers.0.ports.0.containerPort: must be integer.`);
    expect(result.out).toMatch(/strict schemas: k8s\.io\/kubernetes@v1\.37\.\d+, github\.com\/kubeflow\/training-operator@v1\.9\.4, .*sigs\.k8s\.io\/kueue@v0\.19\.\d+ \(0 objects of kinds they do not know\)/);
    // The Service in the same file conforms: no finding for it.
    expect(result.out).not.toMatch(/Service\/tensorboard/);
  });

  testWithSchemas('the library\'s own output is strictly valid: the example app passes --strict with exit 0', () => {
    const app = Testing.app();
    const docs = [...Testing.synth(teamFraud(app)), ...Testing.synth(teamFraudDistributed(app))];
    const dir = tmp({ 'all.yaml': docs.map((d) => stringify(d)).join('---\n') });
    const result = run('lint', '--strict', dir);
    expect(result.out).toMatch(/0 errors, 0 warnings; strict schemas: /);
    expect(result.code).toBe(0);
  });

  testWithSchemas('a kind no schema knows is a warning that says it was not validated (never a silent pass)', () => {
    const dir = tmp({ 'widget.yaml': WIDGET });
    const result = run('lint', '--strict', '--format', 'json', dir);
    const report = JSON.parse(result.out);
    expect(report.findings).toEqual([expect.objectContaining({
      ruleId: 'strict-schema',
      severity: 'warning',
      object: 'Widget/w',
      line: 1,
      message: expect.stringMatching(/^no schema knows example\.com\/v1 Widget, so it was not validated strictly \(--strict knows the Kubernetes v1\.37\.\d+ kinds/),
    })]);
    expect(report.strict.unknownKinds).toBe(1);
    expect(result.code).toBe(0);
    expect(run('lint', '--strict', '--fail-on-warnings', dir).code).toBe(1);
  });

  testWithSchemas('a PyTorchJob is validated against the Training Operator\'s CRD', () => {
    const pytorch = {
      apiVersion: 'kubeflow.org/v1',
      kind: 'PyTorchJob',
      metadata: { name: 'ddp' },
      spec: { pytorchReplicaSpecs: { Worker: { replicas: 2, restartPolicy: 'OnFailur', tempate: {} } } },
    };
    const result = run('lint', '--strict', tmp({ 'ddp.yaml': stringify(pytorch) }));
    expect(result.out).toMatch(/error \[strict-schema\] PyTorchJob\/ddp: spec\.pytorchReplicaSpecs\.Worker\.tempate: unknown field "tempate"\./);
  });

  test('--strict is in lint --help', () => {
    expect(run('lint', '--help').out.replace(/\s+/g, ' ')).toMatch(/--strict also validate every object against the Kubernetes OpenAPI/);
  });
});

describe('lint reads a stream one object at a time', () => {
  const job = (name: string) => `apiVersion: batch/v1
kind: Job
metadata: {name: ${name}}
spec:
  parallelism: 4
  completions: 4
  template:
    spec:
      restartPolicy: Never
      containers: [{name: trainer, image: 'trainer:v1', command: [python, train.py]}]
      volumes: [{name: ckpt, persistentVolumeClaim: {claimName: shared}}]
`;
  const claim = (mode: string) => `apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: shared}
spec: {accessModes: [${mode}], resources: {requests: {storage: 1Gi}}}
`;
  const sharedRwo = (files: { [name: string]: string }) =>
    JSON.parse(run('lint', '--format', 'json', tmp(files)).out).findings.filter((f: any) => f.ruleId === 'shared-rwo-claim');

  test('a claim defined after the workload that mounts it (later in the stream, or in a later file) is still read', () => {
    const streams: Array<{ [name: string]: string }> = [
      { 'all.yaml': `${job('a')}---\n${claim('ReadWriteOnce')}` },
      { 'a-job.yaml': job('a'), 'b-claim.yaml': claim('ReadWriteOnce') },
    ];
    for (const files of streams) {
      const findings = sharedRwo(files);
      expect(findings.map((f: any) => [f.object, f.line, f.message])).toEqual([['Job/a', 11,
        "spec.template.spec mounts claim 'shared' (ReadWriteOnce) from up to 4 pods at once: a pod the scheduler places on another node than the first hangs in ContainerCreating (Multi-Attach error)."]]);
    }
    expect(sharedRwo({ 'all.yaml': `${claim('ReadWriteOnce')}---\n${job('a')}---\n${job('b')}` }).map((f: any) => f.object)).toEqual(['Job/a', 'Job/b']);
  });

  test('a ReadWriteMany claim, before or after, and a claim no manifest defines are not findings', () => {
    expect(sharedRwo({ 'all.yaml': `${job('a')}---\n${claim('ReadWriteMany')}` })).toEqual([]);
    expect(sharedRwo({ 'all.yaml': `${claim('ReadWriteMany')}---\n${job('a')}` })).toEqual([]);
    expect(sharedRwo({ 'all.yaml': job('a') })).toEqual([]);
  });
});
