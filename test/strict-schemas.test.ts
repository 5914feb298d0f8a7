/**
 * #15: strict schema checks that need nothing beside the repository. The schemas are read
 * from the Go modules the cluster suite runs (k8s.io/kubernetes in cluster/go.mod; the
 * operators in cluster/operators/go.mod) by `npx projen schemas`, and used by the tests'
 * conformance check and `cdk8s-training lint --strict` alike.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import Ajv from 'ajv';
import { ApiObject, Testing } from 'cdk8s';
import { SpotTolerantTrainingJob } from '../src';
import { schemaErrors, testWithSchemas } from './util/conformance';
import { chartsChecked } from './util/every-synth-strict';
import { newChart } from './util/synth';
import { collectFiles, LintFinding, loadFile } from '../src/findings/manifests';
import { describeProblem, precompiledDir, PRECOMPILED_KINDS, STRICT_SCHEMAS_FILE, StrictSchemas, strict } from '../src/findings/strict-schemas';

const ROOT = path.join(__dirname, '..');

/** The version a go.mod requires of a module. */
function pinned(goMod: string, module: string): string {
  const text = fs.readFileSync(path.join(ROOT, goMod), 'utf8');
  const match = new RegExp(`^\\s*(?:require\\s+)?${module.replace(/\./g, '\\.')} (v\\S+)`, 'm').exec(text);
  if (!match) throw new Error(`${goMod} does not require ${module}`);
  return match[1];
}

function job(): any {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'train' },
    spec: {
      backoffLimit: 2,
      podReplacementPolicy: 'Failed',
      template: {
        spec: {
          restartPolicy: 'Never',
          containers: [{
            name: 'trainer',
            image: 'trainer:v1',
            // Quantities as YAML numbers and strings: the apiserver reads both.
            resources: { limits: { 'nvidia.com/gpu': 4, 'cpu': '500m', 'memory': '16Gi' } },
          }],
        },
      },
    },
  };
}

testWithSchemas('the schemas come from the modules go.mod pins: the apiserver the cluster suite runs and its operators', () => {
  const schemas = StrictSchemas.load()!;
  expect(schemas.kubernetesVersion).toBe(pinned('cluster/go.mod', 'k8s.io/kubernetes'));
  const versions = Object.fromEntries(schemas.sources.map((s) => [s.module, s.version]));
  for (const module of ['github.com/kubeflow/training-operator', 'sigs.k8s.io/jobset', 'github.com/kubeflow/trainer/v2', 'sigs.k8s.io/kueue']) {
    expect(versions[module]).toBe(pinned('cluster/operators/go.mod', module));
  }
  expect(schemas.sources.flatMap((s) => s.kinds)).toEqual(expect.arrayContaining(
    ['PyTorchJob', 'JobSet', 'TrainJob', 'TrainingRuntime', 'ClusterTrainingRuntime', 'LocalQueue', 'WorkloadPriorityClass']));
});

testWithSchemas('a conforming Job passes; an unknown field, a wrong type and a missing required field are each named by path', () => {
  expect(schemaErrors(job())).toEqual([]);
  const bad = job();
  bad.spec.backoffLimitt = 2;
  bad.spec.template.spec.containers[0].gpus = 4;
  bad.spec.template.spec.restartPolicy = 1;
  bad.spec.template.spec.containers[0].ports = [{ containerPort: 'http' }];
  delete bad.spec.template.spec.containers[0].name;
  expect(schemaErrors(bad)).toEqual(expect.arrayContaining([
    'Job/train/spec/backoffLimitt: unknown field "backoffLimitt"',
    'Job/train/spec/template/spec/containers/0/gpus: unknown field "gpus"',
    'Job/train/spec/template/spec/containers/0/ports/0/containerPort: must be integer',
    'Job/train/spec/template/spec/containers/0: required field "name" is missing',
  ]));
  expect(schemaErrors(bad)).toContain('Job/train/spec/template/spec/restartPolicy: must be string');
  // Enum values are not in the OpenAPI v2 the apiserver publishes (its validation code checks them): not claimed here.
});

testWithSchemas('int-or-string fields take both; a kind no schema knows is said so, never passed', () => {
  const pdb = { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'p' }, spec: { maxUnavailable: 1 } };
  expect(schemaErrors(pdb)).toEqual([]);
  expect(schemaErrors({ ...pdb, spec: { maxUnavailable: '10%' } })).toEqual([]);
  expect(schemaErrors({ ...pdb, spec: { maxUnavailable: true } })).not.toEqual([]);
  expect(schemaErrors({ apiVersion: 'example.com/v1', kind: 'Nope', metadata: { name: 'x' } })).toEqual(['Nope/x: no schema for example.com/v1 Nope']);
  expect(StrictSchemas.load()!.problems({ apiVersion: 'example.com/v1', kind: 'Nope' })).toBeUndefined();
});

