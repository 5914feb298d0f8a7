import { acknowledgedByAnnotation, acknowledgementRule } from './acknowledgement';
import { checkpointVolume } from './checkpoint-volume';
import { configMap } from './configmap';
import { containers } from './containers';
import { cronjobDeadline } from './cronjob-deadline';
import { cronjobPolicy } from './cronjob-policy';
import { cronjobSchedule } from './cronjob-schedule';
import { envVars } from './env-vars';
import { gpuModelLabel } from './gpu-model-label';
import { gpuResources } from './gpu-resources';
import { jobCounts } from './job-counts';
import { jobNameLength } from './job-name-length';
import { jobPodFailurePolicy } from './job-pod-failure-policy';
import { jobRestartPolicy } from './job-restart-policy';
import { jobSelector } from './job-selector';
import { jobTtl } from './job-ttl';
import { jobSetAdmission } from './jobset-admission';
import { kueueLabels } from './kueue-labels';
import { labels } from './labels';
import { nodeSelection } from './node-selection';
import { preemptionExitCode } from './preemption-exit-code';
import { preemptionPolicy } from './preemption-policy';
import { priority } from './priority';
import { pvc } from './pvc';
import { pytorchJob } from './pytorchjob';
import { pytorchJobCleanup } from './pytorchjob-cleanup';
import { resourceQuantities } from './resource-quantities';
import { Finding, Rule, RuleContext, RuleMessage } from './rule';
import { securityContext } from './security-context';
import { sharedMemory } from './shared-memory';
import { sharedRwoClaim } from './shared-rwo-claim';
import { shellSyntax } from './shell-syntax';
import { spotGrace } from './spot-grace';
import { spotSelection } from './spot-selection';
import { tolerations } from './tolerations';
import { unschedulablePlacement } from './unschedulable-placement';
import { versionGatedFields } from './version-gated-fields';
import { volumes } from './volumes';
import { describe } from './workloads';

/** Every rule, in the order findings are reported. */
export const ALL_RULES: Rule[] = [
  jobRestartPolicy,
  jobCounts,
  jobPodFailurePolicy,
  preemptionExitCode,
  preemptionPolicy,
  jobSelector,
  jobNameLength,
  versionGatedFields,
  jobTtl,
  cronjobSchedule,
  cronjobPolicy,
  cronjobDeadline,
  gpuResources,
  resourceQuantities,
  envVars,
  shellSyntax,
  containers,
  volumes,
  tolerations,
  nodeSelection,
  unschedulablePlacement,
  gpuModelLabel,
  securityContext,
  labels,
  priority,
  sharedMemory,
  pvc,
  pytorchJob,
  pytorchJobCleanup,
  jobSetAdmission,
  configMap,
  sharedRwoClaim,
  spotGrace,
  spotSelection,
  kueueLabels,
  checkpointVolume,
  acknowledgementRule(() => ALL_RULES.filter((rule) => rule.refusedBy === undefined).map((rule) => rule.id), () => ALL_RULES),
];

/** Looks a rule up by id. */
export function findRule(id: string): Rule | undefined {
  return ALL_RULES.find((rule) => rule.id === id);
}

/** A context for a set of objects: claims among them are known by name. */
export function contextFor(objects: any[], kubernetesMinor: number, extraClaims: { [name: string]: string[] } = {}): RuleContext {
  const claims = new Map<string, string[]>(Object.entries(extraClaims));
  for (const object of objects) {
    if (object?.kind === 'PersistentVolumeClaim' && typeof object.metadata?.name === 'string') {
      claims.set(object.metadata.name, object.spec?.accessModes ?? []);
    }
  }
  return { kubernetesMinor, claimAccessModes: (name) => claims.get(name) };
}

/**
 * Runs `rules` over `objects`; rules in `acknowledged` (a construct's opt-outs) and rules an
 * object opts out of by an `acknowledge.cdk8s-training.io/<rule-id>` annotation with a reason
 * are skipped. A rule that throws (a malformed object it did not expect) is reported as a
 * finding, never as a crash.
 */
export function evaluate(objects: any[], context: RuleContext, acknowledged: ReadonlySet<string> = new Set(), rules: Rule[] = ALL_RULES): Finding[] {
  const findings: Finding[] = [];
  for (const object of objects) {
    const byAnnotation = acknowledgedByAnnotation(object);
    for (const rule of rules) {
      // Only advisory rules can be acknowledged: what the apiserver or a webhook refuses stays an error.
      if (rule.refusedBy === undefined && (acknowledged.has(rule.id) || byAnnotation.has(rule.id))) continue;
      let messages: RuleMessage[];
      try {
        messages = rule.check(object, context);
      } catch (error) {
        messages = [`the rule could not read this object (${(error as Error).message}).`];
      }
      if (messages.length === 0) continue;
      const severity = rule.severityFor?.(object) ?? rule.severity;
      for (const entry of messages) {
        const { message, fix, path } = typeof entry === 'string' ? { message: entry, fix: rule.fix, path: undefined } : entry;
        findings.push({ ruleId: rule.id, severity, object: describe(object), message, fix, ...(path ? { path } : {}) });
      }
    }
  }
  return findings;
}
