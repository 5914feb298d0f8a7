import { at, Rule, RuleMessage, WORKLOADS } from './rule';
import { KUEUE_PRIORITY_LABEL, KUEUE_QUEUE_LABEL } from '../knowledge/controllers';
import { SOURCES } from '../knowledge/sources';

const KUEUE_LABELS = [KUEUE_QUEUE_LABEL, KUEUE_PRIORITY_LABEL];

/** Kueue reads its labels from the workload, not from pod templates. */
export const kueueLabels: Rule = {
  id: 'kueue-labels',
  sources: [SOURCES.kueueLabels],
  kinds: [WORKLOADS],
  severity: 'error',
  what: 'A Kueue queue or priority label is on a pod template and not on the workload (a copy on both is fine).',
  why: 'Kueue admits workloads (Job, PyTorchJob, the CronJob job template) by their own labels; on the pod template it is ignored and the job bypasses the queue.',
  fix: 'Move kueue.x-k8s.io/queue-name to the metadata of the Job, PyTorchJob or CronJob jobTemplate.',
  example: `kind: Job
spec:
  template:
    metadata:
      labels: {kueue.x-k8s.io/queue-name: gpu}   # belongs on the Job`,
  check(object, context) {
    const messages: RuleMessage[] = [];
    // Where Kueue reads the labels: the workload object, or for a CronJob the Jobs it creates
    // (its jobTemplate's metadata).
    const workloadLabels = (object?.kind === 'CronJob' ? object?.spec?.jobTemplate?.metadata?.labels : object?.metadata?.labels) ?? {};
    for (const ref of context.workloads.podTemplatesOf(object)) {
      if (!ref.path) continue;
      for (const label of KUEUE_LABELS) {
        if (ref.template?.metadata?.labels?.[label] !== undefined && workloadLabels[label] === undefined) {
          messages.push(at([...ref.keys, 'metadata', 'labels', label], `${ref.path}.metadata has the Kueue label '${label}'.`));
        }
      }
    }
    return messages;
  },
};
