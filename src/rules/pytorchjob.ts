import { at, Rule, RuleMessage } from './rule';
import { FieldPath } from '../k8s/paths';
import { isDns1035Label } from '../k8s/syntax';
import { isOfKind } from '../k8s/workloads';
import { TORCH_LAUNCHER_MARKER } from '../knowledge/contract';
import { SOURCES } from '../knowledge/sources';

const ROLES = ['Master', 'Worker'];
const RESTART_POLICIES = ['OnFailure', 'Never', 'ExitCode'];
const CLEAN_POD_POLICIES = ['All', 'Running', 'None'];
const MANAGED_BY = ['kubeflow.org/training-operator', 'kueue.x-k8s.io/multikueue'];
const HARD_CODED = /^--(nnodes|nproc[-_]per[-_]node|master[-_]port|node[-_]rank)(=\d+(:\d+)?)?$/;
const REPLICAS: FieldPath = ['spec', 'pytorchReplicaSpecs'];

/** What the Training Operator v1.9 webhook and controller accept for a PyTorchJob. */
export const pytorchJob: Rule = {
  id: 'pytorchjob',
  sources: [SOURCES.pytorchWebhook, SOURCES.pytorchEnv, SOURCES.operatorCommon],
  kinds: ['PyTorchJob'],
  severity: 'error',
  refusedBy: 'the Training Operator webhook',
  what: 'A PyTorchJob breaks a Training Operator rule: name, replica roles, Master count, container name, elastic bounds, restart or clean-pod policy, or hard-coded torchrun sizes.',
  why: 'The webhook rejects the job, or the operator creates pods that cannot form a process group; custom resources get no pod validation from the apiserver.',
  fix: 'Each finding names its own change; DistributedPyTorchJob writes a PyTorchJob that passes them all.',
  example: `kind: PyTorchJob
spec:
  pytorchReplicaSpecs:
    Master: {replicas: 2}   # exactly 1`,
  check(object) {
    if (!isOfKind(object, { group: 'kubeflow.org', kind: 'PyTorchJob' })) return [];
    const messages: RuleMessage[] = [];
    const add = (path: FieldPath, message: string, fix: string) => messages.push(at(path, message, fix));
    const name = object.metadata?.name;
    if (typeof name !== 'string' || !isDns1035Label(name)) {
      add(['metadata', 'name'], `name '${name}' must be a DNS-1035 label (lower-case, starting with a letter, at most 63).`,
        "Rename the PyTorchJob: lower-case letters, digits and '-', starting with a letter, at most 63 characters.");
    }
    const spec = object.spec ?? {};
    const replicas = spec.pytorchReplicaSpecs ?? {};
    for (const role of Object.keys(replicas)) {
      if (!ROLES.includes(role)) add([...REPLICAS, role], `pytorchReplicaSpecs key '${role}' must be Master or Worker.`, 'Rename the replica spec to Master or Worker.');
    }
    const master = replicas.Master;
    const worker = replicas.Worker;
    if (!master && !worker) add(REPLICAS, 'pytorchReplicaSpecs has neither Master nor Worker.', 'Add a Master (replicas: 1) and/or Worker replica spec.');
    if (master && master.replicas !== 1) {
      add([...REPLICAS, 'Master', 'replicas'], `Master replicas (${master.replicas ?? 'unset'}) must be written as exactly 1.`,
        'Set spec.pytorchReplicaSpecs.Master.replicas: 1 (add Workers for more nodes).');
    }
    if (worker && (!Number.isInteger(worker.replicas) || worker.replicas < 1)) {
      add([...REPLICAS, 'Worker', 'replicas'], `Worker replicas (${worker.replicas ?? 'unset'}) must be at least 1.`,
        'Set spec.pytorchReplicaSpecs.Worker.replicas to 1 or more, or remove the Worker spec.');
    }
    for (const [role, replica] of Object.entries<any>(replicas)) {
      const containers: any[] = replica?.template?.spec?.containers ?? [];
      const containersAt = [...REPLICAS, role, 'template', 'spec', 'containers'];
      if (!containers.some((c) => c?.name === 'pytorch')) {
        add(containersAt, `${role} has no container named 'pytorch'.`, 'Name the trainer container \'pytorch\': the operator injects its env and reads its exit code only there.');
      }
      if (replica?.restartPolicy === 'Always') {
        add([...REPLICAS, role, 'restartPolicy'], `${role} restartPolicy Always restarts replicas that finished; use ExitCode or OnFailure.`,
          `Set spec.pytorchReplicaSpecs.${role}.restartPolicy: ExitCode.`);
      } else if (replica?.restartPolicy !== undefined && !RESTART_POLICIES.includes(replica.restartPolicy)) {
        add([...REPLICAS, role, 'restartPolicy'], `${role} restartPolicy '${replica.restartPolicy}' is not one of ${RESTART_POLICIES.join(', ')}.`,
          `Set spec.pytorchReplicaSpecs.${role}.restartPolicy: ExitCode.`);
      }
      if (typeof name === 'string' && Number.isInteger(replica?.replicas)) {
        const podName = `${name}-${role.toLowerCase()}-${replica.replicas - 1}`;
        if (podName.length > 63) {
          add(['metadata', 'name'], `pod name '${podName}' has ${podName.length} characters; at most 63.`, 'Shorten the PyTorchJob name so \'<name>-<role>-<index>\' fits in 63 characters.');
        }
      }
      containers.forEach((container, i) => {
        const argv: Array<[FieldPath, any]> = [
          ...(Array.isArray(container?.command) ? container.command : []).map((arg: any, j: number): [FieldPath, any] => [[...containersAt, i, 'command', j], arg]),
          ...(Array.isArray(container?.args) ? container.args : []).map((arg: any, j: number): [FieldPath, any] => [[...containersAt, i, 'args', j], arg]),
        ];
        const launcher = (arg: any) => typeof arg === 'string' && (/(^|\/)torchrun$|^torch\.distributed\.run$/.test(arg) || arg.startsWith(TORCH_LAUNCHER_MARKER));
        if (!argv.some(([, arg]) => launcher(arg))) return;
        for (const [argAt, arg] of argv) {
          if (typeof arg === 'string' && HARD_CODED.test(arg) && /\d/.test(arg)) {
            add(argAt, `${role} container '${container.name}' passes '${arg}' to torchrun; the operator's PET_* variables and MASTER_PORT decide it.`,
              `Remove '${arg}' from the torchrun arguments.`);
          }
        }
      });
    }
    const elastic = spec.elasticPolicy;
    if (elastic) {
      const policy = ['spec', 'elasticPolicy'];
      if (!worker) add(policy, 'elasticPolicy needs a Worker replica spec.', 'Add spec.pytorchReplicaSpecs.Worker (elastic jobs run Workers only).');
      if (elastic.nProcPerNode !== undefined && spec.nprocPerNode !== undefined) {
        add([...policy, 'nProcPerNode'], 'elasticPolicy.nProcPerNode is deprecated and conflicts with spec.nprocPerNode; set only spec.nprocPerNode.', 'Remove spec.elasticPolicy.nProcPerNode.');
      }
      const { minReplicas: min, maxReplicas: max } = elastic;
      if (min !== undefined && max !== undefined && min > max) {
        add([...policy, 'minReplicas'], `elasticPolicy.minReplicas (${min}) exceeds maxReplicas (${max}).`, 'Make spec.elasticPolicy.minReplicas at most maxReplicas.');
      }
      const outside = (count: number) => (min !== undefined && count < min) || (max !== undefined && count > max);
      if (worker && Number.isInteger(worker.replicas) && outside(worker.replicas)) {
        add([...REPLICAS, 'Worker', 'replicas'], `Worker replicas (${worker.replicas}) lie outside elasticPolicy min/max (${min ?? '-'}..${max ?? '-'}).`,
          'Set Worker replicas within elasticPolicy.minReplicas..maxReplicas.');
      }
    }
    const run = spec.runPolicy ?? {};
    const runAt = ['spec', 'runPolicy'];
    if (run.cleanPodPolicy !== undefined && !CLEAN_POD_POLICIES.includes(run.cleanPodPolicy)) {
      add([...runAt, 'cleanPodPolicy'], `runPolicy.cleanPodPolicy '${run.cleanPodPolicy}' is not one of ${CLEAN_POD_POLICIES.join(', ')}.`, 'Set spec.runPolicy.cleanPodPolicy: Running.');
    }
    if (run.managedBy !== undefined && !MANAGED_BY.includes(run.managedBy)) {
      add([...runAt, 'managedBy'], `runPolicy.managedBy '${run.managedBy}' must be ${MANAGED_BY.join(' or ')}.`, `Remove spec.runPolicy.managedBy, or set it to ${MANAGED_BY[0]}.`);
    }
    for (const field of ['backoffLimit', 'ttlSecondsAfterFinished']) {
      if (run[field] !== undefined && (!Number.isInteger(run[field]) || run[field] < 0)) {
        add([...runAt, field], `runPolicy.${field} (${run[field]}) must be a whole number >= 0.`, `Set spec.runPolicy.${field} to a whole number of 0 or more.`);
      }
    }
    if (run.activeDeadlineSeconds !== undefined && (!Number.isInteger(run.activeDeadlineSeconds) || run.activeDeadlineSeconds <= 0)) {
      add([...runAt, 'activeDeadlineSeconds'], `runPolicy.activeDeadlineSeconds (${run.activeDeadlineSeconds}) must be a whole number > 0.`,
        'Set spec.runPolicy.activeDeadlineSeconds to a whole number of seconds above 0.');
    }
    return messages;
  },
};
