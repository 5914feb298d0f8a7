/**
 * Whether any node can match a pod's required placement. The scheduler's node affinity
 * (k8s.io/component-helpers scheduling/corev1/nodeaffinity, v0.36) matches a node when its
 * labels satisfy every nodeSelector pair AND at least one required nodeSelectorTerm, a term
 * when they satisfy every matchExpression in it. Requirements on one key that no label value
 * can satisfy together leave the pod Pending for good, which no schema and no apiserver check
 * reports.
 */
import { FieldPath } from './paths';

/** One label requirement, as a node selector requirement (a nodeSelector pair is `In [value]`). */
export interface LabelRequirement {
  readonly key: string;
  readonly operator: string;
  readonly values?: string[];
  /** Where it comes from, for messages (e.g. `nodeSelector`, `requiredNodeLabels[0]`). */
  readonly source: string;
  /** A nodeSelector pair, shown as `key=value`. */
  readonly pair?: boolean;
  /** Where it is in the pod spec, for requirements read from one. */
  readonly keys?: FieldPath;
}

/** The requirements on one key that no node label can satisfy together. */
export interface LabelConflict {
  readonly key: string;
  readonly requirements: LabelRequirement[];
}

/** The nodeSelector's pairs as requirements. */
export function selectorRequirements(nodeSelector: { [key: string]: unknown } | undefined, source: string): LabelRequirement[] {
  return Object.entries(nodeSelector ?? {})
    .filter(([, value]) => typeof value === 'string')
    .map(([key, value]) => ({ key, operator: 'In', values: [value as string], source, pair: true, keys: ['nodeSelector', key] }));
}

const REQUIRED_TERMS = ['affinity', 'nodeAffinity', 'requiredDuringSchedulingIgnoredDuringExecution', 'nodeSelectorTerms'];

/**
 * A pod spec's required placement: its nodeSelector's pairs, and the expressions of each
 * required node affinity term (named by their index in the term; malformed ones left out).
 */
export function requiredPlacement(podSpec: any): { selector: LabelRequirement[]; terms: LabelRequirement[][] } {
  const required = podSpec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  const terms: any[] = Array.isArray(required?.nodeSelectorTerms) ? required.nodeSelectorTerms : [];
  return {
    selector: selectorRequirements(podSpec?.nodeSelector, 'nodeSelector'),
    terms: terms.map((term, i) => (Array.isArray(term?.matchExpressions) ? term.matchExpressions : [])
      .map((e: any, j: number): LabelRequirement | undefined => (typeof e?.key === 'string' && typeof e?.operator === 'string' ? {
        key: e.key,
        operator: e.operator,
        values: Array.isArray(e.values) ? e.values.map(String) : [],
        source: `nodeSelectorTerms[${i}].matchExpressions[${j}]`,
        keys: [...REQUIRED_TERMS, i, 'matchExpressions', j],
      } : undefined))
      .filter((r: LabelRequirement | undefined): r is LabelRequirement => r !== undefined)),
  };
}

/**
 * The first key whose requirements no label value satisfies (in the order the keys first
 * appear), or undefined when some node labels satisfy them all. Unknown operators and
 * malformed values are left to the rules that check syntax.
 */
export function labelConflict(requirements: LabelRequirement[]): LabelConflict | undefined {
  const byKey = new Map<string, LabelRequirement[]>();
  for (const requirement of requirements) {
    byKey.set(requirement.key, [...(byKey.get(requirement.key) ?? []), requirement]);
  }
  for (const [key, onKey] of byKey) {
    if (!satisfiable(onKey)) return { key, requirements: onKey };
  }
  return undefined;
}

/** Whether one label value (or its absence) satisfies every requirement on a key. */
function satisfiable(requirements: LabelRequirement[]): boolean {
  let allowed: Set<string> | undefined;
  const excluded = new Set<string>();
  let mustExist = false;
  let mustNotExist = false;
  let above = -Infinity;
  let below = Infinity;
  for (const { operator, values = [] } of requirements) {
    switch (operator) {
      case 'In':
        mustExist = true;
        allowed = new Set(allowed === undefined ? values : values.filter((v) => allowed!.has(v)));
        break;
      case 'NotIn':
        values.forEach((v) => excluded.add(v));
        break;
      case 'Exists':
        mustExist = true;
        break;
      case 'DoesNotExist':
        mustNotExist = true;
        break;
      case 'Gt':
      case 'Lt': {
        // The scheduler parses the one value and the label as integers (strconv.ParseInt).
        const bound = integer(values[0]);
        if (bound === undefined || values.length !== 1) return true;
        mustExist = true;
        if (operator === 'Gt') above = Math.max(above, bound);
        else below = Math.min(below, bound);
        break;
      }
      default:
        return true;
    }
  }
  if (!mustExist) return true; // an absent label satisfies NotIn and DoesNotExist
  if (mustNotExist) return false;
  const inRange = (value: string) => {
    if (above === -Infinity && below === Infinity) return true;
    const n = integer(value);
    return n !== undefined && n > above && n < below;
  };
  if (allowed !== undefined) return [...allowed].some((v) => !excluded.has(v) && inRange(v));
  // Any value not excluded: an integer strictly between the bounds (excluded ones are finitely many).
  return below - above > 1 + [...excluded].filter((v) => inRange(v)).length;
}

function integer(value: string | undefined): number | undefined {
  return value !== undefined && /^[-+]?\d+$/.test(value.trim()) ? Number(value) : undefined;
}

/** A requirement as a reader writes it: `key=value` for a nodeSelector pair, else `key Op (values)`. */
export function describeRequirement(requirement: LabelRequirement): string {
  const { key, operator, values = [] } = requirement;
  if (requirement.pair) return `${key}=${values[0]}`;
  return values.length > 0 ? `${key} ${operator} (${values.join(', ')})` : `${key} ${operator}`;
}

/** The conflict in one sentence: each requirement with where it comes from. */
export function describeConflict(conflict: LabelConflict): string {
  return conflict.requirements.map((r) => `${describeRequirement(r)} (${r.source})`).join(' and ');
}
