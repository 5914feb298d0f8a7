/**
 * Kubernetes name, label and quantity syntax (apimachinery validation), shared by the rules
 * and by the constructs' early prop checks.
 */

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const ENV_VAR_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
const QUANTITY = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;

/** A DNS-1123 label: at most 63 lower-case alphanumerics or '-', alphanumeric at both ends. */
export function isDnsLabel(value: string): boolean {
  return typeof value === 'string' && value.length <= 63 && DNS1123_LABEL.test(value);
}

/** A DNS-1035 label: a DNS-1123 label that starts with a letter. */
export function isDns1035Label(value: string): boolean {
  return typeof value === 'string' && value.length <= 63 && DNS1035_LABEL.test(value);
}

/** A DNS-1123 subdomain: at most 253 characters of dot-separated labels. */
export function isDnsSubdomain(value: string): boolean {
  return typeof value === 'string' && value.length <= 253 && DNS1123_SUBDOMAIN.test(value);
}

/** A label or annotation key: optional DNS subdomain prefix and '/', then a name of at most 63. */
export function isLabelKey(key: string): boolean {
  if (typeof key !== 'string') return false;
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && !isDnsSubdomain(prefix)) return false;
  return name.length > 0 && name.length <= 63 && LABEL_NAME.test(name);
}

/** A label value: empty, or at most 63 characters of the label name syntax. */
export function isLabelValue(value: string): boolean {
  return typeof value === 'string' && (value === '' || (value.length <= 63 && LABEL_NAME.test(value)));
}

/** A path without its trailing slashes (`/` stays `/`), as the mount it names. */
export function withoutTrailingSlash(path: string): string {
  return path.replace(/\/+$/, '') || '/';
}

/** Whether directory `inner` is `outer` or below it (both without trailing slashes). */
export function isWithinDirectory(outer: string, inner: string): boolean {
  return inner === outer || inner.startsWith(outer === '/' ? '/' : `${outer}/`);
}

/**
 * A path below a base folder: relative and without a `..` element (the apiserver's
 * validateLocalDescendingPath, for sub-paths and seccomp localhost profiles).
 */
export function isDescendingPath(path: string): boolean {
  return !path.startsWith('/') && !path.split('/').includes('..');
}

/** A port number: a whole number from 1 to 65535 (apimachinery IsValidPortNum). */
export function isPortNumber(value: unknown): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 65535;
}

/**
 * What is wrong with a port name (an IANA service name, apimachinery IsValidPortName), or
 * undefined: at most 15 characters of a-z, 0-9 and '-', with a letter, no '--', no '-' at an end.
 */
export function portNameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string') return 'is not a string';
  if (name.length > 15) return 'is longer than 15 characters';
  if (!/^[-a-z0-9]+$/.test(name)) return "may contain only lower-case letters, digits and '-'";
  if (!/[a-z]/.test(name)) return 'must contain a letter';
  if (name.includes('--')) return "must not contain '--'";
  if (name.startsWith('-') || name.endsWith('-')) return "must not begin or end with '-'";
  return undefined;
}

/** Pod fields an env var can read by `fieldRef` (validEnvDownwardAPIFieldPathExpressions, k8s.io/kubernetes v1.37). */
const ENV_FIELD_PATHS = ['metadata.name', 'metadata.namespace', 'metadata.uid', 'spec.nodeName', 'spec.serviceAccountName',
  'status.hostIP', 'status.hostIPs', 'status.podIP', 'status.podIPs'];

/**
 * What is wrong with an env var's `fieldRef`, or undefined, as the apiserver validates it
 * (validateObjectFieldSelector and ConvertDownwardAPIFieldLabel, k8s.io/kubernetes v1.37):
 * apiVersion v1 when given; one of ENV_FIELD_PATHS (`spec.host` is read as `spec.nodeName`),
 * or a single label or annotation, `metadata.labels['key']`.
 */
export function envFieldRefProblem(fieldRef: any): string | undefined {
  if (fieldRef?.apiVersion !== undefined && fieldRef.apiVersion !== 'v1') return `apiVersion '${fieldRef.apiVersion}' must be v1 (or left out)`;
  const fieldPath = fieldRef?.fieldPath;
  if (typeof fieldPath !== 'string' || fieldPath === '') return 'has no fieldPath';
  // As fieldpath.SplitMaybeSubscriptedPath: the path up to the first "['", the key up to the final "']".
  const subscripted = /^(.+?)\['(.*)'\]$/s.exec(fieldPath);
  if (subscripted) {
    const [, path, key] = subscripted;
    if (path !== 'metadata.annotations' && path !== 'metadata.labels') return `fieldPath '${fieldPath}': only metadata.labels and metadata.annotations take a ['key']`;
    return isLabelKey(path === 'metadata.annotations' ? key.toLowerCase() : key) ? undefined : `fieldPath '${fieldPath}': '${key}' is not a valid label or annotation key`;
  }
  if (fieldPath === 'spec.host' || ENV_FIELD_PATHS.includes(fieldPath)) return undefined;
  if (fieldPath === 'metadata.labels' || fieldPath === 'metadata.annotations') {
    return `fieldPath '${fieldPath}' reads all of them, which an env var cannot; name one: ${fieldPath}['key']`;
  }
  return `fieldPath '${fieldPath}' is not a pod field an env var can read (${ENV_FIELD_PATHS.join(', ')}, or metadata.labels['key'] / metadata.annotations['key'])`;
}

