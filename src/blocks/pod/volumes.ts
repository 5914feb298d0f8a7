/**
 * The trainer pod's volumes: the checkpoint claim (mounted at `CHECKPOINT_DIR`, one folder per
 * run or trial where the construct says), the memory-backed /dev/shm, a writable /tmp, the
 * construct's own and the user's, each checked against the others.
 */
import { Construct } from 'constructs';
import { checkMountPath } from './containers';
import * as k8s from '../../k8s/api';
import { isDescendingPath, isDnsLabel, isWithinDirectory, withoutTrailingSlash } from '../../k8s/syntax';
import { ENV_CHECKPOINT_DIR, ENV_CHECKPOINT_INTERVAL_EPOCHS, ENV_CHECKPOINT_INTERVAL_SECONDS } from '../../knowledge/contract';
import { checkpointLocations } from '../../knowledge/training';
import { CheckpointInterval } from '../checkpoint-interval';
import { CheckpointOptions } from '../checkpoint-storage';
import { invalid } from '../errors';
import { PodVolume } from '../pod-values';
import { TrainingWorkloadProps } from '../training-workload-props';

export const DEFAULT_CHECKPOINT_MOUNT_PATH = '/checkpoints';
export const DEFAULT_CHECKPOINT_INTERVAL_EPOCHS = 1;
const CHECKPOINT_VOLUME = 'checkpoints';
const SHM_VOLUME = 'dshm';
const TMP_VOLUME = 'tmp';

/** The checkpoint claim as the trainer sees it. */
export interface CheckpointMount {
  readonly volume: k8s.Volume;
  readonly mount: k8s.VolumeMount;
  /** `CHECKPOINT_DIR`, and `CHECKPOINT_INTERVAL_EPOCHS` or `CHECKPOINT_INTERVAL_SECONDS`. */
  readonly env: k8s.EnvVar[];
  readonly mountPath: string;
  readonly claimName: string;
}

/**
 * The checkpoint volume, or none with a written `noCheckpointReason` (a training job without
 * checkpoints restarts from scratch after every preemption).
 * @param concurrentPods how many pods mount it at once: more than one needs ReadWriteMany
 * @param subPathExpr a folder per run or trial (`$(VAR)` of the trainer's env), under `checkpoint.subPath`
 */
export function checkpointMount(
  scope: Construct, props: TrainingWorkloadProps, concurrentPods: number, subPathExpr?: string,
): CheckpointMount | undefined {
  if (!props.checkpoint) {
    if (props.noCheckpointReason === undefined || props.noCheckpointReason.trim() === '') {
      throw invalid('checkpoint',
        'checkpoint is not set: a training job without checkpoint storage restarts from scratch after every preemption. ' +
        'Set checkpoint: { storage: CheckpointStorage.newClaim({...}) }, or set noCheckpointReason to say why it is not needed.',
      );
    }
    return undefined;
  }
  if (props.noCheckpointReason !== undefined) {
    throw invalid('noCheckpointReason', 'checkpoint and noCheckpointReason are both set; keep checkpoint and remove noCheckpointReason.');
  }
  const checkpoint = props.checkpoint;
  checkSharedAccess(checkpoint, concurrentPods);
  const mountPath = checkpoint.mountPath ?? DEFAULT_CHECKPOINT_MOUNT_PATH;
  checkMountPath('checkpoint.mountPath', mountPath, '/checkpoints');
  if (checkpoint.interval !== undefined && checkpoint.intervalEpochs !== undefined) {
    throw invalid('checkpoint.interval',
      `checkpoint.interval (${checkpoint.interval.interval.toSeconds()} seconds) and checkpoint.intervalEpochs (${checkpoint.intervalEpochs}) are both set; ` +
      'the trainer checkpoints on one of them: keep one.');
  }
  if (checkpoint.interval !== undefined && !(checkpoint.interval instanceof CheckpointInterval)) {
    throw invalid('checkpoint.interval', 'checkpoint.interval is not a CheckpointInterval; create it with CheckpointInterval.every(...) or CheckpointInterval.youngDaly(...).');
  }
  const interval = checkpoint.intervalEpochs ?? DEFAULT_CHECKPOINT_INTERVAL_EPOCHS;
  if (!Number.isInteger(interval) || interval < 1) {
    throw invalid('checkpoint.intervalEpochs', `checkpoint.intervalEpochs (${interval}) must be a whole number of at least 1.`);
  }
  const intervalEnv: k8s.EnvVar = checkpoint.interval !== undefined
    ? { name: ENV_CHECKPOINT_INTERVAL_SECONDS, value: String(checkpoint.interval.interval.toSeconds()) }
    : { name: ENV_CHECKPOINT_INTERVAL_EPOCHS, value: String(interval) };
  if (checkpoint.subPath !== undefined && !isDescendingPath(checkpoint.subPath)) {
    throw invalid('checkpoint.subPath', `checkpoint.subPath ('${checkpoint.subPath}') must be a relative path without '..'.`);
  }
  const claimName = checkpoint.storage._bind(scope);
  let mount: k8s.VolumeMount;
  if (subPathExpr !== undefined) {
    const prefix = checkpoint.subPath === undefined ? '' : `${withoutTrailingSlash(checkpoint.subPath)}/`;
    mount = { name: CHECKPOINT_VOLUME, mountPath, subPathExpr: `${prefix}${subPathExpr}` };
  } else {
    mount = { name: CHECKPOINT_VOLUME, mountPath, subPath: checkpoint.subPath };
  }
  return {
    volume: { name: CHECKPOINT_VOLUME, persistentVolumeClaim: { claimName } },
    mount,
    env: [{ name: ENV_CHECKPOINT_DIR, value: mountPath }, intervalEnv],
    mountPath,
    claimName,
  };
}

