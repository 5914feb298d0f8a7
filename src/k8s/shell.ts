/**
 * Shell scripts read with a real parser (mvdan/sh, compiled to JavaScript as the npm package
 * mvdan-sh), not patterns: what a container's `sh -c` script runs last, whether the shell
 * hands the process over to it, and what a shell would expand in an argument.
 */
/** mvdan/sh's syntax package, loaded on first use (1.5 MB of JavaScript: not on every `require`). */
let loaded: any;
function sh(): any {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded ??= require('mvdan-sh').syntax;
  return loaded;
}

/** How a list or pipeline in an argument is reported. */
const SEPARATOR = "a '|' or ';' separator";

/** mvdan/sh's BinaryCmd operators (sh().BinCmdOperator). */
const AND = 10;
const OR = 11;

/** Commands the shell runs itself (POSIX utilities built in, and bash's). */
const BUILTINS = new Set(['wait', 'cd', 'true', 'false', ':', 'echo', 'printf', 'export', 'set', 'unset', 'read', 'eval', 'source', '.',
  'trap', 'shift', 'exit', 'return', 'test', '[', '[[', 'local', 'declare', 'typeset', 'readonly', 'ulimit', 'umask', 'alias', 'unalias',
  'hash', 'type', 'command', 'builtin', 'let', 'pwd', 'times', 'kill', 'jobs', 'fg', 'bg', 'getopts', 'break', 'continue']);

const SHELLS = /^(?:\/usr)?(?:\/bin\/)?(sh|bash|dash|ash|zsh)$/;

/** A `<shell> -c <script> [name [params...]]` command line. */
export interface ShellCommand {
  /** The shell's name: sh, bash, dash, ash or zsh. */
  readonly shell: string;
  readonly script: string;
  /** Where the script is in the argv (its name follows, then the parameters). */
  readonly scriptIndex: number;
  /** The positional parameters after the script's name: the shell does not evaluate them. */
  readonly params: string[];
}

/**
 * The `-c` script if argv runs `[/usr/bin/env] <shell> [options] -c [--] <script> [name [params...]]`,
 * else undefined. Options may come before and after -c (`-e`, `-eu`, `-lc`, `-o pipefail`);
 * `--` ends them.
 */
export function shellCommandOf(argv: unknown[]): ShellCommand | undefined {
  const shellAt = argv[0] === '/usr/bin/env' || argv[0] === 'env' ? 1 : 0;
  const shell = SHELLS.exec(String(argv[shellAt] ?? ''))?.[1];
  if (shell === undefined) return undefined;
  let commandString = false;
  let i = shellAt + 1;
  for (; i < argv.length; i++) {
    const arg = String(argv[i]);
    if (arg === '--' || arg === '-') {
      i++;
      break;
    }
    if (/^[-+][oO]$/.test(arg)) {
      i++; // -o pipefail: the option's argument
      continue;
    }
    if (!/^[-+][a-zA-Z]+$/.test(arg)) break;
    if (arg.startsWith('-') && arg.includes('c')) commandString = true;
  }
  if (!commandString || i >= argv.length) return undefined;
  return { shell, script: String(argv[i]), scriptIndex: i, params: argv.slice(i + 2).map(String) };
}

/** Interpreters whose `-c` / `-e` argument is a program in their own language. */
const INTERPRETERS = /^(?:.*\/)?(python[0-9.]*|node|perl|ruby)$/;

/**
 * Where the program text is in `<interpreter> [-u] -c <program> ...`, if argv is that: a Python,
 * Node, Perl or Ruby program, not a shell script (beside shellCommandOf, which finds those).
 */
export function interpreterProgramAt(argv: unknown[]): number | undefined {
  if (!INTERPRETERS.test(String(argv[0] ?? ''))) return undefined;
  const flag = argv.findIndex((arg, i) => i > 0 && (arg === '-c' || arg === '-e'));
  return flag > 0 && flag + 1 < argv.length && argv.slice(1, flag).every((arg) => /^-[a-zA-Z]+$/.test(String(arg))) ? flag + 1 : undefined;
}

