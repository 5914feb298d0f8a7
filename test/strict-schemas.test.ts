/**
 * #15: strict schema checks that need nothing beside the repository. The schemas are read
 * from the Go modules the cluster suite runs (k8s.io/kubernetes in cluster/go.mod; the
 * operators in cluster/operators/go.mod) by `npx projen schemas`, and used by the tests'
 * conformance check and `cdk8s-training lint --strict` alike.
 */
import * as fs from 'fs';
import * as path from 'path';
import Ajv from 'ajv';
import { ApiObject, Testing } from 'cdk8s';
import { SpotTolerantTrainingJob } from '../src';
import { schemaErrors, testWithSchemas } from './util/conformance';
import { chartsChecked } from './util/every-synth-strict';
import { newChart } from './util/synth';
import { StrictSchemas, strict } from '../src/findings/strict-schemas';

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
