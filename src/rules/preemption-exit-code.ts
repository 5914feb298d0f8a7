import { at, Rule, RuleMessage, WORKLOADS } from './rule';
import { containerRefs, jobSpecOf } from '../k8s/workloads';
import { ENV_PREEMPTION_EXIT_CODE } from '../knowledge/contract';
import { SOURCES } from '../knowledge/sources';

/** The trainer's emergency-exit code must be non-zero, and a Job's podFailurePolicy must ignore it. */
export const preemptionExitCode: Rule = {
  id: 'preemption-exit-code',
  sources: [SOURCES.preemptionContract, SOURCES.jobController],
  kinds: [WORKLOADS],
  severity: 'error',
  what: 'PREEMPTION_EXIT_CODE is 0 or not an exit code, or a Job with a podFailurePolicy does not ignore it.',
  why: 'Exit 0 after an emergency checkpoint marks an unfinished Job Succeeded; a code the policy counts uses up backoffLimit on every preemption.',
  fix: 'Use 143 (128 + SIGTERM) and an Ignore rule for it in the podFailurePolicy (the constructs do both).',
  example: 'env:\n  - {name: PREEMPTION_EXIT_CODE, value: "0"}   # marks the Job Succeeded',
  check(object, context) {
    const messages: RuleMessage[] = [];
    const ignored: number[] = (jobSpecOf(object)?.podFailurePolicy?.rules ?? [])
      .filter((rule: any) => rule?.action === 'Ignore' && rule?.onExitCodes?.operator === 'In')
      .flatMap((rule: any) => rule.onExitCodes.values ?? []);
    const hasPolicy = jobSpecOf(object)?.podFailurePolicy !== undefined;
    context.workloads.forEachPodSpec(object, (podSpec, path, _ref, keys) => {
      for (const { container, keys: containerKeys } of containerRefs(podSpec, keys)) {
        const env: any[] = container?.env ?? [];
        const index = env.findIndex((e: any) => e?.name === ENV_PREEMPTION_EXIT_CODE);
        const variable = env[index];
        if (variable?.value === undefined) continue;
        const where = [...containerKeys, 'env', index, 'value'];
        const code = Number(variable.value);
        if (!/^\d+$/.test(String(variable.value)) || code < 1 || code > 255) {
          messages.push(at(where, `${path} container '${container.name}' ${ENV_PREEMPTION_EXIT_CODE} (${variable.value}) must be an exit code from 1 to 255${code === 0 ? ': exit 0 marks an unfinished Job Succeeded' : ''}.`));
        } else if (hasPolicy && !ignored.includes(code)) {
          messages.push(at(where, `${path} container '${container.name}' exits ${code} after its emergency checkpoint, but the podFailurePolicy does not ignore ${code}: every preemption counts against backoffLimit.`));
        }
      }
    });
    return messages;
  },
};
