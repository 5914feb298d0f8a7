/**
 * The findings pipeline's core: runs the rules that apply to each object (by the kinds each
 * rule declares) with what they need to know (the target version, the claims in the same
 * manifests, where each kind's pod templates are), and turns their messages into findings.
 * The constructs at synth, the validation plugin and lint all evaluate through here.
 */
import { workloadKinds } from './kinds';
import { WorkloadKinds, describe, jobSetSpecOf, volumeClaimTemplates } from '../k8s/workloads';
import { acknowledgedByAnnotation, ALL_RULES } from '../rules';
import { EVERY_OBJECT, Finding, Rule, RuleContext, RuleMessage, WORKLOADS } from '../rules/rule';

/** A context for a set of objects: claims among them (and `extraClaims`) are known by name. */
export function contextFor(objects: any[], kubernetesMinor: number, extraClaims: { [name: string]: string[] } = {},
  workloads: WorkloadKinds = workloadKinds()): RuleContext {
  const claims = new Map<string, string[]>(Object.entries(extraClaims));
  for (const object of objects) {
    for (const [name, modes] of Object.entries(claimsDefinedBy(object))) claims.set(name, modes);
  }
  return { kubernetesMinor, claimAccessModes: (name) => claims.get(name), workloads };
}

/**
 * The claims an object defines, by name with their access modes: a PersistentVolumeClaim, or
 * the claims a JobSet (or a Trainer runtime's JobSet template) has its controller create from
 * volumeClaimPolicies, mounted by every pod that names them.
 */
export function claimsDefinedBy(object: any): { [name: string]: string[] } {
  const claims: { [name: string]: string[] } = {};
  if (object?.kind === 'PersistentVolumeClaim' && typeof object.metadata?.name === 'string') {
    claims[object.metadata.name] = object.spec?.accessModes ?? [];
  }
  for (const template of volumeClaimTemplates(jobSetSpecOf(object))) {
    if (typeof template?.metadata?.name === 'string' && Array.isArray(template.spec?.accessModes)) {
      claims[template.metadata.name] = template.spec.accessModes;
    }
  }
  return claims;
}

/** Whether `rule` reads objects like `object` (its declared kinds). */
export function appliesTo(rule: Rule, object: any, workloads: WorkloadKinds): boolean {
  const kinds = rule.kinds;
  return kinds.includes(EVERY_OBJECT) || kinds.includes(object?.kind) || (kinds.includes(WORKLOADS) && workloads.kindOf(object) !== undefined);
}

/**
 * Whether any rule of `rules` checks `object` beyond its metadata (a rule of its kind, or of
 * every workload kind): what lint's summary counts as checked.
 */
export function checkedBeyondMetadata(object: any, workloads: WorkloadKinds, rules: Rule[] = ALL_RULES): boolean {
  return rules.some((rule) => !rule.kinds.includes(EVERY_OBJECT) && appliesTo(rule, object, workloads));
}

/**
 * Runs `rules` over `objects`; rules in `acknowledged` (a construct's opt-outs) and rules an
 * object opts out of by an `acknowledge.cdk8s-training.io/<rule-id>` annotation with a reason
 * are skipped. A rule that throws (a malformed object it did not expect) is reported as a
 * finding, never as a crash.
 */
export function evaluate(objects: any[], context: RuleContext, acknowledged: ReadonlySet<string> = new Set(), rules: Rule[] = ALL_RULES): Finding[] {
  const findings: Finding[] = [];
  // Rules that read an object's shape go first: an object they find something in is reported
  // at the wrong-typed fields, and the other rules, which would only fail to read it, skip it.
  const gates = rules.filter((rule) => rule.gatesOthers === true);
  for (const object of objects) {
    const byAnnotation = acknowledgedByAnnotation(object);
    let unreadable = false;
    for (const gate of gates.filter((rule) => appliesTo(rule, object, context.workloads))) {
      for (const { message, fix, path } of gate.check(object, context)) {
        findings.push({ ruleId: gate.id, severity: gate.severity, object: describe(object), message, fix: fix ?? gate.fix, path });
        unreadable = true;
      }
    }
    if (unreadable) continue;
    for (const rule of rules) {
      if (rule.gatesOthers === true) continue;
      if (!appliesTo(rule, object, context.workloads)) continue;
      // Only advisory rules can be acknowledged: what the apiserver or a webhook refuses stays an error.
      if (rule.refusedBy === undefined && (acknowledged.has(rule.id) || byAnnotation.has(rule.id))) continue;
      let messages: RuleMessage[];
      try {
        messages = rule.check(object, context);
      } catch (error) {
        messages = [{ message: `the rule could not read this object (${(error as Error).message}).`, path: [] }];
      }
      if (messages.length === 0) continue;
      const severity = rule.severityFor?.(object, context) ?? rule.severity;
      for (const { message, fix, path, severity: own } of messages) {
        findings.push({ ruleId: rule.id, severity: own ?? severity, object: describe(object), message, fix: fix ?? rule.fix, path });
      }
    }
  }
  return findings;
}
