/**
 * What makes a workload a trainer, for the rules that only training needs (checkpoints,
 * /dev/shm, the preemption policy). Strong evidence only: a training kind, this library's
 * labels, a container that requests a real accelerator, or one whose command launches a
 * trainer (torchrun, deepspeed, `accelerate launch`, `python train.py`). A container that only
 * holds its GPUs (a `pause` image, `sleep infinity`, `nvidia-smi`) is no trainer, and a user
 * says what a workload is with the annotation `cdk8s-training.io/training: "true"` or `"false"`
 * on the object or its pod template. A database migration or a report Job gets none of the
 * advice, even when it mounts a claim.
 */
import { MANAGED_BY, TORCH_LAUNCHER_MARKER, TRAINING_ANNOTATION } from './contract';
import { isAcceleratorResource } from './gpu';
import { onSpotCapacity } from './spot';
import { programWords, scriptCommands, shellCommandOf } from '../k8s/shell';
import { containersOf, WorkloadKinds } from '../k8s/workloads';

/** The real accelerator resources a container requests or limits. */
export function acceleratorsOf(container: any): string[] {
  return Object.keys({ ...(container?.resources?.requests ?? {}), ...(container?.resources?.limits ?? {}) }).filter(isAcceleratorResource);
}

/** Whether a pod spec asks for a real accelerator in a container that does more than hold it. */
export function requestsAccelerator(podSpec: any): boolean {
  return containersOf(podSpec).some((c: any) => acceleratorsOf(c).length > 0 && !isIdle(c));
}

/** The programs a container runs, each as its words: its argv, or the commands of its `sh -c` script. */
function programsOf(container: any): Array<Array<string | undefined>> {
  const argv: unknown[] = [
    ...(Array.isArray(container?.command) ? container.command : []),
    ...(Array.isArray(container?.args) ? container.args : []),
  ];
  if (argv.length === 0) return [];
  const shell = shellCommandOf(argv);
  if (shell !== undefined) return scriptCommands(shell).map(programWords);
  return [programWords(argv.map((word) => (typeof word === 'string' ? word : undefined)))];
}

const basename = (word: string | undefined) => (word ?? '').split('/').pop() ?? '';

/** Programs that only wait, or print the GPUs and exit. */
const IDLE_PROGRAMS = new Set(['sleep', 'pause', 'true', 'nvidia-smi', 'rocm-smi', 'hl-smi', 'xpu-smi', 'neuron-ls', 'neuron-top', 'tail', 'echo', 'wait']);

/** Whether a program (the first word of a command) only waits, prints, or sets up for another. */
export function waitsOrSetsUp(program: string | undefined): boolean {
  const name = basename(program);
  return IDLE_PROGRAMS.has(name) || SETUP_PROGRAMS.has(name);
}

/**
 * Whether a container only holds its resources: the pause image, or a command whose every
 * program waits (`sleep 3600`, `sleep infinity`, `tail -f /dev/null`) or prints and exits
 * (`nvidia-smi`, `echo`). A container without a command runs its image's entrypoint: not idle.
 */
export function isIdle(container: any): boolean {
  const image = typeof container?.image === 'string' ? container.image : '';
  const repository = basename(image.split('@')[0].replace(/:[^/:]*$/, ''));
  if (repository === 'pause' || repository === 'sleep') return true;
  const programs = programsOf(container);
  return programs.length > 0 && programs.every((words) => IDLE_PROGRAMS.has(basename(words[0])) || isCheckOnly(words));
}

/** Set-up and checks around a program: installing, printing the environment or the devices. */
const SETUP_PROGRAMS = new Set(['pip', 'pip3', 'printenv', 'env', 'set', 'export', 'cd', 'ls', 'cat', 'hostname', 'date', 'mkdir', 'uname', 'nproc']);

