/*
 * Strict schema validation (`cdk8s-training lint --strict`, and the tests' conformance check):
 * each object against the OpenAPI definitions the pinned apiserver publishes, or against its
 * CRD's structural schema, with unknown fields as errors, as `kubectl apply --validate=strict`
 * and the apiserver's field validation treat them. The schemas are
 * schemas/strict-schemas.json.gz, written by scripts/strict-schemas.js from the Go modules the
 * cluster suite pins (never a copy); ajv validates. Both load on first use.
 *
 * Compiling a kind's schema is most of a short run's cost (a Job and everything it refers to:
 * about half a second), so the same script also writes the validators of the kinds training
 * manifests are made of, compiled by ajv with the options used here and written as ajv's
 * standalone code (schemas/strict-validators.js.gz); a kind not among them is compiled on first
 * use, as before. The validators name the digest of the schemas they were compiled from and are
 * used only with those.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';

/** Where the build writes the schemas (package root, beside lib/). */
export const STRICT_SCHEMAS_FILE = path.resolve(__dirname, '..', '..', 'schemas', 'strict-schemas.json.gz');

/** The validators compiled from them at build time, beside them. */
export function precompiledFile(schemasFile: string): string {
  return schemasFile.replace(/strict-schemas\.json\.gz$/, 'strict-validators.js.gz');
}

/**
 * The kinds whose validators the build compiles ahead (apiVersion/kind): the workload kinds
 * lint's rules read, and the built-in kinds that sit beside them in a training repository. The
 * operators' kinds are not among them: each CRD inlines its pod templates, and their standalone
 * validators would add about 10 MB to the package.
 */
export const PRECOMPILED_KINDS: readonly string[] = [
  'batch/v1/Job', 'batch/v1/CronJob', 'v1/Pod', 'v1/ConfigMap', 'v1/Secret', 'v1/Service',
  'v1/PersistentVolumeClaim', 'v1/ServiceAccount', 'v1/Namespace', 'scheduling.k8s.io/v1/PriorityClass',
];

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

/**
 * ajv's options, the same for a kind compiled now and one compiled at build time. Formats
 * (int32, int-or-string, date-time...) are not checked: the apiserver checks types. The schemas
 * are not checked against JSON Schema's meta-schema on every load (test/strict-schemas.test.ts
 * does that once), and ajv's code optimisation, which makes compiling twice as slow, is off: it
 * does not make these validators faster.
 */
function ajvOptions(source: boolean): any {
  return { strict: false, allErrors: true, validateFormats: false, validateSchema: false, code: { optimize: false, source } };
}

/** The digest of a schemas file's bytes, which the validators compiled from it carry. */
function digestOf(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The strict schemas, loaded from the generated file; `StrictSchemas.load()` caches them. */
export class StrictSchemas {
  /** The schemas in `file` (default: the package's), or undefined when the file is not there. */
  public static load(file: string = STRICT_SCHEMAS_FILE): StrictSchemas | undefined {
    const cached = StrictSchemas.cache.get(file);
    if (cached !== undefined) return cached;
    if (!fs.existsSync(file)) return undefined;
    const data = fs.readFileSync(file);
    const schemas = new StrictSchemas(JSON.parse(zlib.gunzipSync(data).toString('utf8')), digestOf(data), precompiledFile(file));
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
  private readonly digest: string;
  private readonly precompiledPath: string;
  private precompiled?: { [key: string]: Validate };

  private constructor(bundle: any, digest: string, precompiledPath: string) {
    this.bundle = bundle;
    this.digest = digest;
    this.precompiledPath = precompiledPath;
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
    if (!this.definitionOf.has(key) && !this.crdOf.has(key)) return undefined;
    const validate = this.precompiledValidators()[key] ?? this.compile(this.validatorEngine(false), key);
    this.validators.set(key, validate);
    return validate;
  }

  /** The kind's validator compiled by `ajv` (which holds the built-in definitions). */
  private compile(ajv: any, key: string): Validate {
    const definition = this.definitionOf.get(key);
    if (definition !== undefined) return ajv.getSchema(`k8s#/definitions/${definition}`);
    const schema = strict(this.crdOf.get(key), true);
    // metadata of a custom resource is an ObjectMeta; the CRD itself only says "object".
    schema.properties = { ...schema.properties, metadata: { $ref: 'k8s#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' } };
    return ajv.compile(schema);
  }

  /** The kinds (apiVersion/kind) whose validators were compiled ahead from these very schemas. */
  public compiledAhead(): string[] {
    return Object.keys(this.precompiledValidators());
  }

  /**
   * The validators the build compiled from these schemas, by apiVersion/kind: none when the
   * file is missing or was compiled from other schemas (then each kind compiles on first use).
   */
  private precompiledValidators(): { [key: string]: Validate } {
    if (this.precompiled === undefined) {
      this.precompiled = {};
      if (fs.existsSync(this.precompiledPath)) {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const Module: typeof import('module') = require('module');
        const compiled = new Module(this.precompiledPath, module);
        compiled.filename = this.precompiledPath;
        // The standalone code requires ajv's runtime helpers, found from this package.
        compiled.paths = module.paths;
        (compiled as any)._compile(zlib.gunzipSync(fs.readFileSync(this.precompiledPath)).toString('utf8'), this.precompiledPath);
        const exported = compiled.exports as { digest?: string; validators?: { [key: string]: Validate } };
        if (exported.digest === this.digest && exported.validators !== undefined) this.precompiled = exported.validators;
      }
    }
    return this.precompiled;
  }

  /**
   * The validators of `kinds` (apiVersion/kind; default PRECOMPILED_KINDS) as the source of one
   * CommonJS module, ajv's standalone code: what the build writes beside the schemas. The module
   * exports `digest` (of the schemas file) and `validators` by apiVersion/kind.
   */
  public precompiledSource(kinds: readonly string[] = PRECOMPILED_KINDS): string {
    const ajv = this.validatorEngine(true);
    const exports: { [name: string]: string } = {};
    kinds.forEach((key, index) => {
      const definition = this.definitionOf.get(key);
      if (definition === undefined) throw new Error(`strict schemas: ${key} is not a built-in kind, so it is not compiled ahead`);
      exports[`v${index}`] = `k8s#/definitions/${definition}`;
    });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const standaloneCode = require('ajv/dist/standalone').default;
    const code: string = standaloneCode(ajv, exports);
    const table = kinds.map((key, index) => `${JSON.stringify(key)}: exports.v${index}`).join(', ');
    return `${code}\nmodule.exports = { digest: ${JSON.stringify(this.digest)}, validators: { ${table} } };\n`;
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

  /** ajv holding the built-in definitions; `source` for one whose code can be written out (build time). */
  private validatorEngine(source: boolean): any {
    if (source || this.ajv === undefined) {
      // ajv loads only when a strict check runs: lint without --strict and synth never pay for it.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const Ajv = require('ajv').default;
      const ajv = new Ajv(ajvOptions(source));
      ajv.addSchema({ $id: 'k8s', definitions: this.strictDefinitions() });
      if (source) return ajv;
      this.ajv = ajv;
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
