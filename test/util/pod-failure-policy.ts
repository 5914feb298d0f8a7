/**
 * What the Job controller does with a failed pod under a podFailurePolicy (KEP-3329): the
 * first matching rule wins; no match means Count. Used to check that the trainer's exit codes
 * and the synthesized policy agree.
 */
export type PolicyAction = 'Ignore' | 'Count' | 'FailJob' | 'FailIndex';

export interface FailedPod {
  /** Exit code of each container that terminated. */
  readonly exitCodes: { [container: string]: number };
  /** Pod conditions with status True, e.g. DisruptionTarget. */
  readonly conditions?: string[];
}

export function actionFor(policy: any, pod: FailedPod): PolicyAction {
  for (const rule of policy?.rules ?? []) {
    const onExitCodes = rule.onExitCodes;
    if (onExitCodes) {
      const matches = Object.entries(pod.exitCodes).some(([container, code]) => {
        if (code === 0) return false;
        if (onExitCodes.containerName && onExitCodes.containerName !== container) return false;
        const listed = onExitCodes.values.includes(code);
        return onExitCodes.operator === 'In' ? listed : !listed;
      });
      if (matches) return rule.action;
    }
    const patterns: any[] = rule.onPodConditions ?? [];
    if (patterns.some((pattern) => (pattern.status ?? 'True') === 'True' && (pod.conditions ?? []).includes(pattern.type))) {
      return rule.action;
    }
  }
  return 'Count';
}

/**
 * Whether the Training Operator restarts a replica pod that exited with `exitCode` under
 * the replica `restartPolicy` (RULEBOOK K6): ExitCode retries 128 and up, OnFailure any
 * failure, Never none.
 */
export function replicaRetries(restartPolicy: string, exitCode: number): boolean {
  if (exitCode === 0) return false;
  switch (restartPolicy) {
    case 'ExitCode': return exitCode >= 128;
    case 'OnFailure': return true;
    default: return false;
  }
}
