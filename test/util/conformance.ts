/**
 * Strict conformance of synthesized objects: each object is validated against the OpenAPI
 * the pinned apiserver publishes (k8s.io/kubernetes in cluster/go.mod) or its CRD from the
 * pinned operator module (cluster/operators/go.mod), with unknown fields as errors, through
 * the same StrictSchemas as `lint --strict`, and then against the library's error-level
 * RULEBOOK rules. `npm test` writes the schemas first (`npx projen schemas`, which needs Go);
 * without them the schema half says it is skipped, and fails where every suite must run.
 */
import { KubernetesVersion } from '../../src/blocks/kubernetes-version';
import { contextFor, evaluate } from '../../src/findings/evaluate';
import { STRICT_SCHEMAS_FILE, StrictSchemas } from '../../src/findings/strict-schemas';

const schemas = StrictSchemas.load();

/** Whether the strict schemas are there; without them the schema check is skipped, never passed. */
export const SCHEMAS_AVAILABLE = schemas !== undefined;

let skipNoted = false;

const MISSING = `strict schema check cannot run: ${STRICT_SCHEMAS_FILE} is missing (npx projen schemas writes it; it needs Go)`;

/**
 * `test` for a test that needs the strict schemas: skipped (and said so) without them, and a
 * failure where every suite must run (REQUIRE_ALL_SUITES).
 */
export const testWithSchemas: (name: string, fn: jest.ProvidesCallback) => void = SCHEMAS_AVAILABLE ? (name, fn) => test(name, fn)
  : process.env.REQUIRE_ALL_SUITES ? (name) => test(name, () => { throw new Error(MISSING); })
    : (name) => test.skip(`${name} (SKIPPED: no strict schemas)`, () => undefined);

/** Schema errors of one object, as readable lines (empty when it conforms). */
export function schemaErrors(object: any): string[] {
  const id = `${object?.kind}/${object?.metadata?.name}`;
  const problems = schemas!.problems(object);
  if (problems === undefined) return [`${id}: no schema for ${object?.apiVersion} ${object?.kind}`];
  return problems.map((p) => `${id}/${p.path.join('/')}: ${p.message}`);
}

export interface ConformanceOptions {
  /** Kubernetes minor version the rules check against. @default the library's default target */
  readonly kubernetesMinor?: number;
  /** Rules acknowledged by the construct under test. */
  readonly acknowledged?: string[];
}

/**
 * Asserts that every object conforms: strict schema (when the schemas are there) and no
 * error-level rule finding.
 */
export function expectConformant(objects: any[], options: ConformanceOptions = {}): void {
  expect(objects.length).toBeGreaterThan(0);
  if (SCHEMAS_AVAILABLE) {
    expect(objects.flatMap(schemaErrors)).toEqual([]);
  } else if (process.env.REQUIRE_ALL_SUITES) {
    throw new Error(MISSING);
  } else if (!skipNoted) {
    skipNoted = true;
    process.stderr.write(`SKIPPED: strict schema check, ${STRICT_SCHEMAS_FILE} not found: run 'npx projen schemas' (needs Go). Rules still run.\n`);
  }
  const context = contextFor(objects, options.kubernetesMinor ?? KubernetesVersion.DEFAULT.minor);
  const errors = evaluate(objects, context, new Set(options.acknowledged ?? [])).filter((f) => f.severity === 'error');
  expect(errors).toEqual([]);
}
