/**
 * Placeholders of a manifest template, filled in before it is applied: envsubst's `$NAME` and
 * `${NAME}`, Helm's and Jinja's `{{ ... }}`, and fill-in tokens of tutorials (`<your-bucket>`,
 * `<PROJECT_ID>`, `YOUR_PROJECT`, `REPLACE_ME`). Their value is not known until rendered, so a
 * finding about such a field says nothing about the manifest that will be applied. The
 * kubelet's own `$(NAME)` is not one (it is expanded in the pod, and checked as such).
 */
import { FieldPath } from './paths';

const PLACEHOLDERS: readonly RegExp[] = [
  /\{\{[^}]*\}\}/,
  /(?<!\$)\$\{[A-Za-z_][A-Za-z0-9_]*(?:[:?+=-][^}]*)?\}/,
  /(?<!\$)\$[A-Za-z_][A-Za-z0-9_]*/,
  /<(?:[Yy]our|YOUR)[-_ ][^<>]{1,60}>|<[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+>/,
  /\b(?:YOUR|MY)_[A-Z0-9_]{2,}\b|\b(?:REPLACE_ME|CHANGE_ME|CHANGEME|REPLACEME|TODO_[A-Z0-9_]+)\b/,
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
 * in a container's command or args, where `$NAME` is the shell's own variable, nor in a
 * ConfigMap's data, which is a file's text.
 */
export function placeholderAt(object: any, path: FieldPath | undefined): string | undefined {
  if (!path || path.length === 0) return undefined;
  if (path.some((key) => key === 'command' || key === 'args') || (object?.kind === 'ConfigMap' && path[0] === 'data')) return undefined;
  let value: any = object;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = value[key as any];
  }
  return placeholderIn(value);
}
