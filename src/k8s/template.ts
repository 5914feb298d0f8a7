/**
 * Placeholders of a manifest template, filled in before it is applied: envsubst's `$NAME` and
 * `${NAME}`, Helm's and Jinja's `{{ ... }}`, and fill-in tokens of tutorials (`<your-bucket>`,
 * `<PROJECT_ID>`, `<HF_token>`, `YOUR_PROJECT`, `REPLACE_ME`, a whole value such as
 * `PSTORE_PV_NAME`). Their value is not known until rendered, so a
 * finding about such a field says nothing about the manifest that will be applied. The
 * kubelet's own `$(NAME)` is not one (it is expanded in the pod, and checked as such).
 */
import { FieldPath } from './paths';
import { shellCommandOf } from './shell';

const PLACEHOLDERS: readonly RegExp[] = [
  /\{\{[^}]*\}\}/,
  /(?<!\$)\$\{[A-Za-z_][A-Za-z0-9_]*(?:[:?+=-][^}]*)?\}/,
  /(?<!\$)\$[A-Za-z_][A-Za-z0-9_]*/,
  /<[A-Za-z][\w .:/-]{0,60}>/,
  /\b(?:YOUR|MY)_[A-Z0-9_]{2,}\b|\b(?:REPLACE_ME|CHANGE_ME|CHANGEME|REPLACEME|TODO_[A-Z0-9_]+)\b/,
  // A fill-in part of a name that a script replaces (job_ID_, svc_ID_).
  /[a-z0-9]_[A-Z][A-Z0-9]*_(?![a-z])/,
  // A whole value that is an upper-case token of several words (PSTORE_PV_NAME), which sed replaces.
  /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/,
];

/** The first template placeholder in a value, or undefined. */
export function placeholderIn(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  for (const pattern of PLACEHOLDERS) {
    const match = pattern.exec(value);
    if (match) return match[0];
  }
  return undefined;
}

/**
 * The placeholder in the field at `path` of `object`, if a template fills that field in. Not
 * in the script of a container's `sh -c`, where `$NAME` is the shell's own variable (a plain
 * argv entry is no shell's, so `--nnodes=$NUM_NODES` there is a placeholder), nor in a
 * ConfigMap's data, which is a file's text.
 */
export function placeholderAt(object: any, path: FieldPath | undefined): string | undefined {
  if (!path || path.length === 0) return undefined;
  if (object?.kind === 'ConfigMap' && path[0] === 'data') return undefined;
  const valueAt = (keys: FieldPath) => keys.reduce((value: any, key) => (value !== null && typeof value === 'object' ? value[key as any] : undefined), object);
  const argvAt = path.findIndex((key) => key === 'command' || key === 'args');
  if (argvAt > 0) {
    const container = valueAt(path.slice(0, argvAt));
    const command: unknown[] = Array.isArray(container?.command) ? container.command : [];
    const shell = shellCommandOf([...command, ...(Array.isArray(container?.args) ? container.args : [])]);
    const index = typeof path[argvAt + 1] === 'number' ? (path[argvAt + 1] as number) + (path[argvAt] === 'args' ? command.length : 0) : undefined;
    if (index === undefined || (shell !== undefined && index === shell.scriptIndex)) return undefined;
  }
  return placeholderIn(valueAt(path));
}
