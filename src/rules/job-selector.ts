import { at, Rule, RuleMessage } from './rule';
import { jobSpecKeys, jobSpecOf } from '../k8s/workloads';
import { JOB_CONTROLLER_LABELS } from '../knowledge/controllers';
import { SOURCES } from '../knowledge/sources';

/** The Job controller owns the selector and its labels. */
export const jobSelector: Rule = {
  id: 'job-selector',
  sources: [SOURCES.batchValidation, SOURCES.jobStrategy],
  kinds: ['Job', 'CronJob'],
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
    const base = jobSpecKeys(object);
    const messages: RuleMessage[] = [];
    if (spec.selector !== undefined) messages.push(at([...base, 'selector'], 'spec.selector is set; let the Job controller generate it.'));
    if (spec.manualSelector !== undefined) messages.push(at([...base, 'manualSelector'], 'spec.manualSelector is set; leave it unset.'));
    const labels = spec.template?.metadata?.labels ?? {};
    for (const key of JOB_CONTROLLER_LABELS) {
      if (key in labels) messages.push(at([...base, 'template', 'metadata', 'labels', key], `pod template label '${key}' belongs to the Job controller.`));
    }
    return messages;
  },
};
