import { at, Rule, RuleMessage } from './rule';
import { FieldPath } from '../k8s/paths';
import { programWords, scriptCommands, shellCommandOf } from '../k8s/shell';
import { isOfKind } from '../k8s/workloads';
import { SOURCES } from '../knowledge/sources';

/** Whether a command runs torchrun (`torchrun ...`, `python -m torch.distributed.run ...`). */
function isTorchrun(words: Array<string | undefined>): boolean {
  const program = (words[0] ?? '').split('/').pop() ?? '';
  return program === 'torchrun' || (/^python[0-9.]*$/.test(program) && words[1] === '-m' && words[2] === 'torch.distributed.run');
}

/** The `--nnodes` a torchrun command gives, as written (`4`, `2:4`), if literal. */
function nnodesOf(words: Array<string | undefined>): string | undefined {
  if (!isTorchrun(words)) return undefined;
  for (let i = 1; i < words.length; i++) {
    const word = words[i];
    if (typeof word !== 'string') continue;
    const joined = /^--nnodes=(.*)$/.exec(word);
    const value = joined ? joined[1] : word === '--nnodes' ? words[i + 1] : undefined;
    if (value !== undefined) return typeof value === 'string' && /^\d+(?::\d+)?$/.test(value) ? value : undefined;
  }
  return undefined;
}

/** Whether `--nnodes` admits a run of `nodes` nodes. */
function admits(nnodes: string, nodes: number): boolean {
  const [min, max] = nnodes.split(':').map(Number);
  return max === undefined ? min === nodes : nodes >= min && nodes <= max;
}

/** The pod templates of a PyTorchJob or JobSet whose pods run torchrun, and how many nodes the workload runs. */
function nodesOf(object: any): { nodes: number; templates: Array<{ template: any; keys: FieldPath; where: string }> } | undefined {
  if (isOfKind(object, { group: 'kubeflow.org', kind: 'PyTorchJob' })) {
    if (object.spec?.elasticPolicy) return undefined;
    const replicas = object.spec?.pytorchReplicaSpecs ?? {};
    const counts = Object.values<any>(replicas).map((r) => r?.replicas);
    if (!counts.every((n) => Number.isInteger(n))) return undefined;
    return {
      nodes: counts.reduce((a, b) => a + b, 0),
      templates: Object.entries<any>(replicas).map(([role, r]) => ({
        template: r?.template, keys: ['spec', 'pytorchReplicaSpecs', role, 'template'], where: role,
      })),
    };
  }
  if (isOfKind(object, { group: 'jobset.x-k8s.io', kind: 'JobSet' })) {
    const jobs: any[] = Array.isArray(object.spec?.replicatedJobs) ? object.spec.replicatedJobs : [];
    const torchJobs = jobs.map((job, i) => ({ job, i })).filter(({ job }) => (job?.template?.spec?.template?.spec?.containers ?? [])
      .some((c: any) => runsTorchrun(c)));
    if (torchJobs.length === 0) return undefined;
    const counts = torchJobs.map(({ job }) => (job.replicas ?? 1) * (job.template.spec.parallelism ?? 1));
    if (!counts.every((n) => Number.isInteger(n))) return undefined;
    return {
      nodes: counts.reduce((a, b) => a + b, 0),
      templates: torchJobs.map(({ job, i }) => ({
        template: job.template.spec.template, keys: ['spec', 'replicatedJobs', i, 'template', 'spec', 'template'], where: `replicatedJob '${job.name}'`,
      })),
    };
  }
  return undefined;
}

/** Each torchrun command of a container, with the field of the argv it is in. */
function torchrunCommands(container: any): Array<{ words: Array<string | undefined>; field: 'command' | 'args'; index: number; script: boolean }> {
  const command: unknown[] = Array.isArray(container?.command) ? container.command : [];
  const argv: unknown[] = [...command, ...(Array.isArray(container?.args) ? container.args : [])];
  const fieldAt = (i: number) => (i < command.length ? { field: 'command' as const, index: i } : { field: 'args' as const, index: i - command.length });
  const shell = shellCommandOf(argv);
  if (shell !== undefined) return scriptCommands(shell).map((words) => ({ words: programWords(words), ...fieldAt(shell.scriptIndex), script: true }));
  return [{ words: argv.map((w) => (typeof w === 'string' ? w : undefined)), ...fieldAt(0), script: false }];
}

function runsTorchrun(container: any): boolean {
  return torchrunCommands(container).some(({ words }) => isTorchrun(words));
}

/** torchrun told a node count the workload does not run. */
export const torchrunNnodes: Rule = {
  id: 'torchrun-nnodes',
  sources: [SOURCES.pytorchEnv, 'https://pytorch.org/docs/stable/elastic/run.html'],
  kinds: ['PyTorchJob', 'JobSet'],
  severity: 'error',
  what: 'A torchrun command (in argv or a shell script) passes a literal --nnodes that disagrees with the nodes the PyTorchJob or JobSet runs.',
  why: 'The rendezvous waits for nodes that never come, or starts without some: the job hangs until its deadline, holding its GPUs.',
  fix: 'Drop --nnodes and let the operator\'s PET_NNODES set it, or make it the replica count.',
  example: `pytorchReplicaSpecs:
  Master: {replicas: 1}
  Worker:
    replicas: 3   # 4 nodes
    template: {spec: {containers: [{command: [sh, -c, "exec torchrun --nnodes=2 train.py"]}]}}`,
  check(object) {
    const layout = nodesOf(object);
    if (layout === undefined) return [];
    const messages: RuleMessage[] = [];
    for (const { template, keys, where } of layout.templates) {
      (Array.isArray(template?.spec?.containers) ? template.spec.containers : []).forEach((container: any, c: number) => {
        for (const { words, field, index, script } of torchrunCommands(container)) {
          const nnodes = nnodesOf(words);
          // A PyTorchJob's argv entries are the pytorchjob rule's (any hard-coded size there is reported).
          if (nnodes === undefined || admits(nnodes, layout.nodes) || (!script && object.kind === 'PyTorchJob')) continue;
          messages.push(at([...keys, 'spec', 'containers', c, field, index],
            `${where} container '${container?.name}' runs torchrun --nnodes=${nnodes}${script ? ' in its shell script' : ''}, but the ${object.kind} runs ${layout.nodes} nodes.`,
            object.kind === 'PyTorchJob'
              ? `Remove --nnodes (the operator sets PET_NNODES from the replicas) or make it ${layout.nodes}.`
              : `Make it --nnodes=${layout.nodes}, the sum of replicas x parallelism of the replicated jobs that run torchrun.`));
        }
      });
    }
    return messages;
  },
};
