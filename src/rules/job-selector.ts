import { JOB_CONTROLLER_LABELS } from './knowledge';
import { Rule } from './rule';
import { jobSpecOf } from './workloads';

/** RULEBOOK J8 and C6: the Job controller owns the selector and its labels. */
export const jobSelector: Rule = {
  id: 'job-selector',
  rulebook: ['J8', 'C6'],
  severity: 'error',
  what: 'A Job sets selector, manualSelector or the controller-owned job-name / controller-uid labels.',
  why: 'A hand-written selector can adopt pods of other Jobs; the apiserver rejects most such Jobs.',
  fix: 'Remove spec.selector, spec.manualSelector and the job-name / controller-uid labels from the pod template.',
  example: `kind: Job
spec:
  manualSelector: true
  selector: {matchLabels: {app: train}}`,
  check(object) {
    const spec = jobSpecOf(object);
    if (!spec) return [];
    const messages: string[] = [];
    if (spec.selector !== undefined) messages.push('spec.selector is set; let the Job controller generate it.');
    if (spec.manualSelector !== undefined) messages.push('spec.manualSelector is set; leave it unset.');
    const labels = spec.template?.metadata?.labels ?? {};
    for (const key of JOB_CONTROLLER_LABELS) {
      if (key in labels) messages.push(`pod template label '${key}' belongs to the Job controller.`);
    }
    return messages;
  },
};