function checkSharedAccess(checkpoint: CheckpointOptions, concurrentPods: number): void {
  if (concurrentPods > 1 && !checkpoint.storage.isReadWriteMany) {
    throw invalid('checkpoint.storage',
      `checkpoint.storage has access modes ${checkpoint.storage.accessModes.join(', ')} but up to ${concurrentPods} pods ` +
      'mount it at once; a ReadWriteOnce volume cannot attach to pods on several nodes (Multi-Attach error). ' +
      'Use a ReadWriteMany claim (e.g. StorageClasses.GKE_FILESTORE_STANDARD_RWX, EKS_EFS, AKS_AZURE_FILES).',
    );
  }
}

/** /dev/shm in memory (PyTorch DataLoader workers need more than the runtime's 64 MiB) and a writable /tmp. */
export function scratchVolumes(sharedMemory: string): { volumes: k8s.Volume[]; mounts: k8s.VolumeMount[] } {
  return {
    volumes: [{ name: SHM_VOLUME, emptyDir: { medium: 'Memory', sizeLimit: sharedMemory } }, { name: TMP_VOLUME, emptyDir: {} }],
    mounts: [{ name: SHM_VOLUME, mountPath: '/dev/shm' }, { name: TMP_VOLUME, mountPath: '/tmp' }],
  };
}

/** The user's volumes and their mounts, checked against each other and the library's. */
export function userVolumes(
  props: TrainingWorkloadProps, libraryVolumes: k8s.Volume[], libraryMounts: k8s.VolumeMount[],
): { volumes: k8s.Volume[]; mounts: k8s.VolumeMount[] } {
  const volumes: k8s.Volume[] = [];
  const mounts: k8s.VolumeMount[] = [];
  const names = new Set(libraryVolumes.map((v) => v.name));
  const paths = new Map<string, string>(libraryMounts.map((m) => [m.mountPath, m.name]));
  (props.volumes ?? []).forEach((entry, i) => {
    const at = `volumes[${i}]`;
    if (!(entry.volume instanceof PodVolume)) {
      throw invalid('volumes.volume', `${at}.volume is not a PodVolume; create it with PodVolume.fromPersistentVolumeClaim, fromConfigMap, fromSecret, fromEmptyDir or fromCsi.`);
    }
    const volume = entry.volume._toKube();
    if (!isDnsLabel(volume.name)) throw invalid('volumes.volume', `${at}: the volume name '${volume.name}' must be a DNS label (lower-case letters, digits and '-', at most 63); set its name option.`);
    if (names.has(volume.name)) {
      throw invalid('volumes.volume', `${at}: the volume name '${volume.name}' is already used${libraryVolumes.some((v) => v.name === volume.name) ? ' by the library (checkpoints, dshm, tmp)' : ''}; ` +
        'give the PodVolume another name (its name option).');
    }
    checkMountPath(`${at}.mountPath`, entry.mountPath, '/data');
    const mountDir = withoutTrailingSlash(entry.mountPath);
    const taken = paths.get(mountDir);
    if (taken !== undefined) throw invalid('volumes.mountPath', `${at}.mountPath ('${entry.mountPath}') is already the mount of volume '${taken}'; mount it elsewhere.`);
    // A volume mounted inside the checkpoint directory hides that part of the checkpoint volume:
    // what the trainer saves there is on the other volume, and gone with the pod if it is an emptyDir.
    const claimMount = libraryMounts.find((m) => m.name === CHECKPOINT_VOLUME);
    const checkpointDir = claimMount && withoutTrailingSlash(claimMount.mountPath);
    if (checkpointDir !== undefined && mountDir !== checkpointDir && isWithinDirectory(checkpointDir, mountDir)) {
      throw invalid('volumes.mountPath', `${at}.mountPath ('${entry.mountPath}') is inside the checkpoint directory ${checkpointDir}: checkpoints saved under it ` +
        `would go to volume '${volume.name}', not to the checkpoint storage. Mount it outside ${checkpointDir}, e.g. at '/data'.`);
    }
    if (entry.subPath !== undefined && !isDescendingPath(entry.subPath)) {
      throw invalid('volumes.subPath', `${at}.subPath ('${entry.subPath}') must be a relative path without '..'.`);
    }
    names.add(volume.name);
    paths.set(mountDir, volume.name);
    volumes.push(volume);
    mounts.push({ name: volume.name, mountPath: entry.mountPath, readOnly: entry.readOnly, subPath: entry.subPath });
  });
  return { volumes, mounts };
}

