/** The trainer's environment: the library's variables, a construct's, then the user's, each checked as the apiserver will. */
import * as k8s from '../../k8s/api';
import { copyJson } from '../../k8s/json';
import { envFieldRefProblem, isEnvVarName } from '../../k8s/syntax';
import {
  ENV_CHECKPOINT_DIR, ENV_CHECKPOINT_INTERVAL_EPOCHS, ENV_CHECKPOINT_INTERVAL_SECONDS, ENV_CONFIG_ERROR_EXIT_CODE, ENV_PREEMPTION_EXIT_CODE,
} from '../../knowledge/contract';
import { invalid } from '../errors';
import { EnvValue } from '../pod-values';

/** The variables the library sets in the trainer container. */
const LIBRARY_ENV = [
  ENV_CHECKPOINT_DIR, ENV_CHECKPOINT_INTERVAL_EPOCHS, ENV_CHECKPOINT_INTERVAL_SECONDS, ENV_PREEMPTION_EXIT_CODE, ENV_CONFIG_ERROR_EXIT_CODE,
];

/** Env names a construct's runtime sets (the operator, the launcher, a sweep), which user env must not override. */
export interface ReservedEnv {
  readonly matches: (name: string) => boolean;
  /** Why, after the name: "is set for the ranks by the operator...". */
  readonly why: string;
}

/** Env values as Kubernetes writes them (a cdk8s-plus EnvValue of any version has the same shape). */
export function envList(prop: string, env: { [name: string]: EnvValue } | undefined, check: (name: string) => void = () => {}): k8s.EnvVar[] {
  return Object.entries(env ?? {}).map(([name, value]) => {
    if (!isEnvVarName(name)) {
      throw invalid(prop, `${prop}: '${name}' is not a valid environment variable name; use letters, digits, '_', '-' and '.', not starting with a digit.`);
    }
    check(name);
    if (value === undefined || value === null || (value.value === undefined) === (value.valueFrom === undefined)) {
      throw invalid(prop, `${prop}: '${name}' needs exactly one of a value or a reference; use EnvValue.fromValue('...'), fromSecret, fromConfigMap or fromFieldRef.`);
    }
    const fieldRef = value.valueFrom?.fieldRef === undefined ? undefined : envFieldRefProblem(value.valueFrom.fieldRef);
    if (fieldRef !== undefined) {
      throw invalid(prop, `${prop}: '${name}' EnvValue.fromFieldRef: ${fieldRef}; e.g. EnvValue.fromFieldRef('metadata.name') or ` +
        "EnvValue.fromFieldRef(\"metadata.annotations['batch.kubernetes.io/job-completion-index']\").");
    }
    return { name, value: value.value, valueFrom: copyJson(value.valueFrom) };
  });
}

/** The user's `env`, refused where it would override the library's, the construct's or the runtime's variables. */
export function userEnv(env: { [name: string]: EnvValue } | undefined, taken: k8s.EnvVar[], reserved?: ReservedEnv): k8s.EnvVar[] {
  const names = new Set(taken.map((entry) => entry.name));
  return envList('env', env, (name) => {
    if (reserved?.matches(name)) {
      throw invalid('env', `env: '${name}' ${reserved.why}; remove it from env.`);
    }
    if (LIBRARY_ENV.includes(name) || names.has(name)) {
      throw invalid('env', `env: '${name}' is set by the library; configure it through its prop (checkpoint, preemption) instead.`);
    }
  });
}
