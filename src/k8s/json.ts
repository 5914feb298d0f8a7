/** JSON values as the library writes them: compact (no empty fields) and copied without going through strings. */

/**
 * Removes undefined values, empty arrays and empty objects (except emptyDir's `{}`), so
 * output stays small and stable.
 */
export function compact(value: any): any {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const out = new Array(value.length);
    for (let i = 0; i < value.length; i++) out[i] = compact(value[i]);
    return out;
  }
  const out: any = {};
  for (const key of Object.keys(value)) {
    const child = value[key];
    if (child === undefined) continue;
    if (child === null || typeof child !== 'object') {
      out[key] = child;
      continue;
    }
    const cleaned = compact(child);
    if (Array.isArray(cleaned) ? cleaned.length === 0 : key !== 'emptyDir' && isEmpty(cleaned)) continue;
    out[key] = cleaned;
  }
  return out;
}

/** Whether a plain object has no own keys (without building the key list). */
function isEmpty(object: object): boolean {
  for (const _key in object) return false;
  return true;
}

/**
 * A copy of a JSON value as `JSON.parse(JSON.stringify(value))` makes it (toJSON honoured;
 * undefined, functions and symbols dropped from objects and null in arrays; non-finite
 * numbers null), without the strings in between.
 */
export function copyJson(value: any): any {
  switch (typeof value) {
    case 'object':
      break;
    case 'number':
      return Number.isFinite(value) ? value + 0 : null; // -0 becomes 0, as in JSON
    case 'function':
    case 'symbol':
    case 'undefined':
      return undefined;
    case 'bigint':
      throw new TypeError('Do not know how to serialize a BigInt');
    default:
      return value;
  }
  if (value === null) return null;
  if (typeof value.toJSON === 'function') return copyJson(value.toJSON());
  if (Array.isArray(value)) {
    const out = new Array(value.length);
    for (let i = 0; i < value.length; i++) {
      const item = copyJson(value[i]);
      out[i] = item === undefined ? null : item;
    }
    return out;
  }
  const out: { [key: string]: any } = {};
  for (const key of Object.keys(value)) {
    const item = copyJson(value[key]);
    if (item !== undefined) out[key] = item;
  }
  return out;
}
