/**
 * Findings with a place: the strict schemas and the rules over objects read from manifests,
 * each finding at the line and column of the field it is about (a missing field at its
 * nearest parent), at the severity the configuration gives. lint and the validation plugin
 * both report through here, so they report the same findings at the same lines.
 */
import * as fs from 'fs';
import * as nodePath from 'path';
import { DEFAULT_CONFIG, LintConfig } from './config';
import { checkedBeyondMetadata, claimsDefinedBy, evaluate } from './evaluate';
import { workloadKinds } from './kinds';
import { LintFinding, LoadedObject } from './manifests';
import { describeProblem, STRICT_SCHEMA, STRICT_SCHEMA_FIX, StrictSchemas, UNKNOWN_KIND_FIX } from './strict-schemas';
import { FieldPath } from '../k8s/paths';
import { floatingTag } from '../k8s/syntax';
import { placeholderAt } from '../k8s/template';
import { containersOf, describe, WorkloadKinds } from '../k8s/workloads';
import { Finding, RuleContext } from '../rules/rule';

/** The finding that stands for the findings about a file's template placeholders. */
export const TEMPLATE_FINDING = 'template';

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
  /** Findings left out because they were about a template placeholder's field. */
  readonly aboutPlaceholders: number;
}

/** The line and column of `path` in a loaded object (a missing field at its nearest parent), else the object's. */
export function positionIn(entry: LoadedObject, path: FieldPath | undefined, key = false): { line?: number; column?: number } {
  let at: { line?: number; column?: number } | undefined;
  for (let n = path?.length ?? 0; at === undefined && n > 0; n--) {
    at = entry.positionOf?.(path!.slice(0, n), key && n === path!.length);
  }
  return at ?? { line: entry.line, column: entry.column };
}

/**
 * Whether a workload is a fragment (a kustomize patch): a pod template whose containers name no
 * image, which no apiserver accepts as it is.
 */
function isFragment(object: any, workloads: WorkloadKinds): boolean {
  const templates = workloads.podTemplatesOf(object);
  return templates.length > 0 && templates.some((ref) => {
    const containers = containersOf(ref.template?.spec);
    return containers.length > 0 && containers.every((c: any) => c?.image === undefined);
  });
}

/**
 * Whether a file is a resource of a kustomization (one in its folder or up to two folders
 * above, which takes folders as resources), whose overlays may set its images' tags.
 */
