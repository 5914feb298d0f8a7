/**
 * Findings with a place: the strict schemas and the rules over objects read from manifests,
 * each finding at the line and column of the field it is about (a missing field at its
 * nearest parent), at the severity the configuration gives. lint and the validation plugin
 * both report through here, so they report the same findings at the same lines.
 */
import { DEFAULT_CONFIG, LintConfig } from './config';
import { checkedBeyondMetadata, contextFor, evaluate } from './evaluate';
import { LintFinding, LoadedObject } from './manifests';
import { describeProblem, STRICT_SCHEMA, STRICT_SCHEMA_FIX, StrictSchemas, UNKNOWN_KIND_FIX } from './strict-schemas';
import { FieldPath } from '../k8s/paths';
import { describe } from '../k8s/workloads';

export interface CheckOptions {
  readonly kubernetesMinor: number;
  /** Rules and severities (`.cdk8s-training.yaml`, or the plugin's properties). */
  readonly config?: LintConfig;
  /** Also validate every object strictly against these schemas (`--strict`). */
  readonly strict?: StrictSchemas;
}

export interface CheckResult {
  readonly findings: LintFinding[];
  /** Objects of kinds no rule checks beyond their metadata. */
  readonly unchecked: number;
  /** With strict schemas: objects of kinds no schema knows. */
  readonly unknownKinds: number;
}

/** The line and column of `path` in a loaded object (a missing field at its nearest parent), else the object's. */
export function positionIn(entry: LoadedObject, path: FieldPath | undefined, key = false): { line?: number; column?: number } {
  let at: { line?: number; column?: number } | undefined;
  for (let n = path?.length ?? 0; at === undefined && n > 0; n--) {
    at = entry.positionOf?.(path!.slice(0, n), key && n === path!.length);
  }
  return at ?? { line: entry.line, column: entry.column };
}

/** Runs the strict schemas (when given) and the configured rules over every loaded object, in order. */
export function checkLoaded(loaded: LoadedObject[], options: CheckOptions): CheckResult {
  const config = options.config ?? DEFAULT_CONFIG;
  const context = contextFor(loaded.map((entry) => entry.object), options.kubernetesMinor);
  const findings: LintFinding[] = [];
  let unknownKinds = 0;
  let unchecked = 0;
  for (const entry of loaded) {
    const object = describe(entry.object);
    const problems = options.strict?.problems(entry.object);
    if (options.strict !== undefined && problems === undefined) {
      unknownKinds++;
      findings.push({ file: entry.file, ...positionIn(entry, []), object, ruleId: STRICT_SCHEMA, severity: 'warning', message: options.strict.unknownKind(entry.object), fix: UNKNOWN_KIND_FIX, path: [] });
    }
    for (const problem of problems ?? []) {
      findings.push({
        file: entry.file,
        ...positionIn(entry, problem.path, problem.unknownField),
        object,
        ruleId: STRICT_SCHEMA,
        severity: 'error',
        message: describeProblem(problem),
        fix: STRICT_SCHEMA_FIX,
        path: problem.path,
      });
    }
    if (!checkedBeyondMetadata(entry.object, context.workloads, config.rules)) unchecked++;
    for (const finding of evaluate([entry.object], context, new Set(), config.rules)) {
      findings.push({
        file: entry.file,
        ...positionIn(entry, finding.path),
        object,
        ruleId: finding.ruleId,
        severity: config.severity.get(finding.ruleId) ?? finding.severity,
        message: finding.message,
        fix: finding.fix,
        path: finding.path,
      });
    }
  }
  return { findings, unchecked, unknownKinds };
}
