import { Rule } from './rule';
import { containersOf, forEachPodSpec, trainingReason } from './workloads';
import { ASSIGNMENT_FILE_ENV } from '../trainer/sweep-grid';

const SHELLS = /^(\/usr)?(\/bin\/)?(sh|bash|dash|ash|zsh)$/;

/**
 * The `-c` script if the container runs `<shell> -c <script> [name [params...]]`, with the
 * positional parameters that follow it (which the shell does not evaluate), else undefined.
 */
export function shellScriptOf(container: any): { script: string; params: string[] } | undefined {
  const argv: string[] = [...(container?.command ?? []), ...(container?.args ?? [])];
  const shellAt = argv[0] === '/usr/bin/env' ? 1 : 0;
  if (!SHELLS.test(argv[shellAt] ?? '')) return undefined;
  const flag = argv.findIndex((arg, i) => i > shellAt && /^-[a-z]*c[a-z]*$/.test(arg));
  return flag >= 0 ? { script: argv[flag + 1] ?? '', params: argv.slice(flag + 3) } : undefined;
}

/** Whether a `-c` script hands the process over with exec, so SIGTERM reaches the trainer. */
function execs(script: string): boolean {
  return /(^|[\s;&|(])exec\s/.test(script) || singleSimpleCommand(script);
}

/**
 * A script of one simple command (`sleep 100`, `python train.py --lr=3e-4`): sh (dash) and
 * bash run it in place of themselves, as `exec` would, so SIGTERM reaches the program. Lists,
 * pipelines, subshells, substitutions, redirections and compound commands do not qualify.
 */
function singleSimpleCommand(script: string): boolean {
  const trimmed = script.trim();
  return trimmed !== '' && !/[;&|\n()`{}<>]|\$\(/.test(trimmed) && !/^(if|for|while|until|case|select|function|!)\b/.test(trimmed);
}

/** Shell syntax in one argv entry, given the env names that `$(VAR)` may expand. */
export function shellSyntaxIn(arg: string, definedEnv: ReadonlySet<string>): string[] {
  const found: string[] = [];
  const unescaped = arg.replace(/\$\$/g, '');
  for (const match of unescaped.matchAll(/\$\(([^)]*)\)?/g)) {
    const name = match[1];
    if (!(match[0].endsWith(')') && /^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(name) && definedEnv.has(name))) {
      found.push(`'${match[0]}' (a command substitution or an undefined variable; only $(VAR) of the container's env is expanded)`);
    }
  }
  if (unescaped.includes('`')) found.push('backticks');
  if (/\$\{/.test(unescaped)) found.push("'${...}'");
  for (const match of unescaped.matchAll(/\$([A-Za-z_][A-Za-z0-9_]*)/g)) found.push(`'$${match[1]}'`);
  if (arg.includes('&&') || arg.includes('||')) found.push("'&&' / '||'");
  if (/(^|\s)[|;](\s|$)/.test(arg) || /;$/.test(arg)) found.push("a '|' or ';' separator");
  return found;
}

/** Variables the Training Operator adds to PyTorchJob containers (RULEBOOK K7); $(VAR) of them is expanded. */
const OPERATOR_ENV = ['MASTER_ADDR', 'MASTER_PORT', 'WORLD_SIZE', 'RANK', 'PYTHONUNBUFFERED', 'PET_NPROC_PER_NODE', 'PET_NODE_RANK', 'PET_NNODES',
  'PET_RDZV_ENDPOINT', 'PET_RDZV_BACKEND', 'PET_MAX_RESTARTS', 'PET_RDZV_ID', 'PET_RDZV_CONF'];

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
        const shell = shellScriptOf(container);
        // Init containers finish before the trainer starts: no SIGTERM to forward.
        // SIGTERM stopping at the shell costs a training run its emergency checkpoint; other pods are left alone.
        if (shell !== undefined && training && !initContainers.has(container) && !execs(shell.script)) {
          messages.push(`${where} runs a shell script without 'exec': "${shell.script}"; SIGTERM would stop at the shell.`);
        }
        const injected = object?.kind === 'PyTorchJob' ? OPERATOR_ENV : [];
        const env: string[] = (container?.env ?? []).map((e: any) => e?.name);
        const defined = new Set<string>([...injected, ...env]);
        // A wrapper script that ends in `exec "$@"` runs its arguments as the command; when those
        // are `sh -c '<script>'` themselves (TrainerCommand.shell inside a sweep), a shell runs
        // that script too, and only its own trailing arguments are literal.
        let literal: Array<[string, unknown]>;
        if (shell === undefined) {
          literal = [...(container?.command ?? []).map((arg: unknown) => ['command', arg]), ...(container?.args ?? []).map((arg: unknown) => ['args', arg])];
        } else {
          const nested = /exec\s+"\$@"/.test(shell.script) ? shellScriptOf({ command: shell.params }) : undefined;
          if (nested !== undefined && training && !initContainers.has(container) && !execs(nested.script)) {
            messages.push(`${where} runs a shell script without 'exec': "${nested.script}"; SIGTERM would stop at the shell.`);
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
