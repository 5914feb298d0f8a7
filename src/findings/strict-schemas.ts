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
 * standalone code (schemas/strict-validators/, in a few modules, each loaded when an
 * object of one of its kinds is first seen); a kind not among them is compiled by ajv on first
 * use. The file names the digest of the schemas its validators were compiled from, and is used
 * only with those.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';

/** Where the build writes the schemas (package root, beside lib/). */
export const STRICT_SCHEMAS_FILE = path.resolve(__dirname, '..', '..', 'schemas', 'strict-schemas.json.gz');

/** The validators compiled from them at build time, beside them. */
export function precompiledDir(schemasFile: string): string {
  return schemasFile.replace(/strict-schemas\.json\.gz$/, 'strict-validators');
}

/**
 * The kinds whose validators the build compiles ahead (apiVersion/kind), in modules compiled
 * together (kinds in one module share the code of what they refer to; a module is loaded when
 * the first object of one of its kinds is validated): the built-in kinds of a training
 * repository, then the operators' workload kinds at the versions the engines write (each CRD
 * inlines its pod templates: about 2 MB of code apiece). Older CRD versions and Kueue's kinds
 * are compiled on first use.
 */
export const PRECOMPILED_MODULES: ReadonlyArray<readonly string[]> = [
  ['batch/v1/Job', 'batch/v1/CronJob', 'v1/Pod', 'v1/ConfigMap', 'v1/Secret', 'v1/Service',
    'v1/PersistentVolumeClaim', 'v1/ServiceAccount', 'v1/Namespace', 'scheduling.k8s.io/v1/PriorityClass'],
  ['kubeflow.org/v1/PyTorchJob'],
  ['jobset.x-k8s.io/v1alpha2/JobSet'],
  ['trainer.kubeflow.org/v1alpha1/TrainJob', 'trainer.kubeflow.org/v1alpha1/TrainingRuntime', 'trainer.kubeflow.org/v1alpha1/ClusterTrainingRuntime'],
];

/** Every kind of PRECOMPILED_MODULES. */
export const PRECOMPILED_KINDS: readonly string[] = PRECOMPILED_MODULES.flat();

/** A compiled-ahead file: the digest of the schemas it was compiled from, and its modules. */
export interface PrecompiledValidators {
  readonly digest: string;
  /** Each module's kinds (apiVersion/kind) and its CommonJS source, which exports `v<i>` for its i-th kind. */
  readonly modules: ReadonlyArray<{ readonly kinds: readonly string[]; readonly source: string }>;
}

/** Brotli with a window that spans the modules (they repeat the same pod template code), at a quality that compresses in a second. */
const BROTLI = { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 9, [zlib.constants.BROTLI_PARAM_LGWIN]: 24 } };

/**
 * The compiled-ahead files, by name (the build writes them into precompiledDir): index.json
 * (the digest, and each module's kinds) and each module's source, compressed on its own, so a
 * run decompresses the modules of the kinds it validates only.
 */
