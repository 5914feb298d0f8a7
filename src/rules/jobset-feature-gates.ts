import { jobSetSpecOf } from './jobset-admission';
import { at, Rule, RuleMessage } from './rule';
import { SOURCES } from '../knowledge/sources';

/** Failure-policy actions behind the JobSet RestartJob feature gate, alpha and off by default in v0.12 (pkg/features). */
const GATED_ACTIONS = ['RestartJob', 'RestartJobAndIgnoreMaxRestarts'];

/**
 * JobSet features a default install refuses. The webhook checks them only while their gate is
 * off, so this is not one of the webhook's unconditional refusals (jobset-admission): a cluster
 * that runs JobSet with the gate on acknowledges the rule.
 */
export const jobSetFeatureGates: Rule = {
  id: 'jobset-feature-gates',
  sources: [SOURCES.jobsetWebhook, 'https://github.com/kubernetes-sigs/jobset/blob/v0.12.0/pkg/features/features.go'],
  kinds: ['JobSet', 'TrainingRuntime', 'ClusterTrainingRuntime'],
  severity: 'error',
  what: 'A JobSet (or a Trainer v2 runtime\'s JobSet template) uses a failure-policy action behind an alpha JobSet feature gate (RestartJob, RestartJobAndIgnoreMaxRestarts).',
  why: 'With the gate off, as JobSet ships, its webhook refuses the JobSet at create time: the training never starts.',
  fix: 'Use RestartJobSet or RestartJobSetAndIgnoreMaxRestarts; where the JobSet controller runs with --feature-gates=RestartJob=true, acknowledge this rule.',
  example: `kind: JobSet
spec:
  failurePolicy:
    rules:
      - name: restart_one
        action: RestartJob   # alpha: refused unless the RestartJob gate is on`,
  check(object) {
    const found = jobSetSpecOf(object);
    const rules: any[] = Array.isArray(found?.spec?.failurePolicy?.rules) ? found!.spec.failurePolicy.rules : [];
    const messages: RuleMessage[] = [];
    rules.forEach((rule, i) => {
      if (GATED_ACTIONS.includes(rule?.action)) {
        messages.push(at([...found!.keys, 'failurePolicy', 'rules', i, 'action'],
          `${found!.path}.failurePolicy.rules[${i}].action ${rule.action} needs the JobSet RestartJob feature gate (alpha, off by default): ` +
          'a default JobSet install refuses the JobSet.'));
      }
    });
    return messages;
  },
};
