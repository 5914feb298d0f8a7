import { SweepAxis } from './sweep-axis';

/** Where the grid ConfigMap and the decoded assignment are mounted. */
export const GRID_MOUNT = '/sweep-grid';
export const ASSIGNMENT_MOUNT = '/sweep';
export const ASSIGNMENT_JSON = `${ASSIGNMENT_MOUNT}/trial.json`;
export const ASSIGNMENT_ENV = `${ASSIGNMENT_MOUNT}/trial.env`;
/** The env var that points a trial at its assignment file; rules recognise a sweep's pods by it. */
export const ASSIGNMENT_FILE_ENV = 'SWEEP_ASSIGNMENT_FILE';

/** The env var the trainer sees for a parameter. */
export function parameterEnvName(parameter: string): string {
  return `HP_${parameter.toUpperCase()}`;
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, "'\\''")}'`;
}

/**
 * One line of shell that exports the assignment. A value with a line break is written as
 * printf %b escapes (`\\n`, `\\r`, `\\\\`), so every trial stays one line of the grid file;
 * a '.' after it keeps the trailing line breaks a command substitution would strip.
 */
function envLine(assignment: Array<[string, string]>): string {
  return assignment.map(([name, value]) => {
    const env = parameterEnvName(name);
    if (!/[\n\r]/.test(value)) return `export ${env}=${shellQuote(value)}`;
    const escaped = value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
    return `${env}="$(printf '%b.' ${shellQuote(escaped)})"; export ${env}="\${${env}%.}"`;
  }).join('; ');
}

function jsonMember(name: string, value: string): string {
  return `${JSON.stringify(name)}: ${JSON.stringify(value)}`;
}

/**
 * The grid in a form whose size grows with the sum of the axis lengths, not their product:
 * one file per axis (a line per value, as shell and as JSON), explicit trials one per line,
 * and a POSIX shell decoder that turns JOB_COMPLETION_INDEX into one assignment.
 */
export interface EncodedGrid {
  readonly data: { [key: string]: string };
  readonly gridSize: number;
  readonly trialCount: number;
  readonly decoder: string;
}

/** Mixed-radix decode of a grid index: the last axis varies fastest. */
export function assignmentAt(axes: SweepAxis[], trials: Array<{ [name: string]: string }>, index: number): { [name: string]: string } {
  const gridSize = axes.length === 0 ? 0 : axes.reduce((size, axis) => size * axis.values.length, 1);
  if (index >= gridSize) return { ...trials[index - gridSize] };
  const picks: { [name: string]: string } = {};
  let rest = index;
  for (let j = axes.length - 1; j >= 0; j--) {
    picks[axes[j].name] = axes[j].values[rest % axes[j].values.length];
    rest = Math.floor(rest / axes[j].values.length);
  }
  return Object.fromEntries(axes.map((axis) => [axis.name, picks[axis.name]]));
}

export function encodeGrid(axes: SweepAxis[], trials: Array<{ [name: string]: string }>): EncodedGrid {
  const data: { [key: string]: string } = {};
  const gridSize = axes.length === 0 ? 0 : axes.reduce((size, axis) => size * axis.values.length, 1);
  axes.forEach((axis, j) => {
    data[`axis-${j}.env`] = axis.values.map((value) => envLine([[axis.name, value]])).join('\n') + '\n';
    data[`axis-${j}.json`] = axis.values.map((value) => jsonMember(axis.name, value)).join('\n') + '\n';
  });
  if (trials.length > 0) {
    data['trials.env'] = trials.map((trial) => envLine(Object.entries(trial))).join('\n') + '\n';
    data['trials.json'] = trials.map((trial) => JSON.stringify(trial)).join('\n') + '\n';
  }
  const total = gridSize + trials.length;

  const lines = [
    'set -eu',
    'grid="$1"; out="$2"; i="$TRIAL_INDEX"',
    'pick() { sed -n "$(($2 + 1))p" "$grid/$1"; }',
    `if [ "$i" -ge ${total} ]; then echo "trial index $i is outside the ${total} trials" >&2; exit 2; fi`,
  ];
  const gridBranch = [
    'r="$i"',
    ...axes.map((_, j) => axes.length - 1 - j).map((j) => `k${j}=$((r % ${axes[j].values.length})); r=$((r / ${axes[j].values.length}))`),
    `{ ${axes.map((_, j) => `pick axis-${j}.env "$k${j}";`).join(' ')} } > "$out/trial.env"`,
    `json="{${axes.map((_, j) => `$(pick axis-${j}.json "$k${j}")`).join(', ')}}"`,
  ];
  const trialsBranch = [
    `t=$((i - ${gridSize}))`,
    'pick trials.env "$t" > "$out/trial.env"',
    'json="$(pick trials.json "$t")"',
  ];
  if (gridSize > 0 && trials.length > 0) {
    lines.push(`if [ "$i" -lt ${gridSize} ]; then`, ...gridBranch.map((l) => `  ${l}`), 'else', ...trialsBranch.map((l) => `  ${l}`), 'fi');
  } else {
    lines.push(...(gridSize > 0 ? gridBranch : trialsBranch));
  }
  lines.push('printf \'%s\\n\' "$json" > "$out/trial.json"');
  lines.push('echo "trial $i: $json"');
  return { data, gridSize, trialCount: total, decoder: lines.join('\n') };
}
