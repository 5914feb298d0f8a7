import { at, Rule, RuleMessage, WORKLOADS } from './rule';
import { FieldPath } from '../k8s/paths';
import { interpreterProgramAt, programWords, readScript, scriptCommands, shellCommandOf, shellSyntaxIn } from '../k8s/shell';
import { containerRefs } from '../k8s/workloads';
import { SWEEP_ASSIGNMENT_FILE_ENV } from '../knowledge/contract';
import { TRAINING_OPERATOR_ENV } from '../knowledge/controllers';
import { SOURCES } from '../knowledge/sources';
import { trainingReason, waitsOrSetsUp } from '../knowledge/training';

/** command and args are not run by a shell; `sh -c` must exec the trainer. */
export const shellSyntax: Rule = {
  id: 'shell-syntax',
  sources: [SOURCES.expansion, SOURCES.preemptionContract],
  kinds: [WORKLOADS],
  severity: 'error',
  what: 'A container passes shell syntax in command/args without a shell, or runs `sh -c` without exec ' +
    '(a warning for a bash list that ends in the trainer: newer bash releases run it in place of the shell, older ones fork for it).',
  why: 'Kubernetes runs no shell: `$(date ...)`, `$VAR`, pipes and `&&` reach the program literally; and behind `sh -c` without exec, SIGTERM stops at the shell and the emergency checkpoint never runs.',
  fix: "Use TrainerCommand.shell('...') (sh -c 'exec ...'), compute the value in the trainer, or reference an env var as $(VAR).",
  example: 'args: [\'--data-start-date=$(date -d "30 days ago" +%F)\']   # no shell runs this',
  check(object, context) {
    const messages: RuleMessage[] = [];
    const training = trainingReason(context.workloads, object) !== undefined;
    context.workloads.forEachPodSpec(object, (podSpec, path, _ref, keys) => {
      for (const { container, keys: containerKeys } of containerRefs(podSpec, keys)) {
        const where = `${path} container '${container?.name}'`;
        const argv: Array<[FieldPath, unknown]> = [
          ...(Array.isArray(container?.command) ? container.command : []).map((arg: unknown, i: number): [FieldPath, unknown] => [[...containerKeys, 'command', i], arg]),
          ...(Array.isArray(container?.args) ? container.args : []).map((arg: unknown, i: number): [FieldPath, unknown] => [[...containerKeys, 'args', i], arg]),
        ];
        const shell = shellCommandOf(argv.map(([, arg]) => arg));
        // The script is the argument after `-c`; its parameters follow it.
        const scriptAt = shell === undefined ? containerKeys : argv[shell.scriptIndex][0];
        const script = shell === undefined ? undefined : readScript(shell);
        if (script?.error !== undefined) {
          messages.push(at(scriptAt, `${where} runs a ${shell!.shell} script that is not valid shell (${script.error})${quoteEnd(shell!.script)}.`));
        }
        // Init containers finish before the trainer starts: no SIGTERM to forward.
        // SIGTERM stopping at the shell costs a training run its emergency checkpoint; other pods are left alone.
        const forwards = training && containerKeys[containerKeys.length - 2] === 'containers';
        if (shell !== undefined && script?.error === undefined && forwards && !script!.handsOver) {
          const message = `${where} runs a ${shell.shell} script that does not exec its last command${quoteEnd(shell.script)}; SIGTERM would stop at the shell`;
          // Where the last command only waits or prints (`sleep 10` after the trainer), the trainer ran as the shell's child whatever the bash.
          const commands = scriptCommands(shell);
          const lastProgram = commands.length > 0 ? programWords(commands[commands.length - 1])[0] : undefined;
          if (shell.shell === 'bash' && script!.handsOverInNewerBash && !waitsOrSetsUp(lastProgram)) {
            // Newer bash releases run the last plain command of a -c list in place of themselves (test/shell.test.ts
            // measures this machine's): a warning, as the image's bash decides.
            messages.push({
              ...at(scriptAt, `${message}, unless the image's bash is a newer release (5.2 is), which runs the last command of a list in place of itself.`),
              severity: 'warning',
            });
          } else {
            messages.push(at(scriptAt, `${message}${shell.shell === 'bash' ? '.' : ' (dash, Debian\'s and Ubuntu\'s sh, forks even for a script of one command).'}`));
          }
        }
        const injected = object?.kind === 'PyTorchJob' ? TRAINING_OPERATOR_ENV : [];
        const env: string[] = (container?.env ?? []).map((e: any) => e?.name);
        const defined = new Set<string>([...injected, ...env]);
        // A wrapper script that ends in `exec "$@"` runs its arguments as the command; when those
        // are `sh -c '<script>'` themselves (TrainerCommand.shell inside a sweep), a shell runs
        // that script too, and only its own trailing arguments are literal.
        let literal: Array<[string, unknown, FieldPath]>;
        if (shell === undefined) {
          literal = argv.map(([keysOf, arg]) => [String(keysOf[keysOf.length - 2]), arg, keysOf]);
          // `python3 -c <program>`: the program is Python (the launcher), not a shell word.
          const programAt = interpreterProgramAt(literal.map(([, arg]) => arg));
          if (programAt !== undefined) literal.splice(programAt, 1);
        } else {
          const nested = script?.execsParams ? shellCommandOf(shell.params) : undefined;
          const nestedScript = nested === undefined ? undefined : readScript(nested);
          const paramsAt = shell.scriptIndex + 2;
          if (nested !== undefined && forwards && nestedScript!.error === undefined && !nestedScript!.handsOver) {
            messages.push(at(argv[paramsAt + nested.scriptIndex][0],
              `${where} runs a ${nested.shell} script that does not exec its last command${quoteEnd(nested.script)}; SIGTERM would stop at the shell.`));
          }
          const params = nested === undefined ? paramsAt : paramsAt + nested.scriptIndex + 2;
          literal = (nested ?? shell).params.map((param, i) => ['argument', param, argv[params + i][0]]);
        }
        // A sweep's HP_* values are loaded per trial by its wrapper, after Kubernetes expanded $(VAR).
        const sweep = env.includes(SWEEP_ASSIGNMENT_FILE_ENV);
        for (const [field, arg, argAt] of literal) {
          if (typeof arg !== 'string') continue;
          const found = shellSyntaxIn(arg, defined);
          if (found.length === 0) continue;
          const hp = sweep ? /\$\((HP_[A-Z0-9_]+)\)/.exec(arg) : null;
          if (hp) {
            messages.push(at(argAt, `${where} ${field} "${arg}" uses '$(${hp[1]})', which Kubernetes cannot expand: a trial's HP_* values are loaded when ` +
              'the trial starts.', `Pass it through a shell, which runs after the values are loaded: TrainerCommand.shell('python train.py --flag="$${hp[1]}"').`));
          } else {
            messages.push(at(argAt, `${where} ${field} "${arg}" has shell syntax that no shell will run: ${found.join(', ')}.`));
          }
        }
      }
    });
    return messages;
  },
};

/**
 * A script as a finding quotes it: whole when it is one line, else its last non-empty line
 * (the command that should be exec'd, or where the shell gave up), so a finding stays a line.
 */
function quoteEnd(script: string): string {
  const lines = script.split('\n').map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#'));
  if (lines.length <= 1) return `: "${script.trim()}"`;
  const last = lines[lines.length - 1];
  return `: "${last.length > 120 ? `${last.slice(0, 117)}...` : last}" (the last of its ${lines.length} lines)`;
}