/** Container resources an env var can read by `resourceFieldRef` (validContainerResourceFieldPathExpressions and hugepages). */
const ENV_RESOURCES = ['limits.cpu', 'limits.memory', 'limits.ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.ephemeral-storage'];

/** What is wrong with an env var's `resourceFieldRef`, or undefined (validateContainerResourceFieldSelector). */
export function envResourceFieldRefProblem(resourceFieldRef: any): string | undefined {
  const resource = resourceFieldRef?.resource;
  if (typeof resource !== 'string' || resource === '') return 'has no resource';
  if (ENV_RESOURCES.includes(resource) || /^(requests|limits)\.hugepages-/.test(resource)) return undefined;
  return `resource '${resource}' is not one an env var can read (${ENV_RESOURCES.join(', ')}, or requests/limits.hugepages-<size>)`;
}

/** An environment variable name the apiserver accepts (validateEnvVarName). */
export function isEnvVarName(name: string): boolean {
  return typeof name === 'string' && ENV_VAR_NAME.test(name) && name !== '.' && name !== '..' && !name.startsWith('..');
}

/** A parsed resource quantity. */
export interface ParsedQuantity {
  /** The value in base units (cores, bytes, devices). */
  readonly value: number;
  /** The suffix as written, e.g. `Gi`, `m`, `e3`. */
  readonly suffix: string;
}

const BINARY: { [suffix: string]: number } = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: { [suffix: string]: number } = { '': 1, 'n': 1e-9, 'u': 1e-6, 'm': 1e-3, 'k': 1e3, 'M': 1e6, 'G': 1e9, 'T': 1e12, 'P': 1e15, 'E': 1e18 };

/** Parses a quantity (`4`, `500m`, `128Gi`, `1e3`), or returns undefined if it is not one (apimachinery's quantity syntax). */
export function parseQuantity(raw: string | number): ParsedQuantity | undefined {
  if (typeof raw === 'number') {
    return Number.isFinite(raw) ? { value: raw, suffix: '' } : undefined;
  }
  if (typeof raw !== 'string') return undefined;
  const match = QUANTITY.exec(raw);
  if (!match) return undefined;
  const number = Number(match[1]);
  if (!Number.isFinite(number)) return undefined;
  const suffix = match[2];
  if (suffix in BINARY) return { value: number * BINARY[suffix], suffix };
  if (suffix in DECIMAL) return { value: number * DECIMAL[suffix], suffix };
  const exponent = /^[eE]([-+]?[0-9]+)$/.exec(suffix);
  if (exponent) return { value: number * 10 ** Number(exponent[1]), suffix };
  return undefined;
}

/** The keys of a label map (metadata labels, a nodeSelector) the apiserver refuses, and what is wrong with each. */
export function labelMapProblems(labels: { [key: string]: any }): Array<{ readonly key: string; readonly value: boolean; readonly message: string }> {
  const problems: Array<{ key: string; value: boolean; message: string }> = [];
  for (const [key, value] of Object.entries<any>(labels)) {
    if (!isLabelKey(key)) problems.push({ key, value: false, message: `key '${key}' is not a valid label key.` });
    if (!isLabelValue(value)) problems.push({ key, value: true, message: `'${key}' value '${value}' is not a valid label value (<= 63, alphanumerics, '-', '_', '.').` });
  }
  return problems;
}

/**
 * How an image reference floats: no tag (so `:latest`) or the tag `latest`; undefined when it
 * is pinned by a version tag or a digest. A registry port (`registry:5000/trainer`) is no tag.
 */
export function floatingTag(image: string): 'no tag' | 'latest' | undefined {
  const [withoutDigest, digest] = image.split('@');
  if (digest !== undefined) return undefined;
  const colon = withoutDigest.lastIndexOf(':');
  if (colon <= withoutDigest.lastIndexOf('/')) return 'no tag';
  return withoutDigest.slice(colon + 1) === 'latest' ? 'latest' : undefined;
}
