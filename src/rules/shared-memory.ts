import { at, Rule, RuleMessage, WORKLOADS } from './rule';
import { SOURCES } from '../knowledge/sources';
import { acceleratorsOf, isIdle, trainingReason } from '../knowledge/training';

/** GPU trainers need a memory-backed /dev/shm. */
export const sharedMemory: Rule = {
  id: 'shared-memory',
  sources: [SOURCES.pytorchSharedMemory],
  kinds: [WORKLOADS],
  severity: 'warning',
  what: 'A training container that requests GPUs (not one that only holds them: pause, sleep) has no memory-backed emptyDir, nor the node\'s /dev/shm, at /dev/shm.',
  why: "The container runtime's 64 MiB /dev/shm makes PyTorch DataLoader workers crash with bus errors.",
  fix: 'Mount an emptyDir with medium Memory and a sizeLimit at /dev/shm (the constructs do this).',
  example: `containers:
  - name: trainer
    resources: {limits: {nvidia.com/gpu: 4}}   # no /dev/shm emptyDir`,
  check(object, context) {
    const messages: RuleMessage[] = [];
    if (trainingReason(context.workloads, object) === undefined) return messages;
    context.workloads.forEachPodSpec(object, (podSpec, path, _ref, keys) => {
      // Shared memory: a Memory emptyDir, or the node's own /dev/shm (a tmpfs) by hostPath.
      const memoryVolumes = new Set((podSpec?.volumes ?? [])
        .filter((v: any) => v?.emptyDir?.medium === 'Memory' || v?.hostPath?.path === '/dev/shm' || v?.hostPath?.path === '/dev/shm/')
        .map((v: any) => v.name));
      (Array.isArray(podSpec?.containers) ? podSpec.containers : []).forEach((container: any, i: number) => {
        // DataLoader workers share batches through /dev/shm: a GPU trainer's concern, not a TPU's.
        const usesGpu = acceleratorsOf(container).some((name) => /gpu|mig-/.test(name)) && !isIdle(container);
        const hasShm = (container?.volumeMounts ?? []).some((m: any) => m?.mountPath === '/dev/shm' && memoryVolumes.has(m?.name));
        if (usesGpu && !hasShm) messages.push(at([...keys, 'containers', i], `${path} container '${container.name}' uses GPUs without a memory-backed /dev/shm.`));
      });
    });
    return messages;
  },
};
