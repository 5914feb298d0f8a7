import { at, Rule, RuleMessage, WORKLOADS } from './rule';
import { FieldPath } from '../k8s/paths';
import { isWithinDirectory, withoutTrailingSlash } from '../k8s/syntax';
import { isTrainingRuntimeKind, mountHolding, mountsPersistentVolume, persistentVolumeNames } from '../k8s/workloads';
import { ENV_CHECKPOINT_DIR as CHECKPOINT_DIR } from '../knowledge/contract';
import { SOURCES } from '../knowledge/sources';
import { checkpointLocations, CheckpointLocation, costlyToRestart, trainingReason } from '../knowledge/training';

/**
 * A training workload whose pods mount no persistent volume has nowhere to keep checkpoints;
 * one whose trainer is told to save (`CHECKPOINT_DIR`, the library's contract) where no claim
 * is mounted, or under another volume mounted inside that directory, loses them with the pod.
 */
export const checkpointVolume: Rule = {
  id: 'checkpoint-volume',
  sources: [SOURCES.preemptionContract],
  kinds: [WORKLOADS],
  severity: 'warning',
  what: 'A training workload that is costly to restart (it requests a real accelerator, runs on spot capacity, carries the cdk8s-training labels ' +
    'or is annotated cdk8s-training.io/training: "true") mounts no persistent volume in any pod (a PersistentVolumeClaim, NFS, a storage CSI volume ' +
    'such as GCS FUSE); or a training workload\'s CHECKPOINT_DIR or a checkpoint directory its command or env names (--checkpoint-dir, CKPT_DIR, ...) ' +
    'is not on one; or a CronJob checkpoints every run to one folder.',
  why: 'Without persistent checkpoints every preemption or node loss restarts training from scratch. A CPU-only trainer on on-demand nodes ' +
    '(a demo, a small model) restarts cheaply, so it is not told to add storage.',
  fix: 'Mount a checkpoint claim and pass its path to the trainer (CheckpointStorage in the constructs).',
  example: `kind: Job
spec:
  template:
    spec:
      volumes: []   # nowhere to keep checkpoints`,
  check(object, context) {
    const messages: RuleMessage[] = [];
    // A plain batch Job (a migration, a report) needs no checkpoints.
    if (trainingReason(context.workloads, object) === undefined) return messages;
    // A Trainer runtime is shared by many TrainJobs: a volumeClaimPolicies template gives each its own claim.
    const runtime = isTrainingRuntimeKind(object?.kind);
    const withoutStorage: Array<{ path: string; keys: FieldPath }> = [];
    let persists = false;
    context.workloads.forEachPodSpec(object, (podSpec, path, ref, keys) => {
      if (ref.initializer) return;
      if (!mountsPersistentVolume(podSpec)) {
        withoutStorage.push({ path, keys });
        return;
      }
      persists = true;
      messages.push(...checkpointDirProblems(podSpec, path, keys, object?.kind === 'CronJob'));
    });
    // One finding for the workload, and only where no pod of it keeps checkpoints (an MPI
    // launcher beside nodes that mount the claim needs none) and a restart from scratch costs much.
    if (!persists && withoutStorage.length > 0 && costlyToRestart(context.workloads, object)) {
      const paths = withoutStorage.map((t) => t.path);
      const which = paths.length === 1 ? `${paths[0]} mounts` : `${paths.slice(0, -1).join(', ')} and ${paths[paths.length - 1]} mount`;
      messages.push(at([...withoutStorage[0].keys, 'volumes'], `${which} no persistent volume (a PersistentVolumeClaim, NFS or a storage CSI volume) for checkpoints.`,
        runtime
          ? 'Add a claim template to spec.template.spec.volumeClaimPolicies (JobSet creates one claim per TrainJob) and mount it in the trainer, or have each TrainJob add one with runtimePatches.'
          : undefined));
    }
    return messages;
  },
};

/**
 * Where each container that has a literal CHECKPOINT_DIR saves: the deepest mount holding
 * that directory must be a claim, and no other volume may be mounted inside it. In a CronJob
 * the claim's folder must differ per run (a subPathExpr with a variable), or every run
 * resumes from the run before it.
 */
