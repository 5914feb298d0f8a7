import { at, EVERY_OBJECT, Rule, RuleMessage } from './rule';
import { FieldPath } from '../k8s/paths';
import { isLabelKey, labelMapProblems } from '../k8s/syntax';
import { SOURCES } from '../knowledge/sources';

const MAX_ANNOTATION_BYTES = 262144;

function checkMetadata(metadata: any, where: string, keys: FieldPath, messages: RuleMessage[]): void {
  for (const problem of labelMapProblems(metadata?.labels ?? {})) {
    messages.push(at([...keys, 'labels', problem.key], `${where} label ${problem.message}`));
  }
  const annotations = metadata?.annotations ?? {};
  let bytes = 0;
  for (const [key, value] of Object.entries<any>(annotations)) {
    if (!isLabelKey(key)) messages.push(at([...keys, 'annotations', key], `${where} annotation key '${key}' is not a valid key.`));
    bytes += Buffer.byteLength(key) + Buffer.byteLength(String(value));
  }
  if (bytes > MAX_ANNOTATION_BYTES) messages.push(at([...keys, 'annotations'], `${where} annotations total ${bytes} bytes; at most ${MAX_ANNOTATION_BYTES} are allowed.`));
}

/** Label keys and values, and the annotation size limit, on objects and pod templates. */
export const labels: Rule = {
  id: 'labels',
  sources: [SOURCES.labelValidation, 'https://github.com/kubernetes/apimachinery/blob/v0.37.2/pkg/api/validation/objectmeta.go'],
  kinds: [EVERY_OBJECT],
  severity: 'error',
  refusedBy: 'the apiserver',
  what: 'A label key or value, or an annotation key, is malformed, or annotations exceed 256 KiB.',
  why: 'The apiserver rejects the object.',
  fix: "Use label values of at most 63 alphanumerics, '-', '_' and '.', and keys with an optional DNS prefix.",
  example: `metadata:
  labels:
    experiment: "lr=3e-4 bs=256"   # spaces and '=' are not allowed`,
  check(object, context) {
    const messages: RuleMessage[] = [];
    checkMetadata(object?.metadata, 'metadata', ['metadata'], messages);
    if (object?.kind === 'CronJob') checkMetadata(object?.spec?.jobTemplate?.metadata, 'spec.jobTemplate.metadata', ['spec', 'jobTemplate', 'metadata'], messages);
    for (const ref of context.workloads.podTemplatesOf(object)) {
      if (ref.path) checkMetadata(ref.template?.metadata, `${ref.path}.metadata`, [...ref.keys, 'metadata'], messages);
    }
    return messages;
  },
};
