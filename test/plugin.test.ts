/**
 * The validation plugin, run by the real cdk8s CLI: `cdk8s synth` on an app whose
 * cdk8s.yaml lists TrainingValidation under `validations:`.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { TrainingValidation } from '../src';
import { expectConformant, testWithSchemas } from './util/conformance';
import { lint } from '../src/cli/lint';

const ROOT = path.resolve(__dirname, '..');
const CDK8S_CLI = path.join(ROOT, 'node_modules', 'cdk8s-cli', 'bin', 'cdk8s');
const REGISTER = `require(${JSON.stringify(require.resolve('ts-node'))}).register({ transpileOnly: true, project: ${JSON.stringify(path.join(ROOT, 'test', 'tsconfig.json'))} });`;

/** A cdk8s app folder: cdk8s.yaml with the plugin, and app.js building `body`. */
function cdk8sApp(body: string, properties: object = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-training-plugin-'));
  // A local plugin package (the CLI requires it by path) that loads the library from source.
  fs.mkdirSync(path.join(dir, 'plugin'));
  fs.writeFileSync(path.join(dir, 'plugin', 'package.json'), JSON.stringify({ name: 'cdk8s-training-local', version: '0.0.0', main: 'index.js' }));
  fs.writeFileSync(path.join(dir, 'plugin', 'index.js'), `${REGISTER}\nmodule.exports = require(${JSON.stringify(path.join(ROOT, 'src', 'index.ts'))});\n`);
  fs.writeFileSync(path.join(dir, 'cdk8s.yaml'), [
    'app: node app.js',
    'validations:',
    `  - package: ${path.join(dir, 'plugin')}`,
    '    version: 0.0.0',
    '    class: TrainingValidation',
    `    properties: ${JSON.stringify(properties)}`,
    '',
  ].join('\n'));
  fs.writeFileSync(path.join(dir, 'app.js'), [
    REGISTER,
    `const { App, Chart, ApiObject, Size } = require(${JSON.stringify(require.resolve('cdk8s'))});`,
    `const training = require(${JSON.stringify(path.join(ROOT, 'src', 'index.ts'))});`,
    'const app = new App();',
    "const chart = new Chart(app, 'ml');",
    body,
    'app.synth();',
  ].join('\n'));
  return dir;
}

function synth(dir: string) {
  return spawnSync(process.execPath, [CDK8S_CLI, 'synth'], { cwd: dir, encoding: 'utf8', env: { ...process.env, CI: 'true' } });
}

describe('TrainingValidation with the cdk8s CLI', () => {
  test('a violation in an object the constructs did not make fails cdk8s synth and is reported', () => {
    const dir = cdk8sApp(`new ApiObject(chart, 'job', { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'handwritten' },
      spec: { template: { spec: { restartPolicy: 'Always', containers: [{ name: 'trainer', image: 'trainer:v1' }] } } } });`);
    const result = synth(dir);
    const output = result.stdout + result.stderr;
    expect(result.status).not.toBe(0);
    expect(output).toMatch(/job-restart-policy \(error\)/);
    // The CLI names the construct (it keys its construct metadata by object name), and each
    // location starts with the JSON path of the field.
    expect(output).toMatch(/Construct Path: ml\/job/);
    expect(output).not.toMatch(/Construct Path: N\/A/);
    expect(output).toMatch(/Resource Name: handwritten/);
    expect(output).toMatch(/> spec\.template\.spec\.restartPolicy: restartPolicy is 'Always'; a Job needs Never or OnFailure/);
  }, 60_000);

  test('a clean app passes', () => {
    const dir = cdk8sApp(`new training.SpotTolerantTrainingJob(chart, 'train', {
      image: 'trainer:v1',
      checkpoint: { storage: training.CheckpointStorage.newClaim({ size: Size.gibibytes(100) }) },
    });`);
    const result = synth(dir);
    expect(result.stdout + result.stderr).not.toMatch(/error\)/);
    expect(result.status).toBe(0);
    expect(fs.readdirSync(path.join(dir, 'dist'))).toContain('ml.k8s.yaml');
    expectConformant(parseAllDocuments(fs.readFileSync(path.join(dir, 'dist', 'ml.k8s.yaml'), 'utf8')).map((d) => d.toJS()));
    expect(result.stdout + result.stderr).toMatch(/success/i);
  }, 60_000);
});

describe('TrainingValidation properties', () => {
  test('fails when kubernetesVersion is not 1.N', () => {
    expect(() => new TrainingValidation({ kubernetesVersion: '28' })).toThrow(/kubernetesVersion \('28'\) must look like '1.28'/);
  });

  test('reports through the context and submits failure on errors, success otherwise', async () => {
    const violations: any[] = [];
    let status = '';
    const job = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'x' }, spec: { template: { spec: { containers: [{ name: 'a', image: 'b' }] } } } };
    const context = {
      manifests: ['m.yaml'],
      parseManifest: () => [job],
      report: { addViolation: (v: any) => violations.push(v), submit: (s: string) => { status = s; } },
    };
    await new TrainingValidation().validate(context);
    expect(status).toBe('failure');
    expect(violations.map((v) => v.ruleName)).toContain('job-restart-policy (error)');
    expect(violations.find((v) => v.ruleName.startsWith('job-restart-policy')).violatingResources).toEqual([
      // The object's name, which the cdk8s CLI maps to the construct path; the field's JSON path first.
      { resourceName: 'x', locations: ['spec.template.spec: restartPolicy is not set (defaults to Always); a Job needs Never or OnFailure.'], manifestPath: 'm.yaml' },
    ]);
  });
});

