import { createHash } from 'crypto';
import { invalid } from './errors';
import { isDnsLabel } from '../k8s/syntax';

/**
 * Options for `ExperimentName.of`.
 */
export interface ExperimentNameOptions {
  /**
   * The longest name the target kind allows: 63 for a Job, 52 for a CronJob, less for an
   * Indexed Job or a PyTorchJob whose pod names add a suffix.
   * @default 63
   */
  readonly maxLength?: number;
}

const HASH_LENGTH = 8;
/** A base segment that reads like `<key><whole number>` could be taken for a parameter. */
const PARAM_SEGMENT = /^[a-z]+\d+$/;

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, HASH_LENGTH);
}

/**
 * DNS-safe, length-safe names for experiments, distinct for distinct inputs.
 *
 * `ExperimentName.of('fraud-transformer', { epoch: 50, bs: 256 })` gives
 * `fraud-transformer-bs256-epoch50` (parameters in key order): a name that can be read back exactly. Whenever the
 * readable form loses anything (characters dropped or changed, as in `3e-4`, `0.5`,
 * `adam_w` or upper case; a value that is not a whole number, whose boundary with its key
 * could be read two ways; a base with a segment that looks like a parameter), an 8-character
 * hash of the exact input is appended, so `{ lr: '3e-4' }` and `{ lr: '3e4' }` never share a
 * name. A name over the limit is cut and ends in a hash of the full name.
 */
export class ExperimentName {
  /**
   * A DNS-1123 label from a base name and experiment parameters, taken in key order (so the
   * same parameters give the same name however the map was built, in any language: Java's
   * `Map.of` and Go maps have no order of their own).
   * @param base the model or experiment name, e.g. `fraud-transformer`
   * @param params parameter names and values; `.` becomes `p`, other characters outside
   *   `[a-z0-9]` are dropped, and then a hash of the exact input is appended
   */
  public static of(base: string, params: { [key: string]: any } = {}, options: ExperimentNameOptions = {}): string {
    const baseSlug = slug(base, true);
    const parts = [baseSlug];
    let exact = baseSlug === base && !baseSlug.split('-').some((segment) => PARAM_SEGMENT.test(segment));
    const entries = Object.entries(params).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (const [key, value] of entries) {
      const text = String(value);
      parts.push(`${slug(key, false)}${slug(text, false)}`);
      exact = exact && /^[a-z]+$/.test(key) && /^\d+$/.test(text);
    }
    let name = parts.filter((part) => part.length > 0).join('-');
    if (name.length === 0) {
      throw invalid('ExperimentName.of', `ExperimentName.of: '${base}' with the given params leaves no usable characters; use letters and digits.`);
    }
    if (!exact) {
      name = `${name}-${hash(JSON.stringify([base, entries.map(([k, v]) => [k, typeof v, String(v)])]))}`;
    }
    return ExperimentName.fit(name, options.maxLength ?? 63);
  }

  /**
   * `name` if it is at most `maxLength` characters, otherwise its first characters plus a
   * stable 8-character hash of the whole name.
   */
  public static fit(name: string, maxLength: number): string {
    if (!Number.isInteger(maxLength) || maxLength < HASH_LENGTH + 2) {
      throw invalid('ExperimentName.fit', `ExperimentName.fit: maxLength (${maxLength}) must be a whole number of at least ${HASH_LENGTH + 2}.`);
    }
    if (name.length <= maxLength) {
      return name;
    }
    const head = name.slice(0, maxLength - HASH_LENGTH - 1).replace(/[-.]+$/, '');
    return `${head}-${hash(name)}`;
  }

  /**
   * Whether `name` is a DNS-1123 label: lower-case alphanumerics and `-`, at most 63.
   */
  public static isDnsLabel(name: string): boolean {
    return isDnsLabel(name);
  }

  private constructor() {}
}

function slug(text: string, keepDashes: boolean): string {
  const lowered = text.toLowerCase().replace(/\./g, 'p');
  const cleaned = keepDashes
    ? lowered.replace(/[^a-z0-9-]+/g, '-').replace(/-+/g, '-')
    : lowered.replace(/[^a-z0-9]+/g, '');
  return cleaned.replace(/^-+|-+$/g, '');
}
