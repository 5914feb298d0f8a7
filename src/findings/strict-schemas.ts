/*
 * Strict schema validation (`cdk8s-training lint --strict`, and the tests' conformance check):
 * each object against the OpenAPI definitions the pinned apiserver publishes, or against its
 * CRD's structural schema, with unknown fields as errors, as `kubectl apply --validate=strict`
 * and the apiserver's field validation treat them. The schemas are
 * schemas/strict-schemas.json.gz, written by scripts/strict-schemas.js from the Go modules the
 * cluster suite pins (never a copy); ajv validates. Both load on first use.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';

/** Where the build writes the schemas (package root, beside lib/). */
export const STRICT_SCHEMAS_FILE = path.resolve(__dirname, '..', '..', 'schemas', 'strict-schemas.json.gz');

/** The finding id of strict schema validation (`lint --strict`, the plugin's `strict`). */
export const STRICT_SCHEMA = 'strict-schema';

/** What to do about a field the schema refuses. */
export const STRICT_SCHEMA_FIX = 'Correct the field as the Kubernetes API defines it: kubectl apply refuses unknown fields ' +
  '(its --validate=strict default) and wrong types.';

/** What to do about an object of a kind no schema knows. */
export const UNKNOWN_KIND_FIX = 'Validate it against its own CRD (kubeconform with the CRD schema, or kubectl apply --dry-run=server).';

/** One field of an object that the schema refuses. */
export interface SchemaProblem {
  /** JSON path of the field (for an unknown field, the field itself). */
  readonly path: Array<string | number>;
  readonly message: string;
  /** Whether the field's name is the problem (an unknown field), not its value. */
  readonly unknownField: boolean;
}

/** A problem as one line: the field's path, then what is wrong with it. */
export function describeProblem(problem: SchemaProblem): string {
  return `${problem.path.length > 0 ? problem.path.join('.') : '(object)'}: ${problem.message}.`;
}

/** Where the schemas came from: module and version of each. */
export interface SchemaSource {
  readonly module: string;
  readonly version: string;
  readonly kinds: string[];
}

const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';

type Validate = ((data: any) => boolean) & { errors?: any[] | null };

/** The strict schemas, loaded from the generated file; `StrictSchemas.load()` caches them. */
export class StrictSchemas {
  /** The schemas in `file` (default: the package's), or undefined when the file is not there. */
  public static load(file: string = STRICT_SCHEMAS_FILE): StrictSchemas | undefined {
    const cached = StrictSchemas.cache.get(file);
    if (cached !== undefined) return cached;
    if (!fs.existsSync(file)) return undefined;
    const schemas = new StrictSchemas(JSON.parse(zlib.gunzipSync(fs.readFileSync(file)).toString('utf8')));
    StrictSchemas.cache.set(file, schemas);
    return schemas;
  }

  private static readonly cache = new Map<string, StrictSchemas>();

  /** Kubernetes version of the built-in definitions, e.g. `v1.37.2`. */
  public readonly kubernetesVersion: string;
  /** Every module the schemas were read from. */
  public readonly sources: SchemaSource[];
  private readonly bundle: any;
  private ajv: any;
  private readonly definitionOf = new Map<string, string>();
  private readonly crdOf = new Map<string, any>();
  private readonly validators = new Map<string, Validate>();
  private definitions?: { [name: string]: any };

  private constructor(bundle: any) {
    this.bundle = bundle;
    this.kubernetesVersion = bundle.kubernetes.version;
    for (const [name, schema] of Object.entries<any>(bundle.kubernetes.definitions)) {
      for (const gvk of schema['x-kubernetes-group-version-kind'] ?? []) {
        const key = `${gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version}/${gvk.kind}`;
        if (!this.definitionOf.has(key)) this.definitionOf.set(key, name);
      }
    }
    const sources = new Map<string, SchemaSource>();
    sources.set(bundle.kubernetes.module, { module: bundle.kubernetes.module, version: bundle.kubernetes.version, kinds: ['built-in kinds'] });
    for (const crd of bundle.crds) {
      for (const version of crd.versions) this.crdOf.set(`${crd.group}/${version.name}/${crd.kind}`, version.schema);
      const source = sources.get(crd.module) ?? { module: crd.module, version: crd.version, kinds: [] as string[] };
      source.kinds.push(crd.kind);
      sources.set(crd.module, source);
    }
    this.sources = [...sources.values()];
  }

  /** What is said of an object of a kind no schema knows. */
  public unknownKind(object: any): string {
    const crds = this.sources.filter((s) => s.module !== this.bundle.kubernetes.module).map((s) => `${s.module}@${s.version}`).join(', ');
    return `no schema knows ${object?.apiVersion} ${object?.kind}, so it was not validated strictly ` +
      `(--strict knows the Kubernetes ${this.kubernetesVersion} kinds and the CRDs of ${crds}).`;
  }

  /** Whether there is a schema for the object's apiVersion and kind. */
  public knows(object: any): boolean {
    const key = `${object?.apiVersion}/${object?.kind}`;
    return this.definitionOf.has(key) || this.crdOf.has(key);
  }

