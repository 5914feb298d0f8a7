/** The labels of the workload and its pods, and the pods' annotations. */
import { ApiObject } from 'cdk8s';
import { Labels } from '../../k8s/api';
import { isLabelKey, isLabelValue } from '../../k8s/syntax';
import { DO_NOT_EVICT_ANNOTATIONS } from '../../knowledge/autoscalers';
import { MANAGED_BY } from '../../knowledge/contract';
import { JOB_CONTROLLER_LABELS, KUEUE_PRIORITY_LABEL, KUEUE_QUEUE_LABEL } from '../../knowledge/controllers';
import { invalid } from '../errors';
import { TrainingWorkloadProps } from '../training-workload-props';

/** Labels `labels` cannot set (they also go on the pods), and who sets them instead. */
const RESERVED_LABELS: { [key: string]: string } = {
  [KUEUE_QUEUE_LABEL]: 'is set by the queue prop, on the workload only (Kueue reads it there; on the pods it is not where Kueue looks)',
  [KUEUE_PRIORITY_LABEL]: 'is set by the workloadPriorityClass prop, on the workload only',
  ...Object.fromEntries(JOB_CONTROLLER_LABELS.map((key) => [key, 'belongs to the Job controller, which sets it on every pod'])),
};

/** A label value checked, naming the prop it came from. */
export function checkedLabelValue(prop: string, value: string): string {
  if (!isLabelValue(value)) {
    throw invalid(prop,
      `${prop} ('${value}') is not a valid label value: at most 63 characters, alphanumerics, '-', '_' and '.', ` +
      'starting and ending with an alphanumeric.',
    );
  }
  return value;
}

/** The labels of the pods, and of objects Kueue does not admit (CronJob, TrainingRuntime). */
export function podLabels(props: TrainingWorkloadProps, workloadName: string, component: string): Labels {
  const labels: Labels = {
    'app': workloadName,
    'experiment': checkedLabelValue('experiment', props.experiment ?? workloadName),
    'app.kubernetes.io/name': workloadName,
    'app.kubernetes.io/component': component,
    'app.kubernetes.io/managed-by': MANAGED_BY,
  };
  if (props.version !== undefined) {
    labels.version = checkedLabelValue('version', props.version);
    labels['app.kubernetes.io/version'] = props.version;
  }
  for (const [key, value] of Object.entries(props.labels ?? {})) {
    if (!isLabelKey(key)) {
      throw invalid('labels', `labels: key '${key}' is not a valid label key: an optional DNS subdomain prefix and '/', then at most 63 alphanumerics, '-', '_' or '.'.`);
    }
    const owner = RESERVED_LABELS[key];
    if (owner !== undefined) throw invalid('labels', `labels: '${key}' ${owner}; remove it from labels.`);
    checkedLabelValue(`labels['${key}']`, value);
    labels[key] = value;
  }
  return labels;
}

/** `labels` plus the Kueue labels, for the object Kueue admits. */
export function workloadLabels(props: TrainingWorkloadProps, labels: Labels): Labels {
  const result: Labels = { ...labels };
  if (props.queue !== undefined) {
    result[KUEUE_QUEUE_LABEL] = checkedLabelValue('queue', props.queue);
  }
  if (props.workloadPriorityClass !== undefined) {
    result[KUEUE_PRIORITY_LABEL] = checkedLabelValue('workloadPriorityClass', props.workloadPriorityClass);
  }
  return result;
}

/** The pods' annotations: the autoscaler ones unless `autoscalerMayEvict`, then the user's; keys checked and sorted. */
export function podAnnotations(props: TrainingWorkloadProps): Labels | undefined {
  const annotations = props.podAnnotations ?? {};
  for (const key of Object.keys(annotations)) {
    if (!isLabelKey(key)) throw invalid('podAnnotations', `podAnnotations: '${key}' is not an annotation key; e.g. 'gke-gcsfuse/volumes'.`);
  }
  const all = { ...(props.autoscalerMayEvict ? {} : DO_NOT_EVICT_ANNOTATIONS), ...annotations };
  return Object.keys(all).length === 0 ? undefined : sortKeys(all);
}

/** A record with its keys in code-point order, so output does not depend on how it was built. */
export function sortKeys(record: Labels): Labels {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Adds each label to the object's metadata. */
export function addLabels(apiObject: ApiObject, labels: Labels): void {
  for (const [key, value] of Object.entries(labels)) {
    apiObject.metadata.addLabel(key, value);
  }
}
