import { isLabelKey, isLabelValue } from './k8s-syntax';
import { Rule } from './rule';
import { podTemplatesOf } from './workloads';

const MAX_ANNOTATION_BYTES = 262144;

/**
 * Keys and values of a label map (metadata labels, a nodeSelector) the apiserver refuses,
 * each message starting with `prefix` (e.g. `metadata label`, `spec.nodeSelector`).
 */
export function labelMapProblems(labels: { [key: string]: any }, prefix: string): string[] {
  const messages: string[] = [];
  for (const [key, value] of Object.entries<any>(labels)) {
    if (!isLabelKey(key)) messages.push(`${prefix} key '${key}' is not a valid label key.`);
    if (!isLabelValue(value)) messages.push(`${prefix} '${key}' value '${value}' is not a valid label value (<= 63, alphanumerics, '-', '_', '.').`);
  }
  return messages;
}

function checkMetadata(metadata: any, where: string, messages: string[]): void {
  messages.push(...labelMapProblems(metadata?.labels ?? {}, `${where} label`));
  const annotations = metadata?.annotations ?? {};
  let bytes = 0;
  for (const [key, value] of Object.entries<any>(annotations)) {
    if (!isLabelKey(key)) messages.push(`${where} annotation key '${key}' is not a valid key.`);
    bytes += Buffer.byteLength(key) + Buffer.byteLength(String(value));
  }
  if (bytes > MAX_ANNOTATION_BYTES) messages.push(`${where} annotations total ${bytes} bytes; at most ${MAX_ANNOTATION_BYTES} are allowed.`);
}

/** RULEBOOK P10: label keys and values, and the annotation size limit, on objects and pod templates. */
export const labels: Rule = {
  id: 'labels',
  rulebook: ['P10'],
  severity: 'error',
  refusedBy: 'the apiserver',
  what: 'A label key or value, or an annotation key, is malformed, or annotations exceed 256 KiB.',
  why: 'The apiserver rejects the object.',
  fix: "Use label values of at most 63 alphanumerics, '-', '_' and '.', and keys with an optional DNS prefix.",
  example: `metadata:
  labels:
    experiment: "lr=3e-4 bs=256"   # spaces and '=' are not allowed`,
  check(object) {
    const messages: string[] = [];
    checkMetadata(object?.metadata, 'metadata', messages);
    if (object?.kind === 'CronJob') checkMetadata(object?.spec?.jobTemplate?.metadata, 'spec.jobTemplate.metadata', messages);
    for (const ref of podTemplatesOf(object)) {
      if (ref.path) checkMetadata(ref.template?.metadata, `${ref.path}.metadata`, messages);
    }
    return messages;
  },
};