/** A set-up command, or `python -c` code that checks (prints devices) and does not train. */
function isCheckOnly(words: Array<string | undefined>): boolean {
  const program = basename(words[0]);
  if (SETUP_PROGRAMS.has(program)) return true;
  const code = /^python[0-9.]*$/.test(program) && words[1] === '-c' ? words[2] : undefined;
  return typeof code === 'string' && /\bprint\(/.test(code) && !/train|\.fit\(|optim|loss|backward|grad|checkpoint/i.test(code);
}

/** Launchers and modules that start training. */
const TRAINER_PROGRAMS = new Set(['torchrun', 'deepspeed', 'accelerate', 'horovodrun', 'mpirun', 'composer', 'tune', 'llamafactory-cli', 'axolotl']);
const TRAINER_MODULES = /^(?:torch\.distributed\.(?:run|launch)|accelerate\.commands\.launch|deepspeed\.launcher\.runner|axolotl\.cli\.train|torchtune\._cli\.tune|.*\btrain\w*)$/;
/** A Python script named like a trainer: `train.py`, `train_distributed.py`, `finetune.py`, `pretrain_gpt.py`. */
const TRAINER_SCRIPT = /(?:^|[_-])(?:train|training|finetune|fine_tune|pretrain)(?:[_-][\w-]*)?\.py$|^(?:train|finetune|pretrain)\w*\.py$/i;

/** The trainer a container's command launches (`torchrun`, `python train.py`), if any. */
export function trainerCommandOf(container: any): string | undefined {
  for (const words of programsOf(container)) {
    const program = basename(words[0]);
    if (TRAINER_PROGRAMS.has(program)) return program;
    if (/^python[0-9.]*$/.test(program)) {
      const moduleAt = words.indexOf('-m');
      const module = moduleAt >= 0 ? words[moduleAt + 1] : undefined;
      if (module !== undefined && TRAINER_MODULES.test(module)) return `python -m ${module}`;
      const script = words.slice(1).find((w) => typeof w === 'string' && w.endsWith('.py'));
      if (script !== undefined && TRAINER_SCRIPT.test(basename(script))) return `python ${basename(script)}`;
      // The library's launcher: `python3 -c <script>` whose first line is its marker.
      if (words.some((w) => typeof w === 'string' && w.startsWith(TORCH_LAUNCHER_MARKER))) return 'torchrun';
    }
  }
  return undefined;
}

/**
 * Names of jobs that use accelerators without training: inference and serving, model
 * download and conversion, batch prediction, quantization, evaluation and benchmarks.
 */
const NOT_TRAINING = /^(?:infer\w*|serve|server|serving|convert\w*|converter|download\w*|loader|predict\w*|quantiz\w*|export\w*|benchmark\w*|eval|evaluat\w*|vllm|tgi|triton|jetstream)$/i;

/** Whether the object's, a pod template's or a container's name or image says it does not train. */
function namedNotTraining(object: any, containers: any[]): boolean {
  const names = [object?.metadata?.name, ...containers.flatMap((c: any) => [c?.name, typeof c?.image === 'string' ? c.image.split('@')[0] : undefined])];
  return names.some((name) => typeof name === 'string' && name.split(/[-_./:]/).some((word) => NOT_TRAINING.test(word)));
}

/** What a user states of a workload with `cdk8s-training.io/training`, on the object or a pod template. */
function statedTraining(kinds: WorkloadKinds, object: any): boolean | undefined {
  const values = [object?.metadata?.annotations?.[TRAINING_ANNOTATION],
    ...kinds.podTemplatesOf(object).map((ref) => ref.template?.metadata?.annotations?.[TRAINING_ANNOTATION])];
  if (values.includes('false')) return false;
  if (values.includes('true')) return true;
  return undefined;
}

/**
 * Why an object is a training workload, or undefined when it is not: stated by the user, a
 * training kind, the library's labels, a container that requests a real accelerator and does
 * more than hold it, or one that launches a trainer.
 */
export function trainingReason(kinds: WorkloadKinds, object: any): string | undefined {
  const stated = statedTraining(kinds, object);
  if (stated === false) return undefined;
  if (stated === true) return `it is annotated ${TRAINING_ANNOTATION}: "true"`;
  if (kinds.kindOf(object)?.training) return `a ${object.kind}`;
  const refs = kinds.podTemplatesOf(object).filter((ref) => !ref.initializer);
  if (refs.some((ref) => ref.template?.metadata?.labels?.['app.kubernetes.io/managed-by'] === MANAGED_BY)) return 'its pods carry the cdk8s-training labels';
  const containers = refs.flatMap((ref) => containersOf(ref.template?.spec)).filter((c: any) => !isIdle(c));
  for (const container of containers) {
    const trainer = trainerCommandOf(container);
    if (trainer !== undefined) return `its command launches a trainer (${trainer})`;
  }
  // Accelerators without a trainer command: unless its names say it serves, converts or downloads.
  if (namedNotTraining(object, containers)) return undefined;
  for (const container of containers) {
    const accelerators = acceleratorsOf(container);
    if (accelerators.length > 0) return `its pods request accelerators (${accelerators[0]})`;
  }
  return undefined;
}

/**
 * Whether losing a training workload's progress costs much: its pods request real accelerators
 * or run on spot capacity (certain to be reclaimed), it carries the library's labels, or its user
 * says it trains. A CPU-only trainer on on-demand nodes (an MNIST demo) restarts cheaply, so it is
 * not told it needs checkpoint storage; the rest of the training advice still applies to it.
 */
export function costlyToRestart(kinds: WorkloadKinds, object: any): boolean {
  if (statedTraining(kinds, object) === true) return true;
  const refs = kinds.podTemplatesOf(object).filter((ref) => !ref.initializer);
  return refs.some((ref) => ref.template?.metadata?.labels?.['app.kubernetes.io/managed-by'] === MANAGED_BY ||
    requestsAccelerator(ref.template?.spec) || onSpotCapacity(ref.template?.spec));
}

/**
 * Options trainers commonly take their checkpoint directory from: `--checkpoint-dir`,
 * `--checkpoint_dir`, `--ckpt-dir`, `--save-checkpoint-path`, `--checkpoints.dir`, ... (and the
 * same with one dash).
 */
const CHECKPOINT_OPTION = /^--?(?:[a-z0-9]+[-_.])*(?:checkpoint|ckpt)s?[-_.]?(?:dir|directory|path|root|folder)$/i;
/** Env names of the same: `CKPT_DIR`, `CHECKPOINT_PATH`, `MODEL_CHECKPOINT_DIR`, ... */
const CHECKPOINT_ENV = /^(?:[A-Z0-9]+_)*(?:CHECKPOINT|CKPT)S?_?(?:DIR|DIRECTORY|PATH|ROOT|FOLDER)$/;

/** A checkpoint directory a container's command, args or env gives its trainer. */
export interface CheckpointLocation {
  /** Where it is written: the container's `command`, `args` or `env`. */
  readonly field: 'command' | 'args' | 'env';
  /** Its index in that field (for a shell script: the script's). */
  readonly index: number;
  /** The option or env name (`--checkpoint-dir`, `CKPT_DIR`). */
  readonly name: string;
  /** The directory, an absolute path as written. */
  readonly value: string;
  /** Whether it is inside a `-c` shell script. */
  readonly inScript: boolean;
  /** Whether option and value are one word (`--checkpoint-dir=/x`), not two. */
  readonly joined: boolean;
}

/**
 * The literal absolute checkpoint directories a container tells its trainer (options named
 * like `--checkpoint-dir` in its argv or in the commands of its `sh -c` script, env named like
 * `CKPT_DIR`); values with a `$` are the kubelet's or the shell's to expand and are left out.
 * `skipEnv` names env the caller checks itself (the library's CHECKPOINT_DIR).
 */
export function checkpointLocations(container: any, skipEnv: ReadonlySet<string> = new Set()): CheckpointLocation[] {
  const found: CheckpointLocation[] = [];
  const command: unknown[] = Array.isArray(container?.command) ? container.command : [];
  const args: unknown[] = Array.isArray(container?.args) ? container.args : [];
  const argv = [...command, ...args];
  const fieldAt = (i: number) => (i < command.length ? { field: 'command' as const, index: i } : { field: 'args' as const, index: i - command.length });
  const literal = (value: unknown): value is string => typeof value === 'string' && value.startsWith('/') && !value.includes('$');
  const scan = (words: Array<unknown>, at: (i: number) => { field: 'command' | 'args'; index: number }, inScript: boolean) => {
    words.forEach((word, i) => {
      if (typeof word !== 'string') return;
      const eq = word.indexOf('=');
      const name = eq > 0 ? word.slice(0, eq) : word;
      if (!CHECKPOINT_OPTION.test(name)) return;
      const value = eq > 0 ? word.slice(eq + 1) : words[i + 1];
      if (literal(value)) found.push({ ...at(eq > 0 ? i : i + 1), name, value, inScript, joined: eq > 0 });
    });
  };
  const shell = shellCommandOf(argv);
  if (shell !== undefined) {
    for (const words of scriptCommands(shell)) scan(words, () => fieldAt(shell.scriptIndex), true);
  } else {
    scan(argv, fieldAt, false);
  }
  const env: any[] = Array.isArray(container?.env) ? container.env : [];
  env.forEach((e, index) => {
    if (typeof e?.name === 'string' && !skipEnv.has(e.name) && CHECKPOINT_ENV.test(e.name) && literal(e.value)) {
      found.push({ field: 'env', index, name: e.name, value: e.value, inScript: false, joined: false });
    }
  });
  return found;
}