export function encodePrecompiled(validators: PrecompiledValidators): { [name: string]: Buffer } {
  const files: { [name: string]: Buffer } = {};
  const index = { digest: validators.digest, modules: validators.modules.map((m, i) => ({ kinds: m.kinds, file: `${i}.js.br` })) };
  files['index.json'] = Buffer.from(`${JSON.stringify(index, undefined, 1)}\n`);
  validators.modules.forEach((m, i) => { files[`${i}.js.br`] = zlib.brotliCompressSync(Buffer.from(m.source), BROTLI); });
  return files;
}

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
    const schemas = new StrictSchemas(JSON.parse(zlib.gunzipSync(data).toString('utf8')), digestOf(data), precompiledDir(file));
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
  private ahead?: { modules: Array<{ kinds: string[]; file: string }>; loaded: Map<number, any> };

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
    const validate = this.precompiledValidator(key) ?? this.compile(this.validatorEngine(), key);
    this.validators.set(key, validate);
    return validate;
  }

  /** The kind's validator compiled by `ajv` (which holds the built-in definitions); a CRD's schema under `id` when given. */
  private compile(ajv: any, key: string, id?: string): Validate {
    const definition = this.definitionOf.get(key);
    if (definition !== undefined) return ajv.getSchema(`k8s#/definitions/${definition}`);
    const schema = strict(this.crdOf.get(key), true);
    // metadata of a custom resource is an ObjectMeta; the CRD itself only says "object".
    schema.properties = { ...schema.properties, metadata: { $ref: 'k8s#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' } };
    if (id === undefined) return ajv.compile(schema);
    ajv.addSchema({ ...schema, $id: id });
    return ajv.getSchema(id);
  }

  /** The kinds (apiVersion/kind) whose validators were compiled ahead from these very schemas. */
  public compiledAhead(): string[] {
    return this.precompiled().modules.flatMap((m) => [...m.kinds]);
  }

  /**
   * The validators the build compiled from these schemas: none when the file is missing or was
   * compiled from other schemas (then each kind is compiled on first use).
   */
  private precompiled(): NonNullable<StrictSchemas['ahead']> {
    if (this.ahead === undefined) {
      this.ahead = { modules: [], loaded: new Map() };
      const index = path.join(this.precompiledPath, 'index.json');
      if (fs.existsSync(index)) {
        const file = JSON.parse(fs.readFileSync(index, 'utf8'));
        if (file.digest === this.digest) this.ahead.modules = file.modules;
      }
    }
    return this.ahead;
  }

  /** The kind's validator compiled ahead, from its module (loaded on first use); undefined if there is none. */
  private precompiledValidator(key: string): Validate | undefined {
    const ahead = this.precompiled();
    const index = ahead.modules.findIndex((m) => m.kinds.includes(key));
    if (index < 0) return undefined;
    let exported = ahead.loaded.get(index);
    if (exported === undefined) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const Module: typeof import('module') = require('module');
      const name = path.join(this.precompiledPath, ahead.modules[index].file);
      const compiled = new Module(name, module);
      compiled.filename = name;
      // The standalone code requires ajv's runtime helpers, found from this package.
      compiled.paths = module.paths;
      (compiled as any)._compile(zlib.brotliDecompressSync(fs.readFileSync(name)).toString('utf8'), name);
      exported = compiled.exports;
      ahead.loaded.set(index, exported);
    }
    return exported[`v${ahead.modules[index].kinds.indexOf(key)}`];
  }

  /**
   * The validators of `modules` (default PRECOMPILED_MODULES) compiled now, each module by one
   * ajv into its standalone code: what the build writes beside the schemas.
   */
  public compileAhead(modules: ReadonlyArray<readonly string[]> = PRECOMPILED_MODULES): PrecompiledValidators {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const standaloneCode = require('ajv/dist/standalone').default;
    return {
      digest: this.digest,
      modules: modules.map((kinds) => {
        const ajv = this.newAjv(true);
        const refs: { [name: string]: string } = {};
        kinds.forEach((key, i) => {
          const definition = this.definitionOf.get(key);
          if (definition === undefined && !this.crdOf.has(key)) throw new Error(`strict schemas: no schema for ${key} to compile ahead`);
          // A CRD's schema gets an id without slashes, which would make its references to k8s relative.
          refs[`v${i}`] = definition !== undefined ? `k8s#/definitions/${definition}` : `crd-${key.replace(/\//g, '_')}`;
          this.compile(ajv, key, refs[`v${i}`]);
        });
        return { kinds: [...kinds], source: standaloneCode(ajv, refs) as string };
      }),
    };
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

  /** The ajv that compiles kinds on first use, made once. */
  private validatorEngine(): any {
    this.ajv ??= this.newAjv(false);
    return this.ajv;
  }

  /** A new ajv holding the built-in definitions; with `source`, one whose code can be written out (build time). */
  private newAjv(source: boolean): any {
    // ajv loads only when a strict check runs: lint without --strict and synth never pay for it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Ajv = require('ajv').default;
    const ajv = new Ajv(ajvOptions(source));
    ajv.addSchema({ $id: 'k8s', definitions: this.strictDefinitions() });
    return ajv;
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
