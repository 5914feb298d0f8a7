import { Rule } from './rule';

const KEY = /^[-._a-zA-Z0-9]+$/;
const MAX_BYTES = 1048576;

/** RULEBOOK P13: ConfigMap keys, and the 1 MiB size limit. */
export const configMap: Rule = {
  id: 'configmap',
  rulebook: ['P13'],
  severity: 'error',
  refusedBy: 'the apiserver',
  what: 'A ConfigMap key is invalid or in both data and binaryData, or the ConfigMap is over 1 MiB.',
  why: 'The apiserver rejects the ConfigMap, so the pods that mount it never start.',
  fix: "Use keys of letters, digits, '-', '_' and '.', and keep a ConfigMap under 1 MiB (a sweep: express trials as axes).",
  example: `kind: ConfigMap
data:
  grid.json: "..."   # over 1 MiB in total`,
  check(object) {
    if (object?.kind !== 'ConfigMap' || object.apiVersion !== 'v1') return [];
    const messages: string[] = [];
    const data = object.data ?? {};
    const binary = object.binaryData ?? {};
    let bytes = 0;
    for (const [key, value] of [...Object.entries<any>(data), ...Object.entries<any>(binary)]) {
      if (!KEY.test(key) || key.length > 253 || key === '.' || key === '..') messages.push(`key '${key}' is not a valid ConfigMap key.`);
      bytes += Buffer.byteLength(key) + Buffer.byteLength(String(value));
    }
    for (const key of Object.keys(data)) if (key in binary) messages.push(`key '${key}' is in both data and binaryData.`);
    if (bytes > MAX_BYTES) messages.push(`the ConfigMap holds ${bytes} bytes; at most ${MAX_BYTES} are allowed.`);
    return messages;
  },
};
