/** Requests and limits of the trainer and its helpers, and the size of its /dev/shm. */
import { Size, SizeRoundingBehavior } from 'cdk8s';
import * as k8s from '../../k8s/api';
import { invalid } from '../errors';
import { Cpu } from '../pod-values';
import { TrainingWorkloadProps } from '../training-workload-props';

/** A CPU amount checked: positive, in whole millicores at most. */
export function cpuQuantity(prop: string, cpu: Cpu): string {
  const match = /^(\d+(?:\.\d+)?)(m?)$/.exec(String(cpu?.amount));
  const millis = match === null ? NaN : Number(match[1]) * (match[2] === 'm' ? 1 : 1000);
  if (!(millis > 0)) {
    throw invalid(prop, `${prop} (${cpu?.amount}) must be a positive amount of CPU; e.g. Cpu.units(8) or Cpu.millis(500), or leave ${prop} unset for no request.`);
  }
  if (!Number.isInteger(Math.round(millis * 1e6) / 1e6)) {
    throw invalid(prop, `${prop} (${cpu.amount}) is finer than a millicore, which Kubernetes rounds up; write whole millicores, e.g. Cpu.millis(${Math.ceil(millis)}).`);
  }
  return cpu.amount;
}

/** A positive memory size. */
export function positiveMemory(prop: string, memory: Size): string {
  if (!(memory.toMebibytes({ rounding: SizeRoundingBehavior.NONE }) > 0)) {
    throw invalid(prop, `${prop} (${memory.asString()}) must be positive; e.g. Size.gibibytes(64), or leave ${prop} unset for no request.`);
  }
  return memory.asString();
}

/** The trainer's resources: requests = limits, as GPUs require and a trainer that bursts into an OOM kill would regret. */
export function trainerResources(props: TrainingWorkloadProps): k8s.ResourceRequirements {
  const quantities: { [key: string]: string | number } = {};
  if (props.cpu) quantities.cpu = cpuQuantity('cpu', props.cpu);
  if (props.memory) quantities.memory = positiveMemory('memory', props.memory);
  if (props.accelerator) quantities[props.accelerator.resourceName] = props.accelerator.count;
  if (props.ephemeralStorage) {
    if (!(props.ephemeralStorage.toMebibytes({ rounding: SizeRoundingBehavior.NONE }) > 0)) {
      throw invalid('ephemeralStorage', `ephemeralStorage (${props.ephemeralStorage.asString()}) must be positive; e.g. Size.gibibytes(100), or leave it unset.`);
    }
    quantities['ephemeral-storage'] = props.ephemeralStorage.asString();
  }
  return { requests: { ...quantities }, limits: { ...quantities } };
}

/** The memory-backed /dev/shm: `sharedMemorySize`, else a quarter of `memory`, else 1 GiB. It counts against the memory limit. */
export function sharedMemorySize(props: TrainingWorkloadProps): Size {
  const memoryMiB = props.memory?.toMebibytes({ rounding: SizeRoundingBehavior.NONE });
  if (props.sharedMemorySize === undefined) {
    if (memoryMiB === undefined) return Size.gibibytes(1);
    const quarterMiB = Math.max(1, Math.floor(memoryMiB / 4));
    return quarterMiB % 1024 === 0 ? Size.gibibytes(quarterMiB / 1024) : Size.mebibytes(quarterMiB);
  }
  const shmMiB = props.sharedMemorySize.toMebibytes({ rounding: SizeRoundingBehavior.NONE });
  if (!(shmMiB > 0)) {
    throw invalid('sharedMemorySize', `sharedMemorySize (${props.sharedMemorySize.asString()}) must be positive.`);
  }
  if (memoryMiB !== undefined && shmMiB >= memoryMiB) {
    throw invalid('sharedMemorySize',
      `sharedMemorySize (${props.sharedMemorySize.asString()}) must be below memory (${props.memory!.asString()}): ` +
      '/dev/shm counts against the memory limit. Lower sharedMemorySize or raise memory.',
    );
  }
  return props.sharedMemorySize;
}