/** Runs the plugin over `objects` as the cdk8s CLI would: the violations it reported and the status it submitted. */
async function validateWith(props: any, objects: any[]): Promise<{ status: string; violations: any[] }> {
  const violations: any[] = [];
  let status = '';
  await new TrainingValidation(props).validate({
    manifests: ['m.yaml'],
    parseManifest: () => objects,
    report: { addViolation: (v: any) => violations.push(v), submit: (s: string) => { status = s; } },
  });
  return { status, violations };
}

describe('TrainingValidation rules (#15: failOnWarnings in a repo with non-training Jobs)', () => {
  const run = async (props: any, objects: any[]) => {
    const { status, violations } = await validateWith(props, objects);
    return { status, names: violations.map((v) => v.ruleName) };
  };
  const migration = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'migrate' },
    spec: { backoffLimit: 1, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'm', image: 'migrate:v1' }] } } },
  };

  test('a Job that does not train (a migration) gets none of the training advice, so failOnWarnings passes', async () => {
    expect(await run({ failOnWarnings: true }, [migration])).toEqual({ status: 'success', names: [] });
  });

  test('exclude turns an advisory rule off, so failOnWarnings passes; severity raises one to an error', async () => {
    // The same Job, which its owner says trains: the training advice applies.
    const trainer = { ...migration, metadata: { name: 'migrate', annotations: { 'cdk8s-training.io/training': 'true' } } };
    const advisory = ['checkpoint-volume', 'preemption-policy', 'job-ttl'];
    const { status, names } = await run({ failOnWarnings: true }, [trainer]);
    expect({ status, names: [...names].sort() }).toEqual({ status: 'failure', names: advisory.map((id) => `${id} (warning)`).sort() });
    expect(await run({ failOnWarnings: true, rules: { exclude: advisory } }, [trainer])).toEqual({ status: 'success', names: [] });
    expect(await run({ rules: { exclude: ['checkpoint-volume', 'preemption-policy'], severity: { 'job-ttl': 'error' } } }, [trainer]))
      .toEqual({ status: 'failure', names: ['job-ttl (error)'] });
  });

  test('a rule the apiserver enforces cannot be excluded', () => {
    expect(() => new TrainingValidation({ rules: { exclude: ['job-restart-policy'] } }))
      .toThrow("TrainingValidation properties: rules.exclude: 'job-restart-policy' cannot be turned off: the apiserver refuses what it finds");
  });
});

describe('TrainingValidation strict (#15: the schemas lint --strict uses)', () => {
  const run = validateWith;
  const typo = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'settings' },
    dta: { a: 'b' },
  };

  testWithSchemas('an unknown field fails the synth with strict, and is not looked at without it', async () => {
    expect((await run({}, [typo])).status).toBe('success');
    const { status, violations } = await run({ strict: true }, [typo]);
    expect(status).toBe('failure');
    expect(violations).toEqual([expect.objectContaining({
      ruleName: 'strict-schema (error)',
      violatingResources: [{ resourceName: 'settings', manifestPath: 'm.yaml', locations: ['dta: unknown field "dta".'] }],
    })]);
  });

  testWithSchemas('a kind no schema knows is a warning (failing with failOnWarnings), never a silent pass', async () => {
    const widget = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } };
    expect((await run({ strict: true }, [widget])).status).toBe('success');
    const { status, violations } = await run({ strict: true, failOnWarnings: true }, [widget]);
    expect(status).toBe('failure');
    expect(violations.map((v) => v.ruleName)).toEqual(['strict-schema (warning)']);
  });

  test('strict must be a boolean', () => {
    expect(() => new TrainingValidation({ strict: 'yes' } as any)).toThrow("TrainingValidation: strict ('yes') must be true or false.");
  });
});

describe('one findings pipeline: lint and the plugin', () => {
  test('report the same findings at the same lines, with the same counts, for the same YAML', async () => {
    const file = path.join(__dirname, 'fixtures', 'lint', 'seed-job.yaml');
    const linted = lint([file], { kubernetesMinor: 32 });
    const violations: any[] = [];
    let summary: any;
    await new TrainingValidation().validate({
      manifests: [file],
      parseManifest: () => { throw new Error('the plugin reads the manifest itself'); },
      report: { addViolation: (v: any) => violations.push(v), submit: (_status: string, counts: any) => { summary = counts; } },
    });
    const fromPlugin = violations.flatMap((v) => v.violatingResources.map((r: any) => {
      const [, line, column] = /\(line (\d+), column (\d+)\)$/.exec(r.locations[0])!;
      return `${v.ruleName.split(' ')[0]} ${v.ruleName.split(' ')[1]} ${line}:${column}`;
    })).sort();
    const fromLint = linted.findings.map((f) => `${f.ruleId} (${f.severity}) ${f.line}:${f.column}`).sort();
    expect(fromPlugin).toEqual(fromLint);
    // A control: the fixture yields errors and warnings both, on several objects.
    expect(fromLint.length).toBeGreaterThanOrEqual(3);
    expect(new Set(linted.findings.map((f) => f.severity))).toEqual(new Set(['error', 'warning']));
    expect(new Set(linted.findings.map((f) => f.object)).size).toBeGreaterThan(1);
    const errors = linted.findings.filter((f) => f.severity === 'error').length;
    expect(summary).toEqual({ errors: String(errors), warnings: String(linted.findings.length - errors) });
  });
});