/** One parser per dialect, made when first needed (making one costs more than a parse). */
const parsers: { [dialect: string]: any } = {};

/** Parses of recent scripts: the same commands recur across constructs and rules. */
const parsed = new Map<string, { file?: any; error?: string }>();
const PARSE_CACHE_SIZE = 500;

/** The parsed script, or the parser's message when the script is not valid shell. */
function parse(script: string, bash: boolean): { file?: any; error?: string } {
  const dialect = bash ? 'bash' : 'posix';
  return remember(parsed, `${dialect}\u0000${script}`, () => {
    parsers[dialect] ??= sh().NewParser(sh().Variant(bash ? sh().LangBash : sh().LangPOSIX));
    try {
      return { file: parsers[dialect].Parse(script, '') };
    } catch (error) {
      return { error: typeof (error as any)?.Error === 'function' ? (error as any).Error() : String(error) };
    }
  });
}

/** Characters without which a string is one plain word to any shell: nothing to parse. */
const SHELL_SPECIAL = /[$`|&;<>()'"\\\n{}]/;

/** Whether a statement is a plain command (`name args...`): no redirections, not backgrounded or negated. */
function simpleCommand(stmt: any): boolean {
  const cmd = stmt?.Cmd;
  return sh().NodeType(cmd) === 'CallExpr' && cmd.Args.length > 0 && stmt.Redirs.length === 0 && !stmt.Background && !stmt.Negated;
}

/** The words of a plain command, where they are plain text. */
function words(stmt: any): Array<string | undefined> {
  return stmt.Cmd.Args.map((word: any) => {
    const parts = word.Parts;
    return parts.length === 1 && sh().NodeType(parts[0]) === 'Lit' ? parts[0].Value : undefined;
  });
}

/** The statement a script runs last at top level: the last one, and of `a && b`, `b`. */
function lastStatement(file: any): any {
  let stmt = file.Stmts[file.Stmts.length - 1];
  while (stmt && sh().NodeType(stmt.Cmd) === 'BinaryCmd' && (stmt.Cmd.Op === AND || stmt.Cmd.Op === OR) && stmt.Redirs.length === 0 && !stmt.Background) {
    stmt = stmt.Cmd.Y;
  }
  return stmt;
}

/**
 * Whether a script is one plain command (`python train.py --lr "$LR"`) with no assignment
 * prefix: `exec` in front of it runs the same program in place of the shell.
 */
export function plainCommand(script: string): boolean {
  const { file } = parse(script, false);
  return file !== undefined && file.Stmts.length === 1 && simpleCommand(file.Stmts[0]) && file.Stmts[0].Cmd.Assigns.length === 0;
}

/** What a `-c` script does with the process. */
export interface ScriptReading {
  /** The parser's message when the script is not valid shell. */
  readonly error?: string;
  /**
   * Whether the program the script runs last replaces the shell (`exec program`, or bash's
   * own hand-over of a last plain command), so SIGTERM reaches it.
   */
  readonly handsOver: boolean;
  /** Whether the script ends in `exec "$@"`: its positional parameters are the command. */
  readonly execsParams: boolean;
  /**
   * Whether newer bash releases hand over to the last command where older ones fork for it: a
   * list (`cd /app && python train.py`) ending in a plain external command, with no trap.
   * @default false
   */
  readonly handsOverInNewerBash?: boolean;
}

/**
 * Reads a `-c` script. bash runs a `-c` script of one plain command in place of itself; this
 * machine's bash 5 does so for the last command of a list too (after `;`, `&&` or `||`), which
 * older releases do not, and an image's bash version is not in its YAML; dash, Debian's and
 * Ubuntu's `sh`, forks for every command, even a script of one (measured in test/shell.test.ts
 * with this machine's bash and dash). So only a bash script of one plain command is trusted to
 * hand over without `exec`; a list, or any `sh` script (which may be dash), must say `exec`.
 */
export function readScript(command: ShellCommand): ScriptReading {
  return remember(readings, `${command.shell}\u0000${command.script}`, () => read(command));
}

/** Readings of recent scripts. */
const readings = new Map<string, ScriptReading>();

function read(command: ShellCommand): ScriptReading {
  const bash = command.shell === 'bash';
  const { file, error } = parse(command.script, bash);
  if (file === undefined) return { error, handsOver: false, execsParams: false };
  const last = lastStatement(file);
  if (last === undefined || !simpleCommand(last)) return { handsOver: false, execsParams: false };
  const argv = words(last);
  if (argv[0] === 'exec') {
    const params = last.Cmd.Args.slice(1);
    const execsParams = params.length === 1 && sh().NodeType(params[0].Parts[0]) === 'DblQuoted' &&
      params[0].Parts[0].Parts.length === 1 && sh().NodeType(params[0].Parts[0].Parts[0]) === 'ParamExp' &&
      params[0].Parts[0].Parts[0].Param.Value === '@';
    return { handsOver: params.length > 0, execsParams };
  }
  // A builtin (wait, cd, ...) runs inside the shell: nothing to hand over to.
  if (argv[0] === undefined || BUILTINS.has(argv[0])) return { handsOver: false, execsParams: false };
  let trap = false;
  sh().Walk(file, (node: any) => {
    if (node && sh().NodeType(node) === 'CallExpr' && words({ Cmd: node })[0] === 'trap') trap = true;
    return !trap;
  });
  // Only a script of one plain command: newer bash releases also run the last command of a
  // list (`cd /app && python train.py`) in place of themselves, older ones fork for it, and
  // which bash an image has is not in its YAML.
  const single = file.Stmts.length === 1 && simpleCommand(file.Stmts[0]);
  return { handsOver: bash && !trap && single, execsParams: false, ...(bash && !trap && !single ? { handsOverInNewerBash: true } : {}) };
}

/**
 * The words of every plain command a `-c` script runs (at any depth: after `&&`, in `if`, in a
 * function), each as the shell would pass it when it is text alone (quotes removed), or
 * undefined where the shell would expand something. Empty when the script does not parse.
 */
export function scriptCommands(command: ShellCommand): Array<Array<string | undefined>> {
  // Several rules ask of the same script, and walking the syntax tree costs more than parsing it.
  return remember(commandLists, `${command.shell}\u0000${command.script}`, () => commandsIn(command));
}

/** The command lists of recent scripts. */
const commandLists = new Map<string, Array<Array<string | undefined>>>();

function commandsIn(command: ShellCommand): Array<Array<string | undefined>> {
  const { file } = parse(command.script, command.shell === 'bash');
  if (file === undefined) return [];
  const commands: Array<Array<string | undefined>> = [];
  // Each read of a node's field converts it from the parser's objects anew (an array field
  // converts every element): read each once.
  sh().Walk(file, (node: any) => {
    if (node && sh().NodeType(node) === 'CallExpr') {
      const args = node.Args;
      if (args.length > 0) commands.push(args.map(literalWord));
    }
    return true;
  });
  return commands;
}

/** A word's text when it has no expansion: plain, single-quoted or double-quoted text. */
function literalWord(word: any): string | undefined {
  let text = '';
  for (const part of word.Parts) {
    const type = sh().NodeType(part);
    if (type === 'Lit' || type === 'SglQuoted') {
      text += part.Value;
      continue;
    }
    const inner = type === 'DblQuoted' ? part.Parts : undefined;
    if (inner === undefined || !inner.every((p: any) => sh().NodeType(p) === 'Lit')) return undefined;
    text += inner.map((p: any) => p.Value).join('');
  }
  return text;
}

/**
 * What a shell would expand or run in one argument that no shell reads, given the env names
 * Kubernetes expands as `$(VAR)` (its own syntax, not a command substitution). Quoted text is
 * what a shell would leave alone too; `$$` is Kubernetes' escape for `$`.
 */
export function shellSyntaxIn(arg: string, definedEnv: ReadonlySet<string>): string[] {
  if (!SHELL_SPECIAL.test(arg)) return [];
  const found: string[] = [];
  for (const finding of remember(analyses, arg, () => analyse(arg))) {
    if (typeof finding === 'string') {
      if (!found.includes(finding)) found.push(finding);
    } else if (finding.name === undefined || !definedEnv.has(finding.name)) {
      const text = `'${finding.text}' (a command substitution or an undefined variable; only $(VAR) of the container's env is expanded)`;
      if (!found.includes(text)) found.push(text);
    }
  }
  return found;
}