testWithSchemas('custom resources are checked against their CRD strictly, with an ObjectMeta metadata', () => {
  const pytorch: any = {
    apiVersion: 'kubeflow.org/v1',
    kind: 'PyTorchJob',
    metadata: { name: 'ddp', labelz: {} },
    spec: { pytorchReplicaSpecs: { Master: { replicas: 1, template: { spec: { containers: [{ name: 'pytorch', image: 'x' }] } } } }, bogus: true },
  };
  expect(schemaErrors(pytorch)).toEqual(expect.arrayContaining([
    'PyTorchJob/ddp/spec/bogus: unknown field "bogus"',
    'PyTorchJob/ddp/metadata/labelz: unknown field "labelz"',
  ]));
  delete pytorch.spec.bogus;
  delete pytorch.metadata.labelz;
  expect(schemaErrors(pytorch)).toEqual([]);
  // An x-kubernetes-preserve-unknown-fields object stays open (a TrainJob's runtime patches are typed; JobSet's
  // template metadata is not): only what the CRD closes is closed.
  expect(strict({ 'type': 'object', 'properties': { a: { type: 'string' } }, 'x-kubernetes-preserve-unknown-fields': true }, true).additionalProperties)
    .toBeUndefined();
  expect(strict({ type: 'object', properties: { a: { type: 'string' } } }, true).additionalProperties).toBe(false);
});

test('without the schemas file, load says so (undefined) instead of passing anything', () => {
  expect(StrictSchemas.load(path.join(ROOT, 'schemas', 'no-such-file.json.gz'))).toBeUndefined();
});

testWithSchemas('every synth in the tests is checked strictly, however a test synthesizes (test/util/every-synth-strict.ts)', () => {
  const { app, chart } = newChart();
  new SpotTolerantTrainingJob(chart, 'train', { image: 'registry.example.com/trainer:v1', noCheckpointReason: 'a probe of the check' });
  const before = chartsChecked;
  expect(Testing.synth(chart).map((o) => o.kind)).toEqual(['Job']);
  expect(chartsChecked).toBe(before + 1);
  // A hand-written object with a misspelt field: the synth itself fails, naming the field.
  new ApiObject(chart, 'probe', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'probe' }, dataa: { a: '1' } } as any);
  expect(() => app.synthYaml()).toThrow(/does not conform to its schema[\s\S]*ConfigMap\/probe\/dataa/);
  expect(() => Testing.synth(chart)).toThrow(/ConfigMap\/probe\/dataa/);
});

testWithSchemas('a built-in kind\'s schema stands alone for another validator, with the same verdicts as --strict', () => {
  const schemas = StrictSchemas.load()!;
  const document = schemas.standalone('batch/v1', 'Job');
  // Every reference resolves inside the document: nothing points at the bundle it came from.
  const refs = [...JSON.stringify(document).matchAll(/"\$ref":"([^"]*)"/g)].map((m) => m[1]);
  expect(refs.length).toBeGreaterThan(10);
  for (const ref of refs) {
    expect(ref).toMatch(/^#\/definitions\//);
    expect(document.definitions[ref.replace('#/definitions/', '')]).toBeDefined();
  }
  // A validator of its own (not the one --strict holds) compiles it and agrees with --strict.
  const validate = new Ajv({ strict: false, allErrors: true, validateFormats: false }).compile(document);
  const bad = job();
  bad.spec.template.spec.containers[0].gpus = 4;
  const wrongType = job();
  wrongType.spec.backoffLimit = 'two';
  for (const [object, valid] of [[job(), true], [bad, false], [wrongType, false]] as const) {
    expect(validate(object)).toBe(valid);
    expect(schemas.problems(object)!.length === 0).toBe(valid);
  }
  expect(schemas.standalone('kubeflow.org/v1', 'PyTorchJob')).toBeUndefined();
  expect(schemas.standalone('batch/v1', 'NoSuchKind')).toBeUndefined();
});

/** Objects of a kind to judge: the public corpus's and the fixtures', and each made wrong in the ways the schemas catch. */
function objectsToJudge(): any[] {
  const findings: LintFinding[] = [];
  const files = collectFiles([path.join(__dirname, 'corpus', 'world'), path.join(__dirname, 'fixtures'), path.join(ROOT, 'examples')], findings);
  const objects = [
    ...files.flatMap((file) => loadFile(file, findings, () => Buffer.alloc(0))).map((entry) => entry.object),
    // Kinds the corpus does not hold.
    { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'ckpt' }, spec: { accessModes: ['ReadWriteMany'], resources: { requests: { storage: '1Ti' } } } },
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'x:1', resources: { limits: { 'nvidia.com/gpu': 1 } } }] } },
    { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'training' }, value: 1000, preemptionPolicy: 'Never' },
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, type: 'Opaque', stringData: { token: 'x' } },
  ];
  const wrong = objects.flatMap((object) => {
    const misspelt = JSON.parse(JSON.stringify(object));
    misspelt.spec = { ...misspelt.spec, backoffLimitt: 2 };
    const deep = JSON.parse(JSON.stringify(object));
    const container = deep.spec?.template?.spec?.containers?.[0] ?? deep.spec?.jobTemplate?.spec?.template?.spec?.containers?.[0];
    if (container !== undefined) {
      container.gpus = 4;
      container.ports = [{ containerPort: 'http' }];
      delete container.name;
    }
    const wrongType = JSON.parse(JSON.stringify(object));
    wrongType.metadata = { ...wrongType.metadata, labels: 'team=ml' };
    return [misspelt, deep, wrongType];
  });
  return [...objects, job(), ...wrong];
}

