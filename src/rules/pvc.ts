import { at, Rule, RuleMessage } from './rule';
import { parseQuantity } from '../k8s/syntax';
import { SOURCES } from '../knowledge/sources';

const MODES = ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'];

/** Access modes, a positive storage request and the volume mode of a claim. */
export const pvc: Rule = {
  id: 'pvc',
  sources: [SOURCES.coreValidation],
  kinds: ['PersistentVolumeClaim'],
  severity: 'error',
  refusedBy: 'the apiserver',
  what: 'A PersistentVolumeClaim has no or unknown access modes, ReadWriteOncePod with others, no positive storage request, or a bad volumeMode.',
  why: 'The apiserver rejects the claim, and its spec is immutable afterwards except for growing storage.',
  fix: 'Set accessModes (ReadWriteMany for shared checkpoints), resources.requests.storage > 0 and volumeMode Filesystem.',
  example: `kind: PersistentVolumeClaim
spec:
  accessModes: [ReadWriteMany]   # no resources.requests.storage`,
  check(object) {
    if (object?.kind !== 'PersistentVolumeClaim' || object.apiVersion !== 'v1') return [];
    const spec = object.spec ?? {};
    const messages: RuleMessage[] = [];
    const modes: any[] = Array.isArray(spec.accessModes) ? spec.accessModes : [];
    if (modes.length === 0) messages.push(at(['spec', 'accessModes'], 'spec.accessModes is empty.'));
    modes.forEach((mode, i) => {
      if (!MODES.includes(mode)) messages.push(at(['spec', 'accessModes', i], `access mode '${mode}' must be one of ${MODES.join(', ')}.`));
    });
    if (modes.includes('ReadWriteOncePod') && modes.length > 1) messages.push(at(['spec', 'accessModes'], 'ReadWriteOncePod cannot be combined with other access modes.'));
    const storage = spec.resources?.requests?.storage;
    const parsed = storage === undefined ? undefined : parseQuantity(storage);
    if (!parsed || parsed.value <= 0) messages.push(at(['spec', 'resources', 'requests', 'storage'], `resources.requests.storage (${storage ?? 'unset'}) must be a positive quantity.`));
    if (spec.volumeMode !== undefined && !['Filesystem', 'Block'].includes(spec.volumeMode)) {
      messages.push(at(['spec', 'volumeMode'], `volumeMode '${spec.volumeMode}' must be Filesystem or Block.`));
    }
    return messages;
  },
};
