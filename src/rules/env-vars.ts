import { isEnvVarName } from './k8s-syntax';
import { Rule } from './rule';
import { containersOf, forEachPodSpec } from './workloads';

const SOURCES = ['configMapKeyRef', 'secretKeyRef', 'fieldRef', 'resourceFieldRef'];

/** RULEBOOK P4: env var names, and exactly one source per valueFrom. */
export const envVars: Rule = {
  id: 'env-vars',
  rulebook: ['P4'],
  severity: 'error',
  what: 'An environment variable has an invalid name, or a valueFrom with zero or several sources, or both value and valueFrom.',
  why: 'The apiserver rejects the pod.',
  fix: "Name variables with letters, digits, '_', '-' and '.', and give each exactly one of value or a single valueFrom source.",
  example: `env:
  - name: 1LR   # cannot start with a digit
    value: "3e-4"`,
  check(object) {
    const messages: string[] = [];
    forEachPodSpec(object, (podSpec, path) => {
      for (const container of containersOf(podSpec)) {
        for (const variable of container?.env ?? []) {
          const where = `${path} container '${container.name}' env '${variable?.name}'`;
          if (!isEnvVarName(variable?.name)) messages.push(`${where}: not a valid environment variable name.`);
          if (variable?.valueFrom !== undefined) {
            const count = SOURCES.filter((source) => variable.valueFrom[source] !== undefined).length;
            if (count !== 1) messages.push(`${where}: valueFrom must have exactly one source, found ${count}.`);
            if (variable.value !== undefined) messages.push(`${where}: value and valueFrom are mutually exclusive.`);
          }
        }
      }
    });
    return messages;
  },
};