/** A `$(...)` in an argument: Kubernetes' `$(VAR)` when `name` is in the container's env. */
interface Substitution {
  readonly text: string;
  readonly name?: string;
}

/** Analyses of recent arguments (the same arguments recur across constructs). */
const analyses = new Map<string, Array<string | Substitution>>();

/** A cached value of `compute` for `key`, keeping the most recent entries. */
function remember<T>(cache: Map<string, T>, key: string, compute: () => T): T {
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const value = compute();
  if (cache.size >= PARSE_CACHE_SIZE) cache.delete(cache.keys().next().value!);
  cache.set(key, value);
  return value;
}

/** What in an argument a shell would treat as syntax, whatever the container's env. */
function analyse(arg: string): Array<string | Substitution> {
  const unescaped = arg.replace(/\$\$/g, '');
  const found: Array<string | Substitution> = [];
  // A command line split into argv by hand: an operator as an argument of its own, or a `;`
  // ending one (`prepare.py;`), is a shell's list that no shell reads.
  if (/^(&&|\|\|)$/.test(arg)) found.push("'&&' / '||'");
  if (/^(\||\|&|;|&)$/.test(arg) || /[^\\;];$/.test(arg)) found.push(SEPARATOR);
  const { file } = parse(unescaped, true);
  if (file === undefined) {
    // Not valid shell (an apostrophe in a value, say): only a `$(` that never closes is worth a word.
    if (/\$\(/.test(unescaped)) found.push(`'${unescaped.slice(unescaped.indexOf('$('))}' (an unclosed command substitution)`);
    return found;
  }
  if (file.Stmts.length > 1) found.push(SEPARATOR);
  sh().Walk(file, (node: any) => {
    if (!node) return true;
    switch (sh().NodeType(node)) {
      case 'CmdSubst': {
        const stmts = node.Stmts;
        const only = stmts.length === 1 && simpleCommand(stmts[0]) ? words(stmts[0]) : [];
        const name = only.length === 1 && /^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(only[0] ?? '') ? only[0] : undefined;
        if (node.Backquotes) {
          found.push('backticks');
        } else {
          found.push({ text: unescaped.slice(node.Pos().Offset(), node.End().Offset()), name });
        }
        return false;
      }
      case 'ParamExp':
        found.push(node.Short ? `'$${node.Param.Value}'` : `'\${${node.Param.Value}}'`);
        return true;
      case 'BinaryCmd':
        if (node.Op === AND || node.Op === OR) {
          found.push("'&&' / '||'");
        } else if (/\s/.test(unescaped.charAt(node.OpPos.Offset() - 1))) {
          // `a | b` reads as a pipeline; `train|eval` is a pattern's alternation.
          found.push(SEPARATOR);
        }
        return true;
      default:
        return true;
    }
  });
  return found;
}

/**
 * A command's words from the program it runs: without a leading `exec`, `command`, `nohup`,
 * `time`, or `env` with its `NAME=value` assignments (`exec torchrun ...` runs torchrun).
 */
export function programWords(command: Array<string | undefined>): Array<string | undefined> {
  let i = 0;
  while (i < command.length) {
    const word = command[i];
    if (word === 'exec' || word === 'command' || word === 'nohup' || word === 'time') {
      i++;
    } else if (word === 'env' || word === '/usr/bin/env') {
      i++;
      while (i < command.length && typeof command[i] === 'string' && /^[A-Za-z_][A-Za-z0-9_]*=/.test(command[i]!)) i++;
    } else {
      break;
    }
  }
  return command.slice(i);
}
