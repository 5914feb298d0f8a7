/**
 * The trainer's half of the preemption contract, as the manifest sees it (DESIGN.md "The
 * preemption contract"): on SIGTERM the trainer writes an emergency checkpoint and exits
 * with `exitCode`; on a configuration error it exits with one of `nonRetriableExitCodes`.
 */
export interface PreemptionContract {
  /**
   * The non-zero exit code the trainer uses after its emergency checkpoint. The Job ignores
   * it (it does not count against backoffLimit). Passed as `PREEMPTION_EXIT_CODE`.
   * @default 143 (128 + SIGTERM)
   */
  readonly exitCode?: number;

  /**
   * Exit codes that mean "retrying cannot help" (bad configuration): they fail the Job at
   * once. The first is passed as `CONFIG_ERROR_EXIT_CODE`.
   * @default [2] (the exit code of argparse and most CLIs on bad arguments)
   */
  readonly nonRetriableExitCodes?: number[];
}
