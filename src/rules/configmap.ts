import { at, Rule, RuleMessage } from './rule';
import { SOURCES } from '../knowledge/sources';

const KEY = /^[-._a-zA-Z0-9]+$/;
const MAX_BYTES = 1048576;

/** ConfigMap keys, and the 1 MiB size limit. */
export const configMap: Rule = {
  id: 'configmap',
  sources: [SOURCES.coreValidation],
  kinds: ['ConfigMap'],
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
    const messages: RuleMessage[] = [];
    const data = object.data ?? {};
    const binary = object.binaryData ?? {};
    let bytes = 0;
    for (const [field, entries] of [['data', data], ['binaryData', binary]]) {
      for (const [key, value] of Object.entries<any>(entries)) {
        if (!KEY.test(key) || key.length > 253 || key === '.' || key === '..') messages.push(at([field, key], `key '${key}' is not a valid ConfigMap key.`));
        bytes += Buffer.byteLength(key) + Buffer.byteLength(String(value));
      }
    }
    for (const key of Object.keys(data)) if (key in binary) messages.push(at(['binaryData', key], `key '${key}' is in both data and binaryData.`));
    if (bytes > MAX_BYTES) messages.push(at(['data'], `the ConfigMap holds ${bytes} bytes; at most ${MAX_BYTES} are allowed.`));
    return messages;
  },
};
