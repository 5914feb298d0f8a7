/**
 * Strict conformance of synthesized objects: each object is validated against the
 * Kubernetes 1.28 OpenAPI definitions (chosen by x-kubernetes-group-version-kind) or the
 * CRD in ../shared/crds, with unknown fields as errors, and then against the library's
 * error-level RULEBOOK rules. Where ../shared is absent the schema half says it is skipped.
 */
import * as fs from 'fs';
import * as path from 'path';
import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { parseAllDocuments } from 'yaml';
import { KubernetesVersion } from '../../src/kubernetes-version';
import { contextFor, evaluate } from '../../src/rules/engine';

export const SHARED_DIR = path.resolve(__dirname, '..', '..', '..', 'shared');
const DEFINITIONS = path.join(SHARED_DIR, 'k8s-schemas', 'v1.28.0', '_definitions.json');
const CRD_DIR = path.join(SHARED_DIR, 'crds');

/** Whether ../shared is there; without it the schema check is skipped, never passed. */
export const SHARED_AVAILABLE = fs.existsSync(DEFINITIONS);

let validators: Map<string, ValidateFunction> | undefined;
let skipNoted = false;

function newAjv(): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  for (const format of ['int32', 'int64', 'double', 'float', 'byte', 'int-or-string']) {
    ajv.addFormat(format, true);
  }
  return ajv;
}

/**
 * Makes a schema strict: additionalProperties false wherever an object lists its properties.
 * For CRD structural schemas (`crd`), x-kubernetes-preserve-unknown-fields stays open and
 * x-kubernetes-int-or-string becomes string-or-integer.
 */
function strict(node: any, crd: boolean): any {
  if (Array.isArray(node)) return node.map((item) => strict(item, crd));
  if (node === null || typeof node !== 'object') return node;
  const out: any = {};
  for (const [key, value] of Object.entries(node)) {
    out[key] = key === 'properties'
      ? Object.fromEntries(Object.entries(value as any).map(([name, schema]) => [name, strict(schema, crd)]))
      : strict(value, crd);
  }
  if (crd && out['x-kubernetes-int-or-string']) {
    delete out.type;
    out.anyOf = [{ type: 'string' }, { type: 'integer' }];
  }
  if (out.properties && out.additionalProperties === undefined && !(crd && out['x-kubernetes-preserve-unknown-fields'])) {
    out.additionalProperties = false;
  }
  return out;
}

function loadValidators(): Map<string, ValidateFunction> {
  if (validators) return validators;
  const ajv = newAjv();
  const definitions = JSON.parse(fs.readFileSync(DEFINITIONS, 'utf8')).definitions;
  ajv.addSchema({ $id: 'k8s', definitions: strict(definitions, false) });
  const result = new Map<string, ValidateFunction>();
  for (const [name, schema] of Object.entries<any>(definitions)) {
    for (const gvk of schema['x-kubernetes-group-version-kind'] ?? []) {
      const apiVersion = gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;
      const key = `${apiVersion}/${gvk.kind}`;
      if (!result.has(key)) {
        result.set(key, ajv.getSchema(`k8s#/definitions/${name}`)!);
      }
    }
  }
  for (const file of fs.readdirSync(CRD_DIR).filter((f) => f.endsWith('.yaml'))) {
    for (const doc of parseAllDocuments(fs.readFileSync(path.join(CRD_DIR, file), 'utf8'))) {
      const crd = doc.toJS();
      if (crd?.kind !== 'CustomResourceDefinition') continue;
      for (const version of crd.spec.versions) {
        const schema = strict(version.schema.openAPIV3Schema, true);
        // metadata of a custom resource is an ObjectMeta; the CRD only says "object".
        schema.properties.metadata = { $ref: 'k8s#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' };
        result.set(`${crd.spec.group}/${version.name}/${crd.spec.names.kind}`, ajv.compile(schema));
      }
    }
  }
  validators = result;
  return result;
}

/** Schema errors of one object, as readable lines (empty when it conforms). */
export function schemaErrors(object: any): string[] {
  const validate = loadValidators().get(`${object?.apiVersion}/${object?.kind}`);
  const id = `${object?.kind}/${object?.metadata?.name}`;
  if (!validate) return [`${id}: no schema for ${object?.apiVersion} ${object?.kind} in ../shared`];
  if (validate(object)) return [];
  return (validate.errors ?? []).map((e) => {
    const extra = e.params && (e.params as any).additionalProperty ? ` '${(e.params as any).additionalProperty}'` : '';
    return `${id}${e.instancePath || '/'}: ${e.message}${extra}`;
  });
}

export interface ConformanceOptions {
  /** Kubernetes minor version the rules check against. @default the library's default target */
  readonly kubernetesMinor?: number;
  /** Rules acknowledged by the construct under test. */
  readonly acknowledged?: string[];
}

/**
 * Asserts that every object conforms: strict schema (when ../shared is present) and no
 * error-level rule finding.
 */
export function expectConformant(objects: any[], options: ConformanceOptions = {}): void {
  expect(objects.length).toBeGreaterThan(0);
  if (SHARED_AVAILABLE) {
    expect(objects.flatMap(schemaErrors)).toEqual([]);
  } else if (!skipNoted) {
    skipNoted = true;
    process.stderr.write(`SKIPPED: strict schema check, ${SHARED_DIR} not found (rules still run)\n`);
  }
  const context = contextFor(objects, options.kubernetesMinor ?? KubernetesVersion.DEFAULT.minor);
  const errors = evaluate(objects, context, new Set(options.acknowledged ?? [])).filter((f) => f.severity === 'error');
  expect(errors).toEqual([]);
}