testWithSchemas('the validators compiled ahead are used, and give the verdicts of the same kinds compiled on first use, field by field', () => {
  const ahead = StrictSchemas.load()!;
  expect(ahead.compiledAhead().sort()).toEqual([...PRECOMPILED_KINDS].sort());
  // The same schemas without the compiled file: every kind compiles on first use.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-training-schemas-'));
  fs.copyFileSync(STRICT_SCHEMAS_FILE, path.join(dir, 'strict-schemas.json.gz'));
  const now = StrictSchemas.load(path.join(dir, 'strict-schemas.json.gz'))!;
  expect(now.compiledAhead()).toEqual([]);
  const judged = objectsToJudge().filter((object) => PRECOMPILED_KINDS.includes(`${object?.apiVersion}/${object?.kind}`));
  // Every kind compiled ahead is judged, from the corpus or the objects added above.
  expect(new Set(judged.map((o) => `${o.apiVersion}/${o.kind}`))).toEqual(new Set(PRECOMPILED_KINDS));
  let refused = 0;
  for (const object of judged) {
    const problems = ahead.problems(object)!;
    expect(problems).toEqual(now.problems(object));
    if (problems.length > 0) refused++;
  }
  // Not a comparison of two empty lists: most of the altered objects are refused.
  expect(refused).toBeGreaterThan(judged.length / 2);
});

testWithSchemas('validators compiled from other schemas are not used: every kind is then compiled on first use', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-training-schemas-'));
  const file = path.join(dir, 'strict-schemas.json.gz');
  // The same definitions written again (gzip level 1): other bytes, so another digest.
  fs.writeFileSync(file, zlib.gzipSync(zlib.gunzipSync(fs.readFileSync(STRICT_SCHEMAS_FILE)), { level: 1 }));
  fs.cpSync(precompiledDir(STRICT_SCHEMAS_FILE), precompiledDir(file), { recursive: true });
  const other = StrictSchemas.load(file)!;
  expect(other.compiledAhead()).toEqual([]);
  const bad = job();
  bad.spec.backoffLimitt = 2;
  expect(other.problems(bad)!.map(describeProblem)).toEqual(['spec.backoffLimitt: unknown field "backoffLimitt".']);
});

testWithSchemas('the schemas are valid JSON Schema (ajv does not check them on each load)', () => {
  const schemas = StrictSchemas.load()!;
  const bundle = JSON.parse(zlib.gunzipSync(fs.readFileSync(STRICT_SCHEMAS_FILE)).toString('utf8'));
  const checking = new Ajv({ strict: false, validateSchema: true, validateFormats: false });
  expect(checking.validateSchema({ definitions: schemas.standalone('batch/v1', 'Job').definitions })).toBe(true);
  const definitions = Object.fromEntries(Object.entries(bundle.kubernetes.definitions).map(([name, d]) => [name, strict(d, false)]));
  expect(checking.validateSchema({ definitions })).toBe(true);
  for (const crd of bundle.crds) {
    for (const version of crd.versions) {
      expect([`${crd.kind} ${version.name}`, checking.validateSchema(strict(version.schema, true))]).toEqual([`${crd.kind} ${version.name}`, true]);
    }
  }
  // A schema that is not one is refused by the same check.
  expect(checking.validateSchema({ type: 'objekt' })).toBe(false);
});