function inKustomization(file: string): boolean {
  let dir = nodePath.dirname(file);
  for (let level = 0; level < 3; level++) {
    if (['kustomization.yaml', 'kustomization.yml', 'Kustomization'].some((name) => fs.existsSync(nodePath.join(dir, name)))) return true;
    const parent = nodePath.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return false;
}

/** Runs the strict schemas (when given) and the configured rules over every loaded object, in order. */
export function checkLoaded(loaded: LoadedObject[], options: CheckOptions): CheckResult {
  const checker = new Checker(options);
  for (const entry of loaded) checker.add(entry);
  return checker.finish();
}

/**
 * The findings of objects added one at a time, as lint reads a stream: each object is checked
 * when it is added and then let go, except one that mounts a claim not yet read by a rule that
 * reads other objects (shared-rwo-claim), which is checked by that rule again at the end, when
 * every claim of the manifests is known.
 */
export class Checker {
  private readonly config: LintConfig;
  private readonly strict?: StrictSchemas;
  private readonly kubernetesMinor: number;
  private readonly workloads: WorkloadKinds;
  private readonly claims = new Map<string, string[]>();
  private readonly findings: LintFinding[] = [];
  private readonly deferred: LoadedObject[] = [];
  private readonly crossRules: Set<string>;
  private unknownKinds = 0;
  private unchecked = 0;
  /** Per file: the placeholders whose fields had findings, and how many findings. */
  private readonly templates = new Map<string, { placeholders: Set<string>; findings: number; line?: number }>();
  private readonly kustomized = new Map<string, boolean>();

  public constructor(options: CheckOptions) {
    this.config = options.config ?? DEFAULT_CONFIG;
    this.strict = options.strict;
    this.kubernetesMinor = options.kubernetesMinor;
    this.workloads = workloadKinds();
    this.crossRules = new Set(this.config.rules.filter((rule) => rule.readsOtherObjects === true).map((rule) => rule.id));
  }

  /** Checks one object (and remembers the claims it defines, for the objects after it). */
  public add(entry: LoadedObject): void {
    for (const [name, modes] of Object.entries(claimsDefinedBy(entry.object))) this.claims.set(name, modes);
    const object = describe(entry.object);
    if (isFragment(entry.object, this.workloads)) {
      this.findings.push({
        file: entry.file,
        ...positionIn(entry, []),
        object,
        ruleId: 'input',
        severity: 'warning',
        message: 'is a fragment: its containers name no image (a kustomize patch?), so no rule was run on it.',
        fix: 'Lint the built manifest: kustomize build <dir> | cdk8s-training lint -.',
      });
      return;
    }
    const problems = this.strict?.problems(entry.object);
    if (this.strict !== undefined && problems === undefined) {
      this.unknownKinds++;
      this.findings.push({ file: entry.file, ...positionIn(entry, []), object, ruleId: STRICT_SCHEMA, severity: 'warning', message: this.strict.unknownKind(entry.object), fix: UNKNOWN_KIND_FIX, path: [] });
    }
    for (const problem of problems ?? []) {
      this.report(entry, {
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
    if (!checkedBeyondMetadata(entry.object, this.workloads, this.config.rules)) this.unchecked++;
    let missed = false;
    const context: RuleContext = {
      kubernetesMinor: this.kubernetesMinor,
      workloads: this.workloads,
      claimAccessModes: (name) => {
        const modes = this.claims.get(name);
        if (modes === undefined) missed = true;
        return modes;
      },
    };
    const findings = evaluate([entry.object], context, new Set(), this.config.rules);
    // A claim not read yet may come later in the stream: its rules look again at the end.
    if (missed) this.deferred.push(entry);
    this.reportAll(entry, missed ? findings.filter((f) => !this.crossRules.has(f.ruleId)) : findings);
  }

  /** The findings of every object added, with the checks left for the end of the stream done. */
  public finish(): CheckResult {
    const context: RuleContext = {
      kubernetesMinor: this.kubernetesMinor,
      workloads: this.workloads,
      claimAccessModes: (name) => this.claims.get(name),
    };
    const crossRules = this.config.rules.filter((rule) => this.crossRules.has(rule.id));
    for (const entry of this.deferred.splice(0)) this.reportAll(entry, evaluate([entry.object], context, new Set(), crossRules));
    let aboutPlaceholders = 0;
    const findings = [...this.findings];
    for (const [file, template] of this.templates) {
      aboutPlaceholders += template.findings;
      const shown = [...template.placeholders].slice(0, 4).join(', ') + (template.placeholders.size > 4 ? ', ...' : '');
      findings.push({
        file,
        line: template.line,
        object: '-',
        ruleId: TEMPLATE_FINDING,
        severity: 'warning',
        message: `is a template: ${template.findings} finding${template.findings === 1 ? '' : 's'} about fields its placeholders fill in (${shown}) ` +
          'were left out, as their values are not known until it is rendered.',
        fix: 'Lint the rendered manifest: envsubst < file.yaml | cdk8s-training lint -, or helm template ... | cdk8s-training lint -.',
      });
    }
    return { findings, unchecked: this.unchecked, unknownKinds: this.unknownKinds, aboutPlaceholders };
  }

  private reportAll(entry: LoadedObject, findings: Finding[]): void {
    const object = describe(entry.object);
    for (const finding of findings) {
      this.report(entry, {
        file: entry.file,
        ...positionIn(entry, finding.path),
        object,
        ruleId: finding.ruleId,
        severity: this.config.severity.get(finding.ruleId) ?? finding.severity,
        message: finding.message,
        fix: finding.fix,
        path: finding.path,
      });
    }
  }

  /** A finding, or, where it is about a template placeholder's field, one more for its file's template note. */
  private report(entry: LoadedObject, finding: LintFinding): void {
    let placeholder = placeholderAt(entry.object, finding.path);
    if (placeholder === undefined && finding.path?.[finding.path.length - 1] === 'image') {
      const image = finding.path.reduce((value: any, key) => value?.[key as any], entry.object);
      if (typeof image === 'string' && floatingTag(image) === 'no tag') {
        if (!this.kustomized.has(entry.file)) this.kustomized.set(entry.file, inKustomization(entry.file));
        if (this.kustomized.get(entry.file)) placeholder = 'untagged images, which the kustomization\'s images list may tag';
      }
    }
    if (placeholder === undefined) {
      this.findings.push(finding);
      return;
    }
    const template = this.templates.get(entry.file) ?? { placeholders: new Set<string>(), findings: 0, line: finding.line };
    template.placeholders.add(placeholder);
    template.findings++;
    this.templates.set(entry.file, template);
  }
}
