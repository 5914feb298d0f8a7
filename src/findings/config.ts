import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { ALL_RULES } from '../rules';
import { Rule, Severity } from '../rules/rule';

/** The file `lint` reads from the working folder when no --config is given. */
export const DEFAULT_CONFIG_FILE = '.cdk8s-training.yaml';

/**
 * What a repository's `.cdk8s-training.yaml` says: which rules run, at which severity, and
 * which paths are not linted. Per-object acknowledge annotations keep working beside it.
 *
 * ```yaml
 * rules:
 *   exclude: [job-ttl]              # or include: [preemption-policy, checkpoint-volume]
 *   severity:
 *     checkpoint-volume: error
 * skip:
 *   - charts/vendor/**
 *   - "**\/*.generated.yaml"
 * ```
 */
export interface LintConfig {
  readonly rules: Rule[];
  readonly severity: ReadonlyMap<string, Severity>;
  /** Whether a path (as given, or below a folder given) is skipped. */
  readonly skips: (file: string) => boolean;
  /** Where the configuration came from, for messages. */
  readonly source?: string;
}

export const DEFAULT_CONFIG: LintConfig = { rules: ALL_RULES, severity: new Map(), skips: () => false };

/** A configuration problem: reported as bad usage (exit 2). */
export class ConfigError extends Error {}

/** `*` within a path segment, `**` across segments, `?` one character. */
function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      re += glob[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += glob[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') {
      re += '[^/]*';
    } else if (c === '?') {
      re += '[^/]';
    } else {
      re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${re}$`);
}

/**
 * The `rules:` settings (include, exclude, severity), from a configuration file or the
 * validation plugin's properties; `where` names the source in messages.
 */
export function parseRules(rules: any, where: (field: string) => string): { rules: Rule[]; severity: Map<string, Severity> } {
  rules = rules ?? {};
  if (typeof rules !== 'object' || Array.isArray(rules)) throw new ConfigError(where('rules must be a mapping with include, exclude or severity.'));
  for (const key of Object.keys(rules)) {
    if (!['include', 'exclude', 'severity'].includes(key)) throw new ConfigError(where(`rules.${key} is unknown; use include, exclude or severity.`));
  }
  const known = (field: string, id: any): Rule => {
    const rule = ALL_RULES.find((r) => r.id === id);
    if (!rule) throw new ConfigError(where(`${field}: '${id}' is not a rule; the ids are in docs/rules.md.`));
    return rule;
  };
  const list = (field: string, value: any): Rule[] => {
    if (value === undefined) return [];
    if (!Array.isArray(value)) throw new ConfigError(where(`${field} must be a list of rule ids.`));
    return value.map((id) => known(field, id));
  };
  const include = list('rules.include', rules.include);
  const exclude = list('rules.exclude', rules.exclude);
  if (include.length > 0 && exclude.length > 0) throw new ConfigError(where('set rules.include or rules.exclude, not both.'));
  for (const rule of exclude) {
    if (rule.refusedBy !== undefined) {
      throw new ConfigError(where(`rules.exclude: '${rule.id}' cannot be turned off: ${rule.refusedBy} refuses what it finds, so the YAML would not apply anyway.`));
    }
  }
  const selected = include.length > 0
    ? ALL_RULES.filter((r) => include.includes(r) || r.refusedBy !== undefined)
    : ALL_RULES.filter((r) => !exclude.includes(r));
  const severity = new Map<string, Severity>();
  for (const [id, level] of Object.entries<any>(rules.severity ?? {})) {
    const rule = known('rules.severity', id);
    if (level !== 'error' && level !== 'warning') throw new ConfigError(where(`rules.severity.${id} must be error or warning, not '${level}'.`));
    if (rule.refusedBy !== undefined && level === 'warning') {
      throw new ConfigError(where(`rules.severity.${id} cannot be lowered to warning: ${rule.refusedBy} refuses what it finds.`));
    }
    severity.set(id, level);
  }
  return { rules: selected, severity };
}

/**
 * Reads the configuration: `explicit` (--config) must exist; otherwise `.cdk8s-training.yaml`
 * in `cwd` is used when present, else the defaults.
 */
export function loadConfig(explicit: string | undefined, cwd: string = process.cwd()): LintConfig {
  const file = explicit ?? path.join(cwd, DEFAULT_CONFIG_FILE);
  if (explicit === undefined && !fs.existsSync(file)) return DEFAULT_CONFIG;
  let raw: any;
  try {
    raw = parse(fs.readFileSync(file, 'utf8')) ?? {};
  } catch (error) {
    throw new ConfigError(`${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `not valid YAML: ${(error as Error).message}`}`);
  }
  const where = (field: string) => `${file}: ${field}`;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(`${file}: must be a mapping with rules and skip.`);
  for (const key of Object.keys(raw)) {
    if (!['rules', 'skip'].includes(key)) throw new ConfigError(where(`unknown key '${key}'; the keys are rules and skip.`));
  }
  const { rules: selected, severity } = parseRules(raw.rules, where);
  const skip = raw.skip ?? [];
  if (!Array.isArray(skip) || skip.some((s: any) => typeof s !== 'string')) throw new ConfigError(where('skip must be a list of path patterns.'));
  const base = path.dirname(path.resolve(file));
  const patterns = skip.map(globToRegExp);
  const skips = (target: string) => {
    const relative = path.relative(base, path.resolve(target)).split(path.sep).join('/');
    return patterns.some((p: RegExp) => p.test(relative) || p.test(target.split(path.sep).join('/')));
  };
  return { rules: selected, severity, skips, source: file };
}
