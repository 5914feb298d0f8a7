import { isDns1035Label } from './k8s-syntax';
import { Rule, RuleMessage } from './rule';
import { TORCH_LAUNCHER_MARKER } from '../trainer/torch-launcher';

const ROLES = ['Master', 'Worker'];
const RESTART_POLICIES = ['OnFailure', 'Never', 'ExitCode'];
const CLEAN_POD_POLICIES = ['All', 'Running', 'None'];
const MANAGED_BY = ['kubeflow.org/training-operator', 'kueue.x-k8s.io/multikueue'];
const HARD_CODED = /^--(nnodes|nproc[-_]per[-_]node|master[-_]port|node[-_]rank)(=\d+(:\d+)?)?$/;

/** Whether the object is a kubeflow.org PyTorchJob. */
export function isPyTorchJob(object: any): boolean {
  return object?.kind === 'PyTorchJob' && typeof object.apiVersion === 'string' && object.apiVersion.startsWith('kubeflow.org/');
}

/** RULEBOOK K1-K7: what the Training Operator v1.9 webhook and controller accept for a PyTorchJob. */
export const pytorchJob: Rule = {
  id: 'pytorchjob',
  rulebook: ['K1', 'K2', 'K3', 'K4', 'K5', 'K6', 'K7'],
  severity: 'error',
  refusedBy: 'the Training Operator webhook',
  what: 'A PyTorchJob breaks a Training Operator rule: name, replica roles, Master count, container name, elastic bounds, restart or clean-pod policy, or hard-coded torchrun sizes.',
  why: 'The webhook rejects the job, or the operator creates pods that cannot form a process group; custom resources get no pod validation from the apiserver (G2).',
  fix: 'Each finding names its own change; DistributedPyTorchJob writes a PyTorchJob that passes them all.',
  example: `kind: PyTorchJob
spec:
  pytorchReplicaSpecs:
    Master: {replicas: 2}   # exactly 1`,
  check(object) {
    if (!isPyTorchJob(object)) return [];
    const messages: RuleMessage[] = [];
    const name = object.metadata?.name;
    if (typeof name !== 'string' || !isDns1035Label(name)) {
      messages.push({
        message: `name '${name}' must be a DNS-1035 label (lower-case, starting with a letter, at most 63).`,
        fix: "Rename the PyTorchJob: lower-case letters, digits and '-', starting with a letter, at most 63 characters.",
      });
    }
    const spec = object.spec ?? {};
    const replicas = spec.pytorchReplicaSpecs ?? {};
    for (const role of Object.keys(replicas)) {
      if (!ROLES.includes(role)) messages.push({ message: `pytorchReplicaSpecs key '${role}' must be Master or Worker.`, fix: 'Rename the replica spec to Master or Worker.' });
    }
    const master = replicas.Master;
    const worker = replicas.Worker;
    if (!master && !worker) messages.push({ message: 'pytorchReplicaSpecs has neither Master nor Worker.', fix: 'Add a Master (replicas: 1) and/or Worker replica spec.' });
    if (master && master.replicas !== 1) messages.push({ message: `Master replicas (${master.replicas ?? 'unset'}) must be written as exactly 1.`, fix: 'Set spec.pytorchReplicaSpecs.Master.replicas: 1 (add Workers for more nodes).' });
    if (worker && (!Number.isInteger(worker.replicas) || worker.replicas < 1)) messages.push({ message: `Worker replicas (${worker.replicas ?? 'unset'}) must be at least 1.`, fix: 'Set spec.pytorchReplicaSpecs.Worker.replicas to 1 or more, or remove the Worker spec.' });
    for (const [role, replica] of Object.entries<any>(replicas)) {
      const containers: any[] = replica?.template?.spec?.containers ?? [];
      if (!containers.some((c) => c?.name === 'pytorch')) messages.push({ message: `${role} has no container named 'pytorch'.`, fix: 'Name the trainer container \'pytorch\': the operator injects its env and reads its exit code only there.' });
      if (replica?.restartPolicy === 'Always') {messages.push({ message: `${role} restartPolicy Always restarts replicas that finished; use ExitCode or OnFailure.`, fix: `Set spec.pytorchReplicaSpecs.${role}.restartPolicy: ExitCode.` });} else if (replica?.restartPolicy !== undefined && !RESTART_POLICIES.includes(replica.restartPolicy)) {
        messages.push({ message: `${role} restartPolicy '${replica.restartPolicy}' is not one of ${RESTART_POLICIES.join(', ')}.`, fix: `Set spec.pytorchReplicaSpecs.${role}.restartPolicy: ExitCode.` });
      }
      if (typeof name === 'string' && Number.isInteger(replica?.replicas)) {
        const podName = `${name}-${role.toLowerCase()}-${replica.replicas - 1}`;
        if (podName.length > 63) messages.push({ message: `pod name '${podName}' has ${podName.length} characters; at most 63.`, fix: 'Shorten the PyTorchJob name so \'<name>-<role>-<index>\' fits in 63 characters.' });
      }
      for (const container of containers) {
        const argv: any[] = [...(container?.command ?? []), ...(container?.args ?? [])];
        const launcher = (arg: any) => typeof arg === 'string' && (/(^|\/)torchrun$|^torch\.distributed\.run$/.test(arg) || arg.startsWith(TORCH_LAUNCHER_MARKER));
        if (!argv.some(launcher)) continue;
        for (const arg of argv) {
          if (typeof arg === 'string' && HARD_CODED.test(arg) && /\d/.test(arg)) {
            messages.push({ message: `${role} container '${container.name}' passes '${arg}' to torchrun; the operator's PET_* variables and MASTER_PORT decide it (K7).`, fix: `Remove '${arg}' from the torchrun arguments.` });
          }
        }
      }
    }
    const elastic = spec.elasticPolicy;
    if (elastic) {
      if (!worker) messages.push({ message: 'elasticPolicy needs a Worker replica spec.', fix: 'Add spec.pytorchReplicaSpecs.Worker (elastic jobs run Workers only).' });
      if (elastic.nProcPerNode !== undefined && spec.nprocPerNode !== undefined) messages.push({ message: 'elasticPolicy.nProcPerNode is deprecated and conflicts with spec.nprocPerNode; set only spec.nprocPerNode.', fix: 'Remove spec.elasticPolicy.nProcPerNode.' });
      const { minReplicas: min, maxReplicas: max } = elastic;
      if (min !== undefined && max !== undefined && min > max) messages.push({ message: `elasticPolicy.minReplicas (${min}) exceeds maxReplicas (${max}).`, fix: 'Make spec.elasticPolicy.minReplicas at most maxReplicas.' });
      const outside = (count: number) => (min !== undefined && count < min) || (max !== undefined && count > max);
      if (worker && Number.isInteger(worker.replicas) && outside(worker.replicas)) {
        messages.push({ message: `Worker replicas (${worker.replicas}) lie outside elasticPolicy min/max (${min ?? '-'}..${max ?? '-'}).`, fix: 'Set Worker replicas within elasticPolicy.minReplicas..maxReplicas.' });
      }
    }
    const run = spec.runPolicy ?? {};
    if (run.cleanPodPolicy !== undefined && !CLEAN_POD_POLICIES.includes(run.cleanPodPolicy)) messages.push({ message: `runPolicy.cleanPodPolicy '${run.cleanPodPolicy}' is not one of ${CLEAN_POD_POLICIES.join(', ')}.`, fix: 'Set spec.runPolicy.cleanPodPolicy: Running.' });
    if (run.managedBy !== undefined && !MANAGED_BY.includes(run.managedBy)) messages.push({ message: `runPolicy.managedBy '${run.managedBy}' must be ${MANAGED_BY.join(' or ')}.`, fix: `Remove spec.runPolicy.managedBy, or set it to ${MANAGED_BY[0]}.` });
    for (const field of ['backoffLimit', 'ttlSecondsAfterFinished']) {
      if (run[field] !== undefined && (!Number.isInteger(run[field]) || run[field] < 0)) messages.push({ message: `runPolicy.${field} (${run[field]}) must be a whole number >= 0.`, fix: `Set spec.runPolicy.${field} to a whole number of 0 or more.` });
    }
    if (run.activeDeadlineSeconds !== undefined && (!Number.isInteger(run.activeDeadlineSeconds) || run.activeDeadlineSeconds <= 0)) {
      messages.push({ message: `runPolicy.activeDeadlineSeconds (${run.activeDeadlineSeconds}) must be a whole number > 0.`, fix: 'Set spec.runPolicy.activeDeadlineSeconds to a whole number of seconds above 0.' });
    }
    return messages;
  },
};
