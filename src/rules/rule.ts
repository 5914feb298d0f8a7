/** How bad a finding is: errors fail synth and lint, warnings are reported. */
export type Severity = 'error' | 'warning';

/** What a rule knows besides the object itself. */
export interface RuleContext {
  /** Minor version of the target Kubernetes (28 for 1.28). */
  readonly kubernetesMinor: number;
  /** Access modes of a PersistentVolumeClaim known to the caller, by claim name. */
  claimAccessModes(claimName: string): string[] | undefined;
}

/**
 * A check over one plain Kubernetes object (the synthesized JSON). Pure: it reads the
 * object and the context, and returns a message per violation.
 */
export interface Rule {
  /** Stable id, used in messages, docs and opt-outs. */
  readonly id: string;
  /** The RULEBOOK entries the rule implements. */
  readonly rulebook: string[];
  readonly severity: Severity;
  /** One line: what is wrong. */
  readonly what: string;
  /** One line: why it matters for a training workload. */
  readonly why: string;
  /** One line: how to fix it. */
  readonly fix: string;
  /**
   * Who refuses an object that breaks the rule (e.g. `the apiserver`); such a rule cannot be
   * acknowledged, because the YAML would not apply anyway.
   * @default - advisory: the object applies, and the rule can be acknowledged
   */
  readonly refusedBy?: string;
  /** A short YAML excerpt that violates the rule, for the rules reference. */
  readonly example: string;
  /**
   * The severity of this rule's findings on `object`, when it depends on the object (e.g. an
   * error on spot capacity, a warning elsewhere).
   * @default - `severity`
   */
  severityFor?(object: any): Severity;
  /**
   * Returns one message per violation (empty when the object complies); a message with its
   * own fix when the rule's `fix` would say more than this violation needs.
   */
  check(object: any, context: RuleContext): RuleMessage[];
}

/** A violation's message, or a message with the fix for that violation only. */
export type RuleMessage = string | {
  readonly message: string;
  readonly fix: string;
  /** Where in the object the violation is (keys and list indexes), for line:column in lint. */
  readonly path?: Array<string | number>;
};

/** One violation of one rule by one object. */
export interface Finding {
  readonly ruleId: string;
  readonly severity: Severity;
  /** `Kind/name` of the object. */
  readonly object: string;
  readonly message: string;
  /** What to change for this finding. */
  readonly fix: string;
  /** Where in the object the violation is, when the rule says. */
  readonly path?: Array<string | number>;
}

/** Formats a finding as one line: `[error J1 job-restart-policy] Job/x: message. Fix: ...`. */
export function formatFinding(finding: Finding): string {
  return `[${finding.severity} ${finding.ruleId}] ${finding.object}: ${finding.message} Fix: ${finding.fix}`;
}