/**
 * A checkpoint directory the user's command, args, script or env still names
 * (`--checkpoint-dir=/checkpoints` after `checkpoint.mountPath: '/ckpt'`) must be on a volume
 * that outlives the pod: the checkpoint claim, or a claim or CSI volume of the user's.
 * Elsewhere it is the container's own disk, and every checkpoint is lost with the pod.
 */
export function checkCheckpointArguments(
  props: TrainingWorkloadProps & { readonly script?: string[] }, env: k8s.EnvVar[], volumes: k8s.Volume[], mounts: k8s.VolumeMount[],
  checkpointMountPath: string | undefined,
): void {
  const lasting = new Set(volumes.filter((v) => v.persistentVolumeClaim || v.csi).map((v) => v.name));
  const command = props.command ?? props.script;
  const commandProp = props.command !== undefined ? 'command' : 'script';
  for (const location of checkpointLocations({ command, args: props.args, env }, new Set([ENV_CHECKPOINT_DIR]))) {
    const dir = withoutTrailingSlash(location.value);
    const holder = mounts.filter((m) => isWithinDirectory(withoutTrailingSlash(m.mountPath), dir))
      .sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
    if (holder !== undefined && lasting.has(holder.name)) continue;
    const prop = location.field === 'env' ? `env.${location.name}` : `${location.field === 'command' ? commandProp : 'args'}[${location.index}]`;
    const where = holder === undefined ? "the container's own filesystem" : `volume '${holder.name}' (deleted with the pod)`;
    // A file (`/checkpoints/model.pt`) keeps its name under the checkpoint directory.
    const base = dir.slice(dir.lastIndexOf('/') + 1);
    const file = base.includes('.') ? `/${base}` : '';
    const folder = file ? dir.slice(0, dir.length - file.length) || '/' : dir;
    let fix: string;
    if (checkpointMountPath === undefined) {
      fix = `Set checkpoint: { storage: ..., mountPath: '${folder}' }.`;
    } else {
      const variable = location.field === 'env' ? checkpointMountPath : location.inScript ? '"$CHECKPOINT_DIR"' : '$(CHECKPOINT_DIR)';
      const value = location.inScript && file ? `"$CHECKPOINT_DIR${file}"` : `${variable}${file}`;
      fix = `The checkpoint storage is mounted at ${checkpointMountPath}: pass ${location.field === 'env' ? `${location.name}=${value}` : `${location.name}${location.joined ? '=' : ' '}${value}`}` +
        `${location.field === 'env' ? '' : ` (the library sets CHECKPOINT_DIR to ${checkpointMountPath})`}, or set checkpoint.mountPath to '${folder}'.`;
    }
    throw invalid(location.field === 'env' ? 'env' : location.field === 'command' ? commandProp : 'args',
      `${prop} tells the trainer to save checkpoints to ${location.value} (${location.name}), which is on ${where}: every checkpoint is lost with the pod. ${fix}`);
  }
}
