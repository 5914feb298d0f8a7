import { at, Rule, RuleMessage, WORKLOADS } from './rule';
import { envFieldRefProblem, envResourceFieldRefProblem, isEnvVarName } from '../k8s/syntax';
import { containerRefs } from '../k8s/workloads';
import { SOURCES } from '../knowledge/sources';

const VALUE_SOURCES = ['configMapKeyRef', 'secretKeyRef', 'fieldRef', 'resourceFieldRef'];
const FIELD_REF_FIX = 'Read metadata.name, metadata.namespace, metadata.uid, spec.nodeName, spec.serviceAccountName, status.hostIP(s) or ' +
  "status.podIP(s), or one label or annotation with its key quoted: metadata.annotations['batch.kubernetes.io/job-completion-index'].";
const RESOURCE_FIELD_REF_FIX = 'Read limits or requests of cpu, memory, ephemeral-storage or hugepages-<size>; pass a GPU count as a plain value.';

/**
 * Env var names, and exactly one source per valueFrom; the pod fields and resources a
 * fieldRef / resourceFieldRef may read (validateEnvVarValueFrom).
 */
export const envVars: Rule = {
  id: 'env-vars',
  sources: [SOURCES.coreValidation],
  kinds: [WORKLOADS],
  severity: 'error',
  refusedBy: 'the apiserver',
  what: 'An environment variable has an invalid name, is defined twice in one container, has a valueFrom with zero or several sources, or both value and valueFrom, or reads a pod field or resource an env var cannot.',
  why: 'The apiserver rejects the pod; a name defined twice is accepted with a warning and the last definition silently wins (a patched CHECKPOINT_DIR, a second LR).',
  fix: "Name variables with letters, digits, '_', '-' and '.', define each once per container, give each exactly one of value or a single valueFrom source, and read fields such as metadata.name or metadata.annotations['key'].",
  example: `env:
  - name: 1LR   # cannot start with a digit
    value: "3e-4"`,
  check(object, context) {
    const messages: RuleMessage[] = [];
    context.workloads.forEachPodSpec(object, (podSpec, path, _ref, keys) => {
      for (const { container, keys: containerKeys } of containerRefs(podSpec, keys)) {
        const seen = new Set<string>();
        (Array.isArray(container?.env) ? container.env : []).forEach((variable: any, i: number) => {
          const where = `${path} container '${container.name}' env '${variable?.name}'`;
          const entry = [...containerKeys, 'env', i];
          if (!isEnvVarName(variable?.name)) messages.push(at([...entry, 'name'], `${where}: not a valid environment variable name.`));
          if (seen.has(variable?.name)) messages.push(at([...entry, 'name'], `${where}: defined more than once; the last definition silently wins.`));
          seen.add(variable?.name);
          if (variable?.valueFrom !== undefined) {
            const from = [...entry, 'valueFrom'];
            const count = VALUE_SOURCES.filter((source) => variable.valueFrom[source] !== undefined).length;
            if (count !== 1) messages.push(at(from, `${where}: valueFrom must have exactly one source, found ${count}.`));
            if (variable.value !== undefined) messages.push(at([...entry, 'value'], `${where}: value and valueFrom are mutually exclusive.`));
            const fieldRef = variable.valueFrom.fieldRef === undefined ? undefined : envFieldRefProblem(variable.valueFrom.fieldRef);
            // At fieldPath, as the apiserver names it (a wrong apiVersion too: it fails converting the path).
            if (fieldRef !== undefined) messages.push(at([...from, 'fieldRef', 'fieldPath'], `${where}: valueFrom.fieldRef ${fieldRef}.`, FIELD_REF_FIX));
            const resourceFieldRef = variable.valueFrom.resourceFieldRef === undefined ? undefined
              : envResourceFieldRefProblem(variable.valueFrom.resourceFieldRef);
            if (resourceFieldRef !== undefined) {
              messages.push(at([...from, 'resourceFieldRef', 'resource'], `${where}: valueFrom.resourceFieldRef ${resourceFieldRef}.`, RESOURCE_FIELD_REF_FIX));
            }
          }
        });
      }
    });
    return messages;
  },
};
