import { parseRules } from './cli/config';
import { pathInMessage } from './cli/lint';
import { KubernetesVersion } from './kubernetes-version';
import { contextFor, evaluate, findRule } from './rules/engine';
import { Rule, Severity } from './rules/rule';
import { describe as describeObject } from './rules/workloads';
import { describeProblem, STRICT_SCHEMA, STRICT_SCHEMA_FIX, StrictSchemas } from './schemas/strict-schemas';

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
   * CLI validation plugin contract).
   * @param context the cdk8s CLI ValidationContext
   */
  public async validate(context: any): Promise<void> {
    const loaded: Array<{ object: any; manifest: string }> = [];
    for (const manifest of context.manifests as string[]) {
      for (const object of context.parseManifest(manifest) as any[]) {
        if (object !== null && typeof object === 'object') loaded.push({ object, manifest });
      }
    }
    const ruleContext = contextFor(loaded.map((entry) => entry.object), this.kubernetesMinor);
    const byRule = new Map<string, Array<{ resourceName: string; locations: string[]; manifestPath: string }>>();
    let errors = 0;
    let warnings = 0;
    const add = (key: string, resource: { resourceName: string; locations: string[]; manifestPath: string }) => {
      const resources = byRule.get(key) ?? [];
      resources.push(resource);
      byRule.set(key, resources);
    };
    for (const { object, manifest } of loaded) {
      const resourceName = object?.metadata?.name ?? describeObject(object);
      const problems = this.strict?.problems(object);
      if (this.strict !== undefined && problems === undefined) {
        warnings++;
        add(`${STRICT_SCHEMA} (warning)`, { resourceName, manifestPath: manifest, locations: [this.strict.unknownKind(object)] });
      }
      if (problems !== undefined && problems.length > 0) {
        errors += problems.length;
        add(`${STRICT_SCHEMA} (error)`, { resourceName, manifestPath: manifest, locations: problems.map(describeProblem) });
      }
      for (const finding of evaluate([object], ruleContext, new Set(), this.rules)) {
        const severity = this.severity.get(finding.ruleId) ?? finding.severity;
        if (severity === 'error') errors++; else warnings++;
        // One violation per rule and severity (preemption-policy is an error on spot, a warning elsewhere).
        const key = `${finding.ruleId} (${severity})`;
        const resources = byRule.get(key) ?? [];
        // The location starts with the JSON path of the field (where the finding names one); a
        // finding with a fix of its own carries it, the rule's general fix is in the violation.
        const fieldPath = finding.path ?? pathInMessage(finding.message, object);
        const jsonPath = fieldPath?.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('').replace(/^\./, '');
        const location = `${jsonPath ? `${jsonPath}: ` : ''}${finding.message}${finding.fix === findRule(finding.ruleId)?.fix ? '' : ` Fix: ${finding.fix}`}`;
        // The cdk8s CLI finds the construct path by the object's name (construct-metadata.json).
        resources.push({ resourceName: object?.metadata?.name ?? describeObject(object), locations: [location], manifestPath: manifest });
        byRule.set(key, resources);
      }
    }
    for (const [ruleName, violatingResources] of byRule) {
      if (ruleName.startsWith(`${STRICT_SCHEMA} `)) {
        context.report.addViolation({
          ruleName,
          recommendation: `The manifest does not match the schema of its kind (Kubernetes ${this.strict!.kubernetesVersion} OpenAPI, or the operator's CRD).`,
          fix: STRICT_SCHEMA_FIX,
          violatingResources,
        });
        continue;
      }
      const rule = findRule(ruleName.split(' ')[0])!;
      context.report.addViolation({
        ruleName,
        recommendation: `${rule.what} ${rule.why}`,
        fix: rule.fix,
        violatingResources,
      });
    }
    const failed = errors > 0 || (this.failOnWarnings && warnings > 0);
    context.report.submit(failed ? 'failure' : 'success', { errors: String(errors), warnings: String(warnings) });
  }
}
