import { engineById, ENGINES } from './registry';

/**
 * The system that runs a `DistributedPyTorchJob`. Each engine gets the same guarantees
 * (ReadWriteMany checkpoints, preemption that does not use up the retry budget, deadline,
 * spot, GPUs, /dev/shm, grace period, Kueue labels), expressed in its own API; what an
 * engine cannot express is refused at synth with the engine and the prop named.
 */
export class TrainingEngine {
  /** Kubeflow Training Operator v1: a kubeflow.org/v1 PyTorchJob (the default). */
  public static trainingOperator(): TrainingEngine {
    return TrainingEngine.of('training-operator');
  }

  /**
   * Kubeflow Trainer v2: a trainer.kubeflow.org TrainJob that references a TrainingRuntime
   * the library emits beside it (the stock `torch-distributed` runtime cannot carry the
   * failure policy).
   */
  public static trainerV2(): TrainingEngine {
    return TrainingEngine.of('trainer-v2');
  }

  /** A plain jobset.x-k8s.io JobSet running torchrun, for clusters without Kubeflow. */
  public static jobSet(): TrainingEngine {
    return TrainingEngine.of('jobset');
  }

  /**
   * The engine registered under `id` (`training-operator`, `trainer-v2`, `jobset`).
   * @param id the engine's id
   */
  public static of(id: string): TrainingEngine {
    const engine = engineById(id);
    if (engine === undefined) {
      throw new Error(`TrainingEngine.of('${id}'): no such engine; the engines are ${ENGINES.map((e) => `'${e.id}'`).join(', ')}.`);
    }
    return new TrainingEngine(engine.id, engine.displayName);
  }

  /** Short id: `training-operator`, `trainer-v2` or `jobset`. */
  public readonly id: string;
  /** Name used in messages. */
  public readonly displayName: string;

  private constructor(id: string, displayName: string) {
    this.id = id;
    this.displayName = displayName;
  }
}
