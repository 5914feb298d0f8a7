import { parseQuantity } from './k8s-syntax';
import { Rule } from './rule';

const MODES = ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'];

/** RULEBOOK V1 and V2: access modes, a positive storage request and the volume mode of a claim. */
export const pvc: Rule = {
  id: 'pvc',
  rulebook: ['V1', 'V2'],
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
    const messages: string[] = [];
    const modes: any[] = spec.accessModes ?? [];
    if (modes.length === 0) messages.push('spec.accessModes is empty.');
    for (const mode of modes) if (!MODES.includes(mode)) messages.push(`access mode '${mode}' must be one of ${MODES.join(', ')}.`);
    if (modes.includes('ReadWriteOncePod') && modes.length > 1) messages.push('ReadWriteOncePod cannot be combined with other access modes.');
    const storage = spec.resources?.requests?.storage;
    const parsed = storage === undefined ? undefined : parseQuantity(storage);
    if (!parsed || parsed.value <= 0) messages.push(`resources.requests.storage (${storage ?? 'unset'}) must be a positive quantity.`);
    if (spec.volumeMode !== undefined && !['Filesystem', 'Block'].includes(spec.volumeMode)) {
      messages.push(`volumeMode '${spec.volumeMode}' must be Filesystem or Block.`);
    }
    return messages;
  },
};
