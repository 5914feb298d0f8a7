/**
 * `cdk8s-training lint`: the rules (and with --strict the schemas) over manifest files and
 * folders, through the same findings pipeline as the constructs and the validation plugin.
 */
import * as fs from 'fs';
import { LintConfig } from '../findings/config';
import { collectFiles, LintFinding, objectsOf } from '../findings/manifests';
import { Checker } from '../findings/report';
import { StrictSchemas } from '../findings/strict-schemas';
import { describe as describeObject } from '../k8s/workloads';

export { STDIN } from '../findings/manifests';
export type { LintFinding } from '../findings/manifests';

export interface LintOptions {
  readonly kubernetesMinor: number;
  /** Rules, severities and skipped paths (`.cdk8s-training.yaml`). */
  readonly config?: LintConfig;
  /** Reads standard input, for the path `-` (default: fd 0). */
  readonly readStdin?: () => Buffer;
  /**
   * Also validate every object strictly against these schemas (`--strict`): unknown fields,
   * wrong types and missing required fields are `strict-schema` errors.
   */
  readonly strict?: StrictSchemas;
}

export interface LintReport {
  readonly files: number;
  readonly objects: number;
  /** Objects of kinds no rule checks beyond their metadata. */
  readonly unchecked: number;
  readonly findings: LintFinding[];
  /** Every object read, by file, as `Kind/name` (JUnit lists the clean ones as passed tests). */
  readonly checked?: ReadonlyArray<{ readonly file: string; readonly object: string }>;
  /** With --strict: what the objects were validated against, and how many kinds no schema knows. */
  readonly strict?: { readonly sources: ReadonlyArray<{ module: string; version: string; kinds: string[] }>; readonly unknownKinds: number };
}

/**
 * Reads files and folders of manifests and runs every rule over the objects in them, one
 * object at a time: a stream of any length is never held parsed whole.
 */
export function lint(paths: string[], options: LintOptions): LintReport {
  const findings: LintFinding[] = [];
  const files = collectFiles(paths, findings, options.config?.skips);
  const readStdin = options.readStdin ?? (() => fs.readFileSync(0));
  const checker = new Checker({ kubernetesMinor: options.kubernetesMinor, config: options.config, strict: options.strict });
  const checked: Array<{ file: string; object: string }> = [];
  for (const file of files) {
    for (const entry of objectsOf(file, findings, readStdin)) {
      checker.add(entry);
      checked.push({ file: entry.file, object: describeObject(entry.object) });
    }
  }
  const result = checker.finish();
  findings.push(...result.findings);
  const strict = options.strict === undefined ? undefined : { sources: options.strict.sources, unknownKinds: result.unknownKinds };
  return { files: files.length, objects: checked.length, unchecked: result.unchecked, findings, checked, strict };
}
