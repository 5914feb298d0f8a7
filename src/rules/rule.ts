import { FieldPath } from '../k8s/paths';
import { WorkloadKinds } from '../k8s/workloads';

/** How bad a finding is: errors fail synth and lint, warnings are reported. */
export type Severity = 'error' | 'warning';

/** What a rule knows besides the object itself. */
export interface RuleContext {
  /** Minor version of the target Kubernetes (28 for 1.28). */
  readonly kubernetesMinor: number;
  /** Where the pod templates of each workload kind are (the batch kinds and every engine's). */
  readonly workloads: WorkloadKinds;
  /** Access modes of a PersistentVolumeClaim known to the caller, by claim name. */
  claimAccessModes(claimName: string): string[] | undefined;
}

/** `Rule.kinds` entry for every kind with pod templates (Jobs, CronJobs, Pods and each engine's kinds). */
export const WORKLOADS = 'workloads';
/** `Rule.kinds` entry for every object: rules on metadata alone. */
export const EVERY_OBJECT = '*';

/**
 * A check over one plain Kubernetes object (the synthesized JSON). Pure: it reads the
 * object and the context, and returns a message per violation with the path of the field.
 */
export interface Rule {
  /** Stable id, used in messages, docs and opt-outs. */
  readonly id: string;
  /**
   * Where the rule's claim comes from: the upstream code at the versions the project pins, or
   * the documentation of the platform; the rules reference links each.
   */
  readonly sources: readonly string[];
  /** The kinds the rule reads: kind names, `WORKLOADS`, or `EVERY_OBJECT`. */
  readonly kinds: readonly string[];
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
   * Whether a finding of this rule means the object's shape cannot be read (a field of the
   * wrong type): such rules run first, and an object they find something in is skipped by the
   * other rules, which could only fail to read it.
   * @default false
   */
  readonly gatesOthers?: boolean;
  /**
   * Whether the rule reads other objects of the same manifests through the context (the
   * claims a workload mounts): lint, which reads a stream one object at a time, checks such a
   * rule again at the end of the stream for an object that named one not yet read.
   * @default false
   */
  readonly readsOtherObjects?: boolean;
  /**
   * The severity of this rule's findings on `object`, when it depends on the object (e.g. an
   * error on spot capacity, a warning elsewhere).
   * @default - `severity`
   */
  severityFor?(object: any, context: RuleContext): Severity;
  /** Returns one message per violation (empty when the object complies). */
  check(object: any, context: RuleContext): RuleMessage[];
}

/** A violation: what is wrong, where, and the fix for this violation when the rule's own would say more than it needs. */
export interface RuleMessage {
  readonly message: string;
  /** The field the violation is about (keys and list indexes from the object's root). */
  readonly path: FieldPath;
  readonly fix?: string;
  /**
   * This finding's severity where it is less certain than the rule's others (a warning where
   * the outcome depends on what the image holds); a repository's configuration still overrides it.
   * @default - the rule's severity (`severityFor`, else `severity`)
   */
  readonly severity?: Severity;
}

/** A violation at `path`. */
export function at(path: FieldPath, message: string, fix?: string): RuleMessage {
  return fix === undefined ? { message, path } : { message, path, fix };
}

/** One violation of one rule by one object. */
export interface Finding {
  readonly ruleId: string;
  readonly severity: Severity;
  /** `Kind/name` of the object. */
  readonly object: string;
  readonly message: string;
  /** What to change for this finding. */
  readonly fix: string;
  /** Where in the object the violation is. */
  readonly path: FieldPath;
}

/** Formats a finding as one line: `[error job-restart-policy] Job/x: message Fix: ...`. */
export function formatFinding(finding: Finding): string {
  return `[${finding.severity} ${finding.ruleId}] ${finding.object}: ${finding.message} Fix: ${finding.fix}`;
}
