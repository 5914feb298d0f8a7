/**
 * The engines DistributedPyTorchJob can run on: a new one is its own file in this folder and
 * one entry here. The rules, lint, the strict schemas and the CRD import all read this list.
 */
import { CrdSource, EngineStrategy } from './engine';
import { jobSetEngine } from './jobset';
import { trainerV2Engine } from './trainer-v2';
import { trainingOperatorEngine } from './training-operator';
import { WorkloadKind } from '../k8s/workloads';

export const ENGINES: EngineStrategy[] = [trainingOperatorEngine, trainerV2Engine, jobSetEngine];

/** The engine of an id, if registered. */
export function engineById(id: string): EngineStrategy | undefined {
  return ENGINES.find((e) => e.id === id);
}

/** Every kind the engines write (a kind two engines share is declared once). */
export function engineKinds(): WorkloadKind[] {
  const kinds: WorkloadKind[] = [];
  for (const kind of ENGINES.flatMap((e) => e.kinds)) {
    if (!kinds.includes(kind)) kinds.push(kind);
  }
  return kinds;
}

/** The CRD sources of every engine, one per module. */
export function engineCrds(): CrdSource[] {
  const byModule = new Map<string, CrdSource>();
  for (const source of ENGINES.flatMap((e) => e.crds)) {
    const known = byModule.get(source.module);
    byModule.set(source.module, known === undefined ? source
      : { module: source.module, files: [...known.files, ...source.files.filter((f) => !known.files.some((k) => k.path === f.path))] });
  }
  return [...byModule.values()];
}
