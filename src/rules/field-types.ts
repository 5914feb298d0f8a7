import { at, Rule, RuleMessage, WORKLOADS } from './rule';
import { FieldPath, pathText } from '../k8s/paths';
import { jobSpecKeys, jobSpecOf } from '../k8s/workloads';
import { SOURCES } from '../knowledge/sources';

/** What a field must be: a list, a map or object, a string, or a list of strings. */
type Shape = 'list' | 'object' | 'string' | 'strings';

const EXPECTED: { [shape in Shape]: string } = {
  list: 'a list',
  object: 'an object (a map of fields)',
  string: 'a string',
  strings: 'a list of strings',
};

/** The fields of a pod spec the rules read, and what each must be. */
const POD_FIELDS: Array<[string, Shape]> = [
  ['containers', 'list'], ['initContainers', 'list'], ['volumes', 'list'], ['tolerations', 'list'], ['imagePullSecrets', 'list'],
  ['topologySpreadConstraints', 'list'], ['nodeSelector', 'object'], ['affinity', 'object'], ['securityContext', 'object'],
];
const CONTAINER_FIELDS: Array<[string, Shape]> = [
  ['command', 'strings'], ['args', 'strings'], ['env', 'list'], ['envFrom', 'list'], ['volumeMounts', 'list'], ['ports', 'list'],
  ['resources', 'object'], ['securityContext', 'object'], ['name', 'string'], ['image', 'string'],
];

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value} (${JSON.stringify(value).slice(0, 40)})`;
}

function fits(value: unknown, shape: Shape): boolean {
  switch (shape) {
    case 'list': return Array.isArray(value);
    case 'object': return value !== null && typeof value === 'object' && !Array.isArray(value);
    case 'string': return typeof value === 'string';
    case 'strings': return Array.isArray(value) && value.every((v) => typeof v === 'string');
  }
}

/**
 * A field the apiserver decodes into a list, an object or a string holds another type
 * (`tolerations: "gpu"`). The apiserver refuses the object ("cannot unmarshal string into Go
 * struct field"); lint reports the field, and the other rules skip the object, whose shape
 * they cannot read.
 */
export const fieldTypes: Rule = {
  id: 'field-types',
  sources: [SOURCES.podDefaults],
  kinds: [WORKLOADS],
  severity: 'error',
  gatesOthers: true,
  refusedBy: 'the apiserver',
  what: 'A field of a workload that Kubernetes decodes as a list, an object or a string has another type (tolerations: "gpu", env: "x", a number as schedule).',
  why: 'The apiserver cannot decode the object and refuses it; nothing else about it can be judged until it can be read.',
  fix: 'Write the field in the type the API defines (kubectl explain <kind>.<field>): a list of objects, a map, or a string.',
  example: `spec:
  template:
    spec:
      tolerations: "nvidia.com/gpu"   # a list of tolerations`,
  check(object, context) {
    const messages: RuleMessage[] = [];
    const check = (value: unknown, shape: Shape, path: FieldPath) => {
      if (value === undefined || fits(value, shape)) return true;
      const explain = `${String(object?.kind ?? 'object').toLowerCase()}.${pathText(path.filter((key) => typeof key === 'string'))}`;
      messages.push(at(path, `${pathText(path)} is ${kindOf(value)}; Kubernetes expects ${EXPECTED[shape]} there.`,
        `Write ${pathText(path)} as ${EXPECTED[shape]} (kubectl explain ${explain}).`));
      return false;
    };
    if (!check(object?.spec, 'object', ['spec'])) return messages;
    if (object?.kind === 'CronJob') {
      check(object.spec?.schedule, 'string', ['spec', 'schedule']);
      check(object.spec?.timeZone, 'string', ['spec', 'timeZone']);
      if (!check(object.spec?.jobTemplate, 'object', ['spec', 'jobTemplate'])) return messages;
      if (!check(object.spec?.jobTemplate?.spec, 'object', ['spec', 'jobTemplate', 'spec'])) return messages;
    }
    const job = jobSpecOf(object);
    if (job !== undefined) {
      const keys = jobSpecKeys(object);
      if (check(job.podFailurePolicy, 'object', [...keys, 'podFailurePolicy'])) check(job.podFailurePolicy?.rules, 'list', [...keys, 'podFailurePolicy', 'rules']);
      if (!check(job.template, 'object', [...keys, 'template'])) return messages;
    }
    for (const ref of context.workloads.podTemplatesOf(object)) {
      if (!check(ref.template, 'object', ref.keys)) continue;
      if (!check(ref.template.spec, 'object', [...ref.keys, 'spec'])) continue;
      const podKeys = [...ref.keys, 'spec'];
      const spec = ref.template.spec ?? {};
      for (const [field, shape] of POD_FIELDS) check(spec[field], shape, [...podKeys, field]);
      for (const list of ['containers', 'initContainers']) {
        if (!Array.isArray(spec[list])) continue;
        spec[list].forEach((container: unknown, i: number) => {
          if (!check(container, 'object', [...podKeys, list, i])) return;
          for (const [field, shape] of CONTAINER_FIELDS) check((container as any)[field], shape, [...podKeys, list, i, field]);
          const resources = (container as any).resources;
          if (fits(resources, 'object')) {
            for (const field of ['limits', 'requests']) check(resources[field], 'object', [...podKeys, list, i, 'resources', field]);
          }
        });
      }
    }
    return messages;
  },
};
