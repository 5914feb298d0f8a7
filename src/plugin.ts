import * as fs from 'fs';
import { KubernetesVersion } from './blocks/kubernetes-version';
import { LintConfig, parseRules } from './findings/config';
import { LintFinding, LoadedObject, loadFile } from './findings/manifests';
import { checkLoaded } from './findings/report';
import { STRICT_SCHEMA, STRICT_SCHEMA_FIX, StrictSchemas } from './findings/strict-schemas';
import { pathText } from './k8s/paths';
import { findRule } from './rules';
import { Rule, Severity } from './rules/rule';

/**
 * Properties of the validation plugin, from `properties:` in cdk8s.yaml.
 */
export interface TrainingValidationProps {
  /**
   * Target Kubernetes version, e.g. `1.29`.
   * @default - KubernetesVersion.DEFAULT (1.32)
   */
  readonly kubernetesVersion?: string;

  /**
   * Fail the synth on warnings too.
   * @default false
   */
  readonly failOnWarnings?: boolean;

  /**
   * Which rules run and at which severity, as in `.cdk8s-training.yaml` (so `failOnWarnings`
   * is usable in a platform repo with non-training Jobs). Rules the apiserver or a webhook
   * enforce cannot be excluded or lowered.
   * @default - every rule at its own severity
   */
  readonly rules?: TrainingValidationRules;

  /**
   * Also validate every manifest strictly against the Kubernetes OpenAPI and the training
   * operators' CRDs shipped with the package, as `cdk8s-training lint --strict` does: unknown
   * fields, wrong types and missing required fields are `strict-schema` errors, a kind no
   * schema knows a warning.
   * @default false
   */
  readonly strict?: boolean;
}

/**
 * Rule selection and severities for the validation plugin.
 */
export interface TrainingValidationRules {
  /**
   * Only these rules (and those the apiserver enforces).
   * @default - every rule
   */
  readonly include?: string[];
  /**
   * Rules not to run.
   * @default - none
   */
  readonly exclude?: string[];
  /**
   * A severity (`error` or `warning`) per rule id.
   * @default - each rule's own
   */
  readonly severity?: { [ruleId: string]: string };
}

/**
 * A cdk8s CLI validation plugin that runs the cdk8s-training rules over every manifest of an
 * app, including objects these constructs did not make. In cdk8s.yaml:
 *
 * ```yaml
 * validations:
 *   - package: cdk8s-training
 *     version: <installed version>
 *     class: TrainingValidation
 *     properties:
 *       kubernetesVersion: "1.28"
 * ```
 */
export class TrainingValidation {
  private readonly kubernetesMinor: number;
  private readonly failOnWarnings: boolean;
  private readonly rules: Rule[];
  private readonly severity: ReadonlyMap<string, Severity>;
  private readonly strict?: StrictSchemas;

  constructor(props: TrainingValidationProps = {}) {
    const version = props.kubernetesVersion ?? String(KubernetesVersion.DEFAULT);
    const match = /^1\.(\d+)$/.exec(String(version));
    if (!match || Number(match[1]) < 28) {
      throw new Error(`TrainingValidation: kubernetesVersion ('${version}') must look like '1.28' (1.28 or newer).`);
    }
    this.kubernetesMinor = Number(match[1]);
    this.failOnWarnings = props.failOnWarnings ?? false;
    const { rules, severity } = parseRules(props.rules, (field) => `TrainingValidation properties: ${field}`);
    this.rules = rules;
    this.severity = severity;
    if (props.strict === true) {
      this.strict = StrictSchemas.load();
      if (this.strict === undefined) throw new Error('TrainingValidation: strict needs the schemas the package ships (schemas/strict-schemas.json.gz); reinstall it.');
    } else if (props.strict !== undefined && props.strict !== false) {
      throw new Error(`TrainingValidation: strict ('${props.strict}') must be true or false.`);
    }
  }

  /**
   * Runs the rules over `context.manifests` and reports through `context.report` (the cdk8s
   * CLI validation plugin contract). The manifests are read as lint reads them, so both report
   * the same findings at the same lines.
   * @param context the cdk8s CLI ValidationContext
   */
  public async validate(context: any): Promise<void> {
    const inputs: LintFinding[] = [];
    // The manifests the CLI synthesized, read as lint reads files (with lines); a manifest the
    // context names but that is not on disk is taken as the context parses it.
    const loaded: LoadedObject[] = (context.manifests as string[]).flatMap((manifest) => (fs.existsSync(manifest)
      ? loadFile(manifest, inputs, () => Buffer.alloc(0))
      : (context.parseManifest(manifest) as any[]).filter((object) => object !== null && typeof object === 'object').map((object) => ({ file: manifest, object }))));
    const config: LintConfig = { rules: this.rules, severity: this.severity, skips: () => false };
    const { findings } = checkLoaded(loaded, { kubernetesMinor: this.kubernetesMinor, config, strict: this.strict });
    const byRule = new Map<string, Array<{ resourceName: string; locations: string[]; manifestPath: string }>>();
    let errors = 0;
    let warnings = 0;
    for (const finding of [...inputs, ...findings]) {
      if (finding.severity === 'error') errors++; else warnings++;
      // One violation per rule and severity (preemption-policy is an error on spot, a warning elsewhere).
      const key = `${finding.ruleId} (${finding.severity})`;
      const resources = byRule.get(key) ?? [];
      // The location starts with the JSON path of the field and ends with its line; a finding
      // with a fix of its own carries it, the rule's general fix is in the violation.
      // (A schema problem's message starts with its path already.)
      const jsonPath = finding.path === undefined || finding.path.length === 0 || finding.ruleId === STRICT_SCHEMA ? '' : pathText(finding.path);
      const ownFix = finding.ruleId !== STRICT_SCHEMA && finding.fix !== undefined && finding.fix !== findRule(finding.ruleId)?.fix;
      const line = finding.line === undefined ? '' : ` (line ${finding.line}${finding.column === undefined ? '' : `, column ${finding.column}`})`;
      const location = `${jsonPath ? `${jsonPath}: ` : ''}${finding.message}${ownFix ? ` Fix: ${finding.fix}` : ''}${line}`;
      // The cdk8s CLI finds the construct path by the object's name (construct-metadata.json).
      resources.push({ resourceName: finding.object.split('/').slice(1).join('/'), locations: [location], manifestPath: finding.file });
      byRule.set(key, resources);
    }
    for (const [ruleName, violatingResources] of byRule) {
      const id = ruleName.split(' ')[0];
      const rule = findRule(id);
      context.report.addViolation({
        ruleName,
        recommendation: rule ? `${rule.what} ${rule.why}` : id === STRICT_SCHEMA
          ? `The manifest does not match the schema of its kind (Kubernetes ${this.strict!.kubernetesVersion} OpenAPI, or the operator's CRD).`
          : 'A manifest cannot be read as Kubernetes objects.',
        fix: rule ? rule.fix : id === STRICT_SCHEMA ? STRICT_SCHEMA_FIX : 'Fix or remove the file.',
        violatingResources,
      });
    }
    const failed = errors > 0 || (this.failOnWarnings && warnings > 0);
    context.report.submit(failed ? 'failure' : 'success', { errors: String(errors), warnings: String(warnings) });
  }
}
