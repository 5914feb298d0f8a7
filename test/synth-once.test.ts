/**
 * #14: synth pays for the rules once. cdk8s validates the app in App.synth and again inside
 * each chart.toJson(); each training object is still rendered once and its rules evaluated
 * once per synth, and what changes between synths is seen.
 */
import { ApiObject, JsonPatch, Size, Testing } from 'cdk8s';
import { SpotScheduling, SpotTolerantTrainingJob } from '../src';
import { newChart, rwxCheckpoints } from './util/synth';
import * as engine from '../src/findings/evaluate';
import { copyJson } from '../src/k8s/json';

function job() {
  const { app, chart } = newChart();
  const trainer = new SpotTolerantTrainingJob(chart, 'train', {
    name: 'train',
    image: 'registry.example.com/trainer:v1',
    command: ['python', 'train.py'],
    memory: Size.gibibytes(8),
    checkpoint: { storage: rwxCheckpoints() },
    spot: SpotScheduling.gke(),
  });
  return { app, chart, trainer };
}

afterEach(() => jest.restoreAllMocks());

test('app.synthYaml() renders the Job once and evaluates its rules once (cdk8s validates twice)', () => {
  const { app, trainer } = job();
  const render = jest.spyOn(ApiObject.prototype, 'toJson');
  const evaluate = jest.spyOn(engine, 'evaluate');
  app.synthYaml();
  expect(render.mock.contexts.filter((self) => self === trainer.apiObject)).toHaveLength(1);
  expect(evaluate).toHaveBeenCalledTimes(1);
});

test('the spec is attached without a JSON patch (no JSON round trip); the user\'s own patches still apply', () => {
  const { app, trainer } = job();
  const apply = jest.spyOn(JsonPatch, 'apply');
  const stringify = jest.spyOn(JSON, 'stringify');
  const yaml = app.synthYaml();
  // cdk8s's ApiObject.toJson calls JsonPatch.apply with no ops for the rest of the object.
  expect(apply.mock.calls.filter(([, ...ops]) => ops.length > 0)).toEqual([]);
  // Only the small objects (metadata, the claim) go through strings, never the pod template.
  const stringified = stringify.mock.calls.map(([value]) => value);
  stringify.mockRestore();
  for (const value of stringified) expect(JSON.stringify(value) ?? '').not.toContain('podFailurePolicy');
  expect(yaml).toContain('podFailurePolicy');
  trainer.apiObject.addJsonPatch(JsonPatch.add('/spec/template/spec/priorityClassName', 'training'));
  expect(app.synthYaml()).toContain('priorityClassName: training');
  expect(apply.mock.calls.filter(([, ...ops]) => ops.length > 0)).toHaveLength(1);
});

test('every kind of metadata change between synths is seen (the change key reads cdk8s\'s metadata fields)', () => {
  const { chart, trainer } = job();
  const jobOf = () => Testing.synth(chart).find((o) => o.kind === 'Job');
  expect(Object.keys(trainer.apiObject.metadata)).toEqual(expect.arrayContaining(['labels', 'annotations', 'finalizers', 'ownerReferences', '_additionalAttributes']));
  jobOf();
  trainer.apiObject.metadata.addFinalizers('example.com/keep');
  expect(jobOf().metadata.finalizers).toEqual(['example.com/keep']);
  trainer.apiObject.metadata.addOwnerReference({ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: '1' });
  expect(jobOf().metadata.ownerReferences).toHaveLength(1);
  trainer.apiObject.metadata.add('generation', 3);
  expect(jobOf().metadata.generation).toBe(3);
  trainer.apiObject.metadata.addAnnotation('team', 'fraud');
  expect(jobOf().metadata.annotations.team).toBe('fraud');
});

test('copyJson copies as a JSON round trip does', () => {
  const date = new Date(0);
  const samples: any[] = [
    { a: 1, b: 'x', c: [1, 'two', { d: null }], e: undefined, f: () => 1, g: Symbol('s'), h: NaN, i: Infinity, j: -0 },
    [undefined, () => 1, NaN, { k: [] }, {}],
    { toJSON: () => ({ replaced: true }) },
    { when: date, nested: { deeper: { deepest: [true, false] } } },
    'text', 7, null, true,
  ];
  for (const sample of samples) expect(copyJson(sample)).toEqual(JSON.parse(JSON.stringify(sample)));
  const source = { spec: { list: [{ x: 1 }] } };
  const copy = copyJson(source);
  copy.spec.list[0].x = 2;
  expect(source.spec.list[0].x).toBe(1);
  expect(() => copyJson({ n: BigInt(1) })).toThrow(/BigInt/);
});

test('what changes between synths is seen: a patch, a label, an acknowledgement; the handed-out JSON is the caller\'s', () => {
  const { app, chart, trainer } = job();
  const first = Testing.synth(chart).find((o) => o.kind === 'Job');
  first.spec.backoffLimit = 99; // the caller's copy
  const second = Testing.synth(chart).find((o) => o.kind === 'Job');
  expect(second.spec.backoffLimit).toBe(2);
  trainer.apiObject.addJsonPatch(JsonPatch.replace('/spec/backoffLimit', 5));
  trainer.apiObject.metadata.addLabel('team', 'fraud');
  const third = Testing.synth(chart).find((o) => o.kind === 'Job');
  expect(third.spec.backoffLimit).toBe(5);
  expect(third.metadata.labels.team).toBe('fraud');
  // A patch that breaks the policy fails the next synth, and acknowledging the finding lets it through.
  trainer.apiObject.addJsonPatch(JsonPatch.remove('/spec/podFailurePolicy'));
  expect(() => app.synthYaml()).toThrow(/preemption-policy/);
  trainer.acknowledgeRule('preemption-policy', 'a throwaway smoke test');
  expect(() => app.synthYaml()).not.toThrow();
});

test('an acknowledged rule is written into the manifest, so lint and the plugin do not report it again (#15)', () => {
  const { chart, trainer } = job();
  trainer.apiObject.addJsonPatch(JsonPatch.remove('/spec/podFailurePolicy'));
  trainer.acknowledgeRule('preemption-policy', 'a throwaway smoke test');
  trainer.acknowledgeRule('image-tag', 'construct warnings stay with the construct');
  const objects = Testing.synth(chart);
  const jobJson = objects.find((o) => o.kind === 'Job');
  expect(jobJson.metadata.annotations).toMatchObject({ 'acknowledge.cdk8s-training.io/preemption-policy': 'a throwaway smoke test' });
  expect(jobJson.metadata.annotations['acknowledge.cdk8s-training.io/image-tag']).toBeUndefined();
  const findings = engine.evaluate(objects, engine.contextFor(objects, 28));
  expect(findings.filter((f) => f.ruleId === 'preemption-policy' || f.ruleId === 'acknowledgement')).toEqual([]);
});

test('noCheckpointReason is written as the checkpoint-volume acknowledgement', () => {
  const { chart } = newChart();
  new SpotTolerantTrainingJob(chart, 'smoke', {
    name: 'smoke',
    image: 'registry.example.com/trainer:v1',
    command: ['python', 'smoke.py'],
    noCheckpointReason: 'a two-minute smoke test',
  });
  const objects = Testing.synth(chart);
  expect(objects[0].metadata.annotations['acknowledge.cdk8s-training.io/checkpoint-volume']).toBe('a two-minute smoke test');
});
