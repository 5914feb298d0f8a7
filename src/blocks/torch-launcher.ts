/**
 * The preemption-aware launcher DistributedPyTorchJob runs instead of the `torchrun` entry
 * point. torchrun itself exits 1 whatever happened: on SIGTERM its agent stops the workers
 * and re-raises the signal as an exception, and a worker's exit code (2 for a configuration
 * error, 143 after an emergency checkpoint) is reported only in its log. The controllers
 * decide on the container's exit code, so the launcher runs torch's own launcher
 * (`torch.distributed.run`, the code behind torchrun) in-process and maps its outcome:
 *
 * - this pod was told to stop (SIGTERM: spot reclaim, drain): the workers got SIGTERM and
 *   saved; exit the contract's preemption code;
 * - a worker exited with a non-retriable code: exit that code (the run fails at once);
 * - the workers were stopped by SIGTERM themselves: the preemption code;
 * - any other failure: a crash, or this rank lost a peer. It records the failure in the job's
 *   event folder on the shared checkpoint volume and waits `settleSeconds` for the other
 *   pods to record theirs (a preempted peer's pod ends meanwhile, so on the JobSet engines its
 *   controller sees the preemption first). After another pod's preemption it exits the
 *   preemption code, uncounted. Otherwise, where the launcher keeps the crash budget
 *   (`crashBudget`, Training Operator ExitCode), after another pod's earlier failure it exits
 *   `RETRY_EXIT_CODE`, uncounted; the first failure is a crash, counted: retried with
 *   `RETRY_EXIT_CODE` while the budget lasts, exit 1 (permanent) after. Without a budget (the
 *   JobSet engines, whose controller counts restarts) it exits 1.
 */

/** The first line of the launcher's script: how rules and lint recognise it as torchrun. */
export const TORCH_LAUNCHER_MARKER = '# cdk8s-training launcher: torch.distributed.run (torchrun) with exit codes the controllers act on';

/** What a counted crash exits with while the budget lasts: 128 + SIGALRM, retried by the ExitCode policy. */
export const RETRY_EXIT_CODE = 142;

export interface TorchLauncherOptions {
  /** The contract's preemption exit code. */
  readonly preemptionExitCode: number;
  /** Exit codes that fail the run at once. */
  readonly nonRetriableExitCodes: number[];
  /** Crashes tolerated by the launcher itself; undefined when the controller counts them. */
  readonly crashBudget?: number;
  /**
   * The job whose pods share an event folder, `$CHECKPOINT_DIR/.cdk8s-training/launcher/<job>`
   * on the shared checkpoint volume; without `CHECKPOINT_DIR` in the pod there is none.
   */
  readonly job?: string;
  /** How long before a failure another pod's preemption or failure makes it a consequence (follow-on). */
  readonly followOnSeconds: number;
  /** How long a failed launcher waits for the other pods to record theirs before deciding. */
  readonly settleSeconds: number;
  /** Events older than this are a previous run's (the run's deadline). */
  readonly horizonSeconds: number;
}

/**
 * The launcher's Python source for `python3 -c`. Its arguments are torchrun's. It contains
 * no `$(`, so the kubelet's variable expansion leaves it alone.
 */
