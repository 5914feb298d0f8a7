import { at, Rule, RuleMessage, WORKLOADS } from './rule';
import { SOURCES } from '../knowledge/sources';

/** GPU trainers need a memory-backed /dev/shm. */
export const sharedMemory: Rule = {
  id: 'shared-memory',
  sources: [SOURCES.pytorchSharedMemory],
  kinds: [WORKLOADS],
  severity: 'warning',
  what: 'A container that requests GPUs has no memory-backed emptyDir at /dev/shm.',
  why: "The container runtime's 64 MiB /dev/shm makes PyTorch DataLoader workers crash with bus errors.",
  fix: 'Mount an emptyDir with medium Memory and a sizeLimit at /dev/shm (the constructs do this).',
  example: `containers:
  - name: trainer
    resources: {limits: {nvidia.com/gpu: 4}}   # no /dev/shm emptyDir`,
  check(object, context) {
    const messages: RuleMessage[] = [];
    context.workloads.forEachPodSpec(object, (podSpec, path, _ref, keys) => {
      const memoryVolumes = new Set((podSpec?.volumes ?? []).filter((v: any) => v?.emptyDir?.medium === 'Memory').map((v: any) => v.name));
      (Array.isArray(podSpec?.containers) ? podSpec.containers : []).forEach((container: any, i: number) => {
        const resources = { ...(container?.resources?.requests ?? {}), ...(container?.resources?.limits ?? {}) };
        const usesGpu = Object.keys(resources).some((name) => name.endsWith('/gpu'));
        const hasShm = (container?.volumeMounts ?? []).some((m: any) => m?.mountPath === '/dev/shm' && memoryVolumes.has(m?.name));
        if (usesGpu && !hasShm) messages.push(at([...keys, 'containers', i], `${path} container '${container.name}' uses GPUs without a memory-backed /dev/shm.`));
      });
    });
    return messages;
  },
};
