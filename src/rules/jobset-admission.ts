import { at, Rule, RuleMessage } from './rule';
import { FieldPath } from '../k8s/paths';
import { SOURCES } from '../knowledge/sources';

/** The JobSet webhook's rule-name format (jobset v0.12 pkg/webhooks/jobset_webhook.go, ruleNameFmt). */
const RULE_NAME = /^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/;
const MAX_RULE_NAME = 128;
/** The name the webhook's defaulting gives an unnamed rule, with its index (defaultRuleNameFmt). */
const DEFAULT_RULE_NAME = 'failurePolicyRule';
/** The Job failure reasons the webhook accepts in onJobFailureReasons (validOnJobFailureReasons). */
const JOB_FAILURE_REASONS = ['BackoffLimitExceeded', 'DeadlineExceeded', 'FailedIndexes', 'MaxFailedIndexesExceeded', 'PodFailurePolicy'];
const DNS1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** The JobSet spec of a JobSet, or the one a Trainer v2 runtime turns into a JobSet. */
export function jobSetSpecOf(object: any): { spec: any; path: string; keys: FieldPath; name: string } | undefined {
  const apiVersion = String(object?.apiVersion ?? '');
  if (object?.kind === 'JobSet' && apiVersion.startsWith('jobset.x-k8s.io/')) {
    return { spec: object.spec, path: 'spec', keys: ['spec'], name: object.metadata?.name };
  }
  if (['TrainingRuntime', 'ClusterTrainingRuntime'].includes(object?.kind) && apiVersion.startsWith('trainer.kubeflow.org/')) {
    // The runtime's JobSet takes the TrainJob's name, which is not known here.
    return object.spec?.template?.spec ? { spec: object.spec.template.spec, path: 'spec.template.spec', keys: ['spec', 'template', 'spec'], name: '' } : undefined;
  }
  return undefined;
}

/**
 * What the JobSet admission webhook (jobset v0.12) refuses that the CRD schema lets through.
 * A refused JobSet never starts; under Trainer v2 the TrainJob never gets its JobSet.
 */
export const jobSetAdmission: Rule = {
  id: 'jobset-admission',
  sources: [SOURCES.jobsetWebhook],
  kinds: ['JobSet', 'TrainingRuntime', 'ClusterTrainingRuntime'],
  severity: 'error',
  refusedBy: 'the JobSet webhook',
  what: "A JobSet (or a Trainer v2 runtime's JobSet template) breaks a check of the JobSet admission webhook that its CRD schema does not carry.",
  why: 'The webhook refuses the JobSet at create time: the training never starts, and a TrainJob waits for a JobSet that is never created.',
  fix: "Name failure-policy rules like 'preemption' or 'config_error' (a letter first; letters, digits, '_', ',' or ':'; unique), " +
    'use only the Job failure reasons the webhook knows, target existing replicated jobs, and keep job and pod names within 63 characters.',
  example: `kind: JobSet
spec:
  failurePolicy:
    rules:
      - name: configuration-error   # '-' is refused by the webhook
        action: FailJobSet`,
  check(object) {
    const found = jobSetSpecOf(object);
    if (!found?.spec) return [];
    const { spec, path, keys } = found;
    const messages: RuleMessage[] = [];
    const replicated: any[] = Array.isArray(spec.replicatedJobs) ? spec.replicatedJobs : [];
    const replicatedNames = new Set(replicated.map((r) => r?.name));
    const rules: any[] = Array.isArray(spec.failurePolicy?.rules) ? spec.failurePolicy.rules : [];
    const seen = new Map<string, number>();
    rules.forEach((rule, i) => {
      const where = `${path}.failurePolicy.rules[${i}]`;
      const ruleAt = [...keys, 'failurePolicy', 'rules', i];
      // The webhook's defaulting names an unnamed rule failurePolicyRule<i> before its validation runs.
      const given = String(rule?.name ?? '');
      const name = given.length === 0 ? `${DEFAULT_RULE_NAME}${i}` : given;
      if (name.length > MAX_RULE_NAME) {
        messages.push(at([...ruleAt, 'name'], `${where}.name has ${name.length} characters; the webhook takes 1 to ${MAX_RULE_NAME}.`));
      } else if (!RULE_NAME.test(name)) {
        messages.push(at([...ruleAt, 'name'], `${where}.name '${name}' is refused by the webhook: it must start with a letter and hold only letters, digits, '_', ',' and ':' (no '-'), ending in a letter, digit or '_'.`));
      }
      if (seen.has(name)) {
        const defaulted = given.length === 0 ? " (the webhook's default for an unnamed rule)" : '';
        messages.push(at([...ruleAt, 'name'], `${where}.name '${name}'${defaulted} repeats rules[${seen.get(name)}]; rule names must be unique.`));
      } else {
        seen.set(name, i);
      }
      (Array.isArray(rule?.onJobFailureReasons) ? rule.onJobFailureReasons : []).forEach((reason: any, j: number) => {
        if (!JOB_FAILURE_REASONS.includes(reason)) {
          messages.push(at([...ruleAt, 'onJobFailureReasons', j], `${where}.onJobFailureReasons has '${reason}'; the webhook knows only ${JOB_FAILURE_REASONS.join(', ')}.`));
        }
      });
      (Array.isArray(rule?.targetReplicatedJobs) ? rule.targetReplicatedJobs : []).forEach((target: any, j: number) => {
        if (!replicatedNames.has(target)) messages.push(at([...ruleAt, 'targetReplicatedJobs', j], `${where}.targetReplicatedJobs names '${target}', which is not a replicated job.`));
      });
      // Actions behind a feature gate are jobset-feature-gates': the webhook refuses them only while the gate is off.
    });
    if (found.name) {
      replicated.forEach((child, i) => {
        const replicas = Number(child?.replicas ?? 1);
        const jobName = `${found.name}-${child?.name}-${replicas - 1}`;
        const jobSpec = child?.template?.spec ?? {};
        const childAt = [...keys, 'replicatedJobs', i, 'name'];
        if (!DNS1035.test(jobName) || jobName.length > 63) {
          messages.push(at(childAt, `${path}.replicatedJobs[${i}]: the Job name '${jobName}' is not a DNS-1035 label of at most 63 characters; shorten the JobSet or replicated job name.`));
        } else if (jobSpec.completionMode === 'Indexed' && jobSpec.completions !== undefined) {
          const podName = `${jobName}-${Number(jobSpec.completions) - 1}-abcde`;
          if (podName.length > 63) {
            messages.push(at(childAt, `${path}.replicatedJobs[${i}]: pod names such as '${podName}' exceed 63 characters; shorten the JobSet or replicated job name.`));
          }
        }
      });
    }
    return messages;
  },
};
