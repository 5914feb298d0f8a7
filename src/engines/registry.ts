import { EngineStrategy } from './engine';
import { jobSetEngine } from './jobset';
import { trainerV2Engine } from './trainer-v2';
import { trainingOperatorEngine } from './training-operator';
import { TrainingEngine } from '../trainer/training-engine';

const ENGINES: EngineStrategy[] = [trainingOperatorEngine, trainerV2Engine, jobSetEngine];

/** The implementation of a `TrainingEngine`. */
export function strategyOf(engine: TrainingEngine): EngineStrategy {
  const strategy = ENGINES.find((e) => e.id === engine.id);
  if (!strategy) throw new Error(`engine '${engine.id}' has no implementation`);
  return strategy;
}