export function torchLauncherScript(options: TorchLauncherOptions): string {
  const budget = options.crashBudget === undefined ? 'None' : String(options.crashBudget);
  const job = options.job === undefined ? 'None' : JSON.stringify(options.job);
  return [
    TORCH_LAUNCHER_MARKER,
    'import os, signal, socket, sys, time',
    'from torch.distributed.run import parse_args, run',
    'from torch.distributed.elastic.multiprocessing.api import SignalException',
    'from torch.distributed.elastic.multiprocessing.errors import ChildFailedError',
    `PREEMPTED, RETRY, FATAL = ${options.preemptionExitCode}, ${RETRY_EXIT_CODE}, (${options.nonRetriableExitCodes.map((c) => `${c}, `).join('')})`,
    `BUDGET, JOB = ${budget}, ${job}`,
    'EVENTS = os.path.join(os.environ["CHECKPOINT_DIR"], ".cdk8s-training", "launcher", JOB) if JOB and os.environ.get("CHECKPOINT_DIR") else None',
    `FOLLOW_ON, SETTLE, HORIZON = ${options.followOnSeconds}, ${options.settleSeconds}, ${options.horizonSeconds}`,
    'def say(message):',
    '    print("cdk8s-training launcher: " + message, file=sys.stderr, flush=True)',
    'def me():',
    '    return (os.environ.get("HOSTNAME") or socket.gethostname()).replace("_", "-")',
    'def events():',
    '    try:',
    '        names = os.listdir(EVENTS)',
    '    except OSError:',
    '        return []',
    '    now, found = time.time(), []',
    '    for name in names:',
    '        parts = name.split("_")',
    '        if len(parts) == 3 and parts[0].isdigit() and now - int(parts[0]) / 1000 <= HORIZON:',
    '            found.append((int(parts[0]) / 1000, parts[1], parts[2]))',
    '    return found',
    'def record(kind):',
    '    if EVENTS is None:',
    '        return',
    '    try:',
    '        os.makedirs(EVENTS, exist_ok=True)',
    '        name = "%d_%s_%s" % (time.time() * 1000, me(), kind)',
    '        open(os.path.join(EVENTS, name), "x").close()',
    '    except OSError as error:',
    '        say("could not record %s in %s: %s" % (kind, EVENTS, error))',
    'def outcome():',
    '    try:',
    '        run(parse_args(sys.argv[1:]))',
    '        return 0',
    '    except SignalException as stop:',
    '        say("got %s: the workers were stopped to save; exit %d (preempted)" % (stop.sigval.name, PREEMPTED))',
    '        record("preempted")',
    '        return PREEMPTED',
    '    except ChildFailedError as failed:',
    '        codes = sorted(set(f.exitcode for f in failed.failures.values()))',
    '    fatal = [c for c in codes if c in FATAL]',
    '    if fatal:',
    '        say("a worker exited %d, a configuration error: exit %d (not retried)" % (fatal[0], fatal[0]))',
    '        return fatal[0]',
    '    if all(c in (PREEMPTED, -signal.SIGTERM) for c in codes):',
    '        say("the workers stopped on SIGTERM: exit %d (preempted)" % PREEMPTED)',
    '        record("preempted")',
    '        return PREEMPTED',
    '    if EVENTS is None:',
    '        say("the workers failed with exit codes %s: exit 1" % codes)',
    '        return 1',
    '    # Record first, decide after the other pods had time to record theirs (and a preempted',
    '    # pod had time to end first, so its controller sees the preemption before this failure).',
    '    host, failed_at = me(), time.time()',
    '    record("failed")',
    '    time.sleep(SETTLE)',
    '    others = [(t, k) for t, h, k in events() if h != host and failed_at - FOLLOW_ON <= t]',
    '    if any(k == "preempted" for t, k in others):',
    '        say("the workers failed with exit codes %s after another pod was preempted: exit %d, not counted" % (codes, PREEMPTED))',
    '        return PREEMPTED',
    '    if BUDGET is None:',
    '        say("the workers failed with exit codes %s: exit 1" % codes)',
    '        return 1',
    '    if any(k == "failed" and t < failed_at for t, k in others):',
    '        say("the workers failed with exit codes %s after another pod failed first: exit %d, not counted" % (codes, RETRY))',
    '        return RETRY',
    '    record("crash")',
    '    crashes = sum(1 for t, h, k in events() if k == "crash")',
    '    if crashes > BUDGET:',
    '        say("the workers failed with exit codes %s: crash %d, over the budget of %d: exit 1 (not retried)" % (codes, crashes, BUDGET))',
    '        return 1',
    '    say("the workers failed with exit codes %s: crash %d of %d allowed: exit %d (retried)" % (codes, crashes, BUDGET, RETRY))',
    '    return RETRY',
    'sys.exit(outcome())',
    '',
  ].join('\n');
}