  /** The object's fields the schema refuses (empty when it conforms), or undefined when no schema knows its kind. */
  public problems(object: any): SchemaProblem[] | undefined {
    const validate = this.validatorFor(`${object?.apiVersion}/${object?.kind}`);
    if (validate === undefined) return undefined;
    if (validate(object)) return [];
    const seen = new Set<string>();
    const problems: SchemaProblem[] = [];
    for (const error of validate.errors ?? []) {
      const fieldPath: Array<string | number> = String(error.instancePath).split('/').slice(1)
        .map((part: string) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
        .map((part: string) => (/^\d+$/.test(part) ? Number(part) : part));
      let message: string;
      if (error.keyword === 'additionalProperties') {
        fieldPath.push(error.params.additionalProperty);
        message = `unknown field "${error.params.additionalProperty}"`;
      } else if (error.keyword === 'required') {
        message = `required field "${error.params.missingProperty}" is missing`;
      } else if (error.keyword === 'enum') {
        message = `${error.message}: ${(error.params.allowedValues ?? []).map((v: any) => JSON.stringify(v)).join(', ')}`;
      } else {
        message = String(error.message);
      }
      const key = `${fieldPath.join('.')}\u0000${message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      problems.push({ path: fieldPath, message, unknownField: error.keyword === 'additionalProperties' });
    }
    return problems;
  }

  private validatorFor(key: string): Validate | undefined {
    const cached = this.validators.get(key);
    if (cached !== undefined) return cached;
    const definition = this.definitionOf.get(key);
    const crd = this.crdOf.get(key);
    if (definition === undefined && crd === undefined) return undefined;
    const ajv = this.validatorEngine();
    let validate: Validate;
    if (definition !== undefined) {
      validate = ajv.getSchema(`k8s#/definitions/${definition}`);
    } else {
      const schema = strict(crd, true);
      // metadata of a custom resource is an ObjectMeta; the CRD itself only says "object".
      schema.properties = { ...schema.properties, metadata: { $ref: 'k8s#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' } };
      validate = ajv.compile(schema);
    }
    this.validators.set(key, validate);
    return validate;
  }

  /**
   * The schema a built-in kind is validated against, as one standalone JSON Schema document
   * (draft 4: the kind's definition and every definition it refers to), for other validators
   * such as kubeconform; undefined for a kind that is not built in.
   */
  public standalone(apiVersion: string, kind: string): any {
    const root = this.definitionOf.get(`${apiVersion}/${kind}`);
    if (root === undefined) return undefined;
    const definitions = this.strictDefinitions();
    const needed = new Set<string>([root]);
    const visit = (node: any): void => {
      if (Array.isArray(node)) {
        node.forEach(visit);
      } else if (node !== null && typeof node === 'object') {
        for (const [key, value] of Object.entries(node)) {
          if (key === '$ref' && typeof value === 'string') {
            const name = value.replace('#/definitions/', '');
            if (!needed.has(name)) {
              needed.add(name);
              visit(definitions[name]);
            }
          } else {
            visit(value);
          }
        }
      }
    };
    visit(definitions[root]);
    return { $ref: `#/definitions/${root}`, definitions: Object.fromEntries([...needed].sort().map((name) => [name, definitions[name]])) };
  }

  /** The built-in definitions made strict, as ajv validates them. */
  private strictDefinitions(): { [name: string]: any } {
    if (this.definitions === undefined) {
      const definitions = strict(this.bundle.kubernetes.definitions, false);
      // The apiserver reads a quantity from a YAML number too (`nvidia.com/gpu: 1`); OpenAPI v2 says string.
      const { type: _string, ...quantity } = definitions[QUANTITY];
      definitions[QUANTITY] = { ...quantity, anyOf: [{ type: 'string' }, { type: 'number' }] };
      this.definitions = definitions;
    }
    return this.definitions!;
  }

  private validatorEngine(): any {
    if (this.ajv === undefined) {
      // ajv loads only when a strict check runs: lint without --strict and synth never pay for it.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const Ajv = require('ajv').default;
      // Formats (int32, int-or-string, date-time...) are not checked: the apiserver checks types.
      this.ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
      this.ajv.addSchema({ $id: 'k8s', definitions: this.strictDefinitions() });
    }
    return this.ajv;
  }
}

/**
 * A schema made strict: additionalProperties false wherever an object lists its properties
 * and says nothing of others. An int-or-string (OpenAPI v2 `format: int-or-string`, CRD
 * `x-kubernetes-int-or-string`) is string-or-integer; in CRD structural schemas (`crd`),
 * x-kubernetes-preserve-unknown-fields stays open and `nullable` admits null.
 */
export function strict(node: any, crd: boolean): any {
  if (Array.isArray(node)) return node.map((item) => strict(item, crd));
  if (node === null || typeof node !== 'object') return node;
  const out: any = {};
  for (const key of Object.keys(node)) {
    const value = node[key];
    out[key] = key === 'properties' && value !== null && typeof value === 'object'
      ? Object.fromEntries(Object.keys(value).map((name) => [name, strict(value[name], crd)]))
      : strict(value, crd);
  }
  if (crd ? out['x-kubernetes-int-or-string'] : out.format === 'int-or-string') {
    delete out.type;
    out.anyOf = [{ type: 'string' }, { type: 'integer' }];
  }
  if (crd && out.nullable === true && typeof out.type === 'string') {
    out.type = [out.type, 'null'];
  }
  if (out.properties && out.additionalProperties === undefined && !(crd && out['x-kubernetes-preserve-unknown-fields'])) {
    out.additionalProperties = false;
  }
  return out;
}