function checkpointDirProblems(podSpec: any, path: string, keys: FieldPath, everyRun: boolean): RuleMessage[] {
  const claims = persistentVolumeNames(podSpec);
  const messages: RuleMessage[] = [];
  const containers: any[] = Array.isArray(podSpec?.containers) ? podSpec.containers : [];
  containers.forEach((container, c) => {
    messages.push(...locationProblems(container, [...keys, 'containers', c], `${path} container '${container?.name}'`, claims));
    const env: any[] = Array.isArray(container?.env) ? container.env : [];
    const envAt = env.findIndex((e: any) => e?.name === CHECKPOINT_DIR);
    const value = env[envAt]?.value;
    const containerAt = [...keys, 'containers', c];
    // Only an absolute path read as written: $(VAR) references are the kubelet's to expand.
    if (typeof value !== 'string' || !value.startsWith('/') || value.includes('$(')) return;
    const dir = withoutTrailingSlash(value);
    const all: any[] = Array.isArray(container?.volumeMounts) ? container.volumeMounts : [];
    const mountAt = (mount: any) => [...containerAt, 'volumeMounts', all.indexOf(mount)];
    const mounts = all.filter((m: any) => typeof m?.mountPath === 'string' && m.mountPath.startsWith('/'));
    const holder = mountHolding(container, dir);
    const where = `${path} container '${container?.name}'`;
    if (holder === undefined || !claims.has(holder.name)) {
      messages.push({
        path: [...containerAt, 'env', envAt, 'value'],
        message: `${where} saves checkpoints to ${CHECKPOINT_DIR} ${value}, which is ` +
          (holder === undefined ? "on no mounted volume (the container's own filesystem)" : `on volume '${holder.name}', which is not persistent`) +
          ': the checkpoints are lost with the pod.',
        fix: `Mount the checkpoint claim at ${value}, or set ${CHECKPOINT_DIR} to where the claim is mounted.`,
      });
      return;
    }
    // A CronJob's runs are Jobs of one template: a fixed folder is the same folder every run.
    if (everyRun && !(typeof holder.subPathExpr === 'string' && holder.subPathExpr.includes('$('))) {
      messages.push({
        path: mountAt(holder),
        message: `${where} checkpoints every run of the CronJob to the same folder (volume '${holder.name}'` +
          `${holder.subPath ? `, subPath ${holder.subPath}` : ''}): each run finds the previous run's final checkpoint in ${CHECKPOINT_DIR}, ` +
          'resumes from it and has nothing left to train.',
        fix: "Give each run its own folder: env RUN from fieldRef metadata.labels['batch.kubernetes.io/job-name'] and " +
          `subPathExpr: ${holder.subPath ? `${withoutTrailingSlash(holder.subPath)}/` : ''}$(RUN) on the checkpoint mount (ScheduledRetrain does this).`,
      });
    }
    for (const mount of mounts) {
      const inner = withoutTrailingSlash(mount.mountPath);
      if (inner !== dir && isWithinDirectory(dir, inner)) {
        messages.push({
          path: mountAt(mount),
          message: `${where} mounts volume '${mount.name}' at ${mount.mountPath}, inside ${CHECKPOINT_DIR} ${value}: checkpoints saved under it go to that volume, not to the claim.`,
          fix: `Mount volume '${mount.name}' outside ${value}.`,
        });
      }
    }
  });
  return messages;
}

/** Where a checkpoint location is in the container, and how it reads in a message. */
function describeLocation(location: CheckpointLocation, containerAt: FieldPath): { path: FieldPath; said: string } {
  if (location.field === 'env') return { path: [...containerAt, 'env', location.index, 'value'], said: `env ${location.name}` };
  return { path: [...containerAt, location.field, location.index], said: `${location.name} in its ${location.inScript ? 'shell script' : location.field}` };
}

/**
 * A checkpoint directory the trainer is told in its command or env (`--checkpoint-dir=/checkpoints`
 * left in after the claim moved to /ckpt) that is on no claim: it wins over CHECKPOINT_DIR in the
 * trainer, and the checkpoints go to the container's disk.
 */
function locationProblems(container: any, containerAt: FieldPath, where: string, claims: ReadonlySet<string>): RuleMessage[] {
  const messages: RuleMessage[] = [];
  for (const location of checkpointLocations(container, new Set([CHECKPOINT_DIR]))) {
    const holder = mountHolding(container, withoutTrailingSlash(location.value));
    if (holder !== undefined && claims.has(holder.name)) continue;
    const { path, said } = describeLocation(location, containerAt);
    const claimMount = (Array.isArray(container?.volumeMounts) ? container.volumeMounts : []).find((m: any) => claims.has(m?.name));
    messages.push({
      path,
      message: `${where} is told to save checkpoints to ${location.value} (${said}), which is ` +
        (holder === undefined ? "on no mounted volume (the container's own filesystem)" : `on volume '${holder.name}', which is not persistent`) +
        ': the checkpoints are lost with the pod.',
      fix: claimMount?.mountPath
        ? `Point ${location.name} at the claim, mounted at ${claimMount.mountPath}` +
          (location.field === 'env' ? '.' : ` (${location.inScript ? '"$CHECKPOINT_DIR"' : '$(CHECKPOINT_DIR)'} where the container sets it).`)
        : `Mount the checkpoint claim at ${location.value}.`,
    });
  }
  return messages;
}
