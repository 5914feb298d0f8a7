/**
 * What makes a workload a trainer, for the rules that only training needs (checkpoints,
 * /dev/shm, the preemption policy): a training kind, or pods that request accelerators, mount
 * a checkpoint claim or carry this library's labels. A database migration or a report Job
 * gets none of that advice.
 */
import { MANAGED_BY } from './contract';
import { isAcceleratorResource } from './gpu';
import { scriptCommands, shellCommandOf } from '../k8s/shell';
import { containersOf, mountsClaim, WorkloadKinds } from '../k8s/workloads';

/** Whether a pod spec asks for an accelerator (an extended resource ending in /gpu, or a known device). */
export function requestsAccelerator(podSpec: any): boolean {
  return containersOf(podSpec).some((c: any) => Object.keys({ ...(c?.resources?.requests ?? {}), ...(c?.resources?.limits ?? {}) })
    .some(isAcceleratorResource));
}

/**
 * Why an object is a training workload, or undefined when it is not: a training kind, pods that
 * request accelerators, mount a checkpoint claim (`withClaims`), or carry this library's labels.
 */
export function trainingReason(kinds: WorkloadKinds, object: any, withClaims = true): string | undefined {
  if (kinds.kindOf(object)?.training) return `a ${object.kind}`;
  for (const ref of kinds.podTemplatesOf(object)) {
    const spec = ref.template?.spec;
    if (requestsAccelerator(spec)) return 'its pods request accelerators';
    if (ref.template?.metadata?.labels?.['app.kubernetes.io/managed-by'] === MANAGED_BY) return 'its pods carry the cdk8s-training labels';
    if (withClaims && mountsClaim(spec)) return 'its pods mount a volume claim (checkpoints)';
  }
  return undefined;
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
