import { TRAINING_OPERATOR_ENV } from './knowledge';
import { Rule } from './rule';
import { interpreterProgramAt, readScript, shellCommandOf, shellSyntaxIn } from './shell';
import { containersOf, forEachPodSpec, trainingReason } from './workloads';
import { ASSIGNMENT_FILE_ENV } from '../trainer/sweep-grid';


/** RULEBOOK P5: command and args are not run by a shell; `sh -c` must exec the trainer. */
export const shellSyntax: Rule = {
  id: 'shell-syntax',
  rulebook: ['P5'],
  severity: 'error',
  what: 'A container passes shell syntax in command/args without a shell, or runs `sh -c` without exec.',
  why: 'Kubernetes runs no shell: `$(date ...)`, `$VAR`, pipes and `&&` reach the program literally; and behind `sh -c` without exec, SIGTERM stops at the shell and the emergency checkpoint never runs.',
  fix: "Use TrainerCommand.shell('...') (sh -c 'exec ...'), compute the value in the trainer, or reference an env var as $(VAR).",
  example: 'args: [\'--data-start-date=$(date -d "30 days ago" +%F)\']   # no shell runs this',
  check(object) {
    const messages: string[] = [];
    const training = trainingReason(object) !== undefined;
    forEachPodSpec(object, (podSpec, path) => {
      const initContainers = new Set(podSpec?.initContainers ?? []);
      for (const container of containersOf(podSpec)) {
        const where = `${path} container '${container?.name}'`;
        const shell = shellCommandOf([...(container?.command ?? []), ...(container?.args ?? [])]);
        const script = shell === undefined ? undefined : readScript(shell);
        if (script?.error !== undefined) {
          messages.push(`${where} runs a ${shell!.shell} script that is not valid shell (${script.error}): "${shell!.script}".`);
        }
        // Init containers finish before the trainer starts: no SIGTERM to forward.
        // SIGTERM stopping at the shell costs a training run its emergency checkpoint; other pods are left alone.
        const forwards = training && !initContainers.has(container);
        if (shell !== undefined && script?.error === undefined && forwards && !script!.handsOver) {
          messages.push(`${where} runs a ${shell.shell} script that does not exec its last command: "${shell.script}"; SIGTERM would stop at the shell` +
            (shell.shell === 'bash' ? '.' : ' (dash, Debian\'s and Ubuntu\'s sh, forks even for a script of one command).'));
        }
        const injected = object?.kind === 'PyTorchJob' ? TRAINING_OPERATOR_ENV : [];
        const env: string[] = (container?.env ?? []).map((e: any) => e?.name);
        const defined = new Set<string>([...injected, ...env]);
        // A wrapper script that ends in `exec "$@"` runs its arguments as the command; when those
        // are `sh -c '<script>'` themselves (TrainerCommand.shell inside a sweep), a shell runs
        // that script too, and only its own trailing arguments are literal.
        let literal: Array<[string, unknown]>;
        if (shell === undefined) {
          literal = [...(container?.command ?? []).map((arg: unknown) => ['command', arg]), ...(container?.args ?? []).map((arg: unknown) => ['args', arg])];
          // `python3 -c <program>`: the program is Python (the launcher), not a shell word.
          const programAt = interpreterProgramAt(literal.map(([, arg]) => arg));
          if (programAt !== undefined) literal.splice(programAt, 1);
        } else {
          const nested = script?.execsParams ? shellCommandOf(shell.params) : undefined;
          const nestedScript = nested === undefined ? undefined : readScript(nested);
          if (nested !== undefined && forwards && nestedScript!.error === undefined && !nestedScript!.handsOver) {
            messages.push(`${where} runs a ${nested.shell} script that does not exec its last command: "${nested.script}"; SIGTERM would stop at the shell.`);
          }
          literal = (nested ?? shell).params.map((param) => ['argument', param]);
        }
        // A sweep's HP_* values are loaded per trial by its wrapper, after Kubernetes expanded $(VAR).
        const sweep = env.includes(ASSIGNMENT_FILE_ENV);
        for (const [field, arg] of literal) {
          if (typeof arg !== 'string') continue;
          const found = shellSyntaxIn(arg, defined);
          if (found.length === 0) continue;
          const hp = sweep ? /\$\((HP_[A-Z0-9_]+)\)/.exec(arg) : null;
          if (hp) {
            messages.push(`${where} ${field} "${arg}" uses '$(${hp[1]})', which Kubernetes cannot expand: a trial's HP_* values are loaded when ` +
              `the trial starts. Pass it through a shell: TrainerCommand.shell('python train.py --flag="$${hp[1]}"').`);
          } else {
            messages.push(`${where} ${field} "${arg}" has shell syntax that no shell will run: ${found.join(', ')}.`);
          }
        }
      }
    });
    return messages;
  },
};
