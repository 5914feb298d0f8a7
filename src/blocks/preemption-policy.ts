import { invalid } from './errors';
import { PreemptionContract } from './preemption-contract';
import * as k8s from '../k8s/api';
import { DEFAULT_CONFIG_ERROR_EXIT_CODE, SIGTERM_EXIT_CODE } from '../knowledge/contract';
import { DISRUPTION_TARGET } from '../knowledge/controllers';

/** Default `PreemptionContract.exitCode`: 128 + SIGTERM(15). */
export const DEFAULT_PREEMPTION_EXIT_CODE = SIGTERM_EXIT_CODE;
/** Default `PreemptionContract.nonRetriableExitCodes`. */
export const DEFAULT_NON_RETRIABLE_EXIT_CODES = [DEFAULT_CONFIG_ERROR_EXIT_CODE];

/** The contract with its defaults applied and checked. */
export interface ResolvedPreemptionContract {
  readonly exitCode: number;
  readonly nonRetriableExitCodes: number[];
}

/**
 * Applies defaults and rejects contracts that cannot work (exit 0, codes out of range,
 * the preemption code also declared non-retriable).
 */
export function resolvePreemptionContract(contract: PreemptionContract = {}): ResolvedPreemptionContract {
  const exitCode = contract.exitCode ?? DEFAULT_PREEMPTION_EXIT_CODE;
  if (exitCode === 0) {
    throw invalid('preemption.exitCode',
      'preemption.exitCode (0) must be non-zero: a trainer that exits 0 after its emergency checkpoint marks an ' +
      'unfinished Job Succeeded; use 143 (128 + SIGTERM).',
    );
  }
  checkExitCode('preemption.exitCode', exitCode);
  if (exitCode === 1) {
    throw invalid('preemption.exitCode',
      'preemption.exitCode (1) is the exit code of every uncaught Python exception: real crashes would be ignored as preemptions ' +
      'and retried forever within the deadline. Use 143 (128 + SIGTERM).',
    );
  }
  const codes = [...(contract.nonRetriableExitCodes ?? DEFAULT_NON_RETRIABLE_EXIT_CODES)];
  for (const code of codes) {
    checkExitCode('preemption.nonRetriableExitCodes', code);
  }
  if (codes.includes(exitCode)) {
    throw invalid('preemption.nonRetriableExitCodes',
      `preemption.nonRetriableExitCodes (${codes.join(', ')}) contains the preemption exit code ${exitCode}; ` +
      'a preempted trainer would fail the Job. Remove it from nonRetriableExitCodes.',
    );
  }
  if (new Set(codes).size !== codes.length) {
    throw invalid('preemption.nonRetriableExitCodes', `preemption.nonRetriableExitCodes (${codes.join(', ')}) has duplicates; list each code once.`);
  }
  return { exitCode, nonRetriableExitCodes: codes.sort((a, b) => a - b) };
}

function checkExitCode(prop: string, code: number): void {
  if (!Number.isInteger(code) || code < 1 || code > 255) {
    throw invalid(prop, `${prop} (${code}) must be a whole number from 1 to 255, the range of process exit codes.`);
  }
}

/**
 * The batch/v1 podFailurePolicy of the contract (docs/preemption-contract.md): disruptions and the
 * preemption exit code are ignored, non-retriable codes fail the Job, anything else counts.
 */
export function podFailurePolicyFor(containerName: string, contract: ResolvedPreemptionContract,
  configErrorAction: 'FailJob' | 'FailIndex' = 'FailJob'): { rules: k8s.PodFailurePolicyRule[] } {
  // The 1.28 OpenAPI marks onPodConditions as required (fixed in 1.29); the apiserver
  // tests len(onPodConditions), so an empty list keeps schema-based validators happy.
  const onExitCodes = (values: number[]) => ({ containerName, operator: 'In', values });
  const rules: k8s.PodFailurePolicyRule[] = [
    { action: 'Ignore', onPodConditions: [{ type: DISRUPTION_TARGET, status: 'True' }] },
    { action: 'Ignore', onExitCodes: onExitCodes([contract.exitCode]), onPodConditions: [] },
  ];
  if (contract.nonRetriableExitCodes.length > 0) {
    rules.push({ action: configErrorAction, onExitCodes: onExitCodes(contract.nonRetriableExitCodes), onPodConditions: [] });
  }
  return { rules };
}
