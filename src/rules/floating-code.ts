import { at, Rule, RuleMessage, WORKLOADS } from './rule';
import { programWords, scriptCommands, shellCommandOf } from '../k8s/shell';
import { floatingTag } from '../k8s/syntax';
import { MANAGED_BY } from '../knowledge/contract';
import { isIdle, trainingReason } from '../knowledge/training';

/** A ref that does not move: a commit (7 to 40 hex digits) or a version tag (`v1.2.0`, `2.5.1`). */
const PINNED_REF = /^(?:[0-9a-f]{7,40}|v?\d+(?:\.\d+)+(?:[-+.][\w.-]+)?)$/;

/**
 * What a script fetches from a moving ref when the pod starts: `git clone` of a branch (no
 * version tag in --branch, and no `git checkout <commit or tag>` after it), `pip install
 * git+URL` without `@<commit or tag>`, or a raw file of a `main` or `master` branch.
 */
function movingFetch(commands: Array<Array<string | undefined>>): string | undefined {
  const checksOut = commands.some((w) => w[0] === 'git' && (w[1] === 'checkout' || w[1] === 'reset' || w[1] === 'switch')
    && w.slice(2).some((a) => typeof a === 'string' && PINNED_REF.test(a)));
  for (const words of commands) {
    if (words[0] === 'git' && words[1] === 'clone') {
      const branchAt = words.findIndex((w) => w === '--branch' || w === '-b');
      const branch = branchAt >= 0 ? words[branchAt + 1] : words.find((w) => typeof w === 'string' && w.startsWith('--branch='))?.slice('--branch='.length);
      if (!checksOut && !(typeof branch === 'string' && PINNED_REF.test(branch))) return 'git clone of a branch';
    }
    if (/^(?:pip3?|uv)$/.test(words[0] ?? '') || (/^python[0-9.]*$/.test(words[0] ?? '') && words[1] === '-m' && words[2] === 'pip')) {
      for (const word of words) {
        const match = typeof word === 'string' ? /^(?:[\w.-]+ @ )?git\+[^@\s]+?(?:\.git)?(?:@([^#\s]+))?(?:#.*)?$/.exec(word) : null;
        if (match && !(match[1] !== undefined && PINNED_REF.test(match[1]))) return `pip install ${word}`;
      }
    }
    for (const word of words) {
      if (typeof word === 'string' && /raw\.githubusercontent\.com\/[^/]+\/[^/]+\/(?:main|master|HEAD)\/|\/-\/raw\/(?:main|master)\/|github\.com\/[^/]+\/[^/]+\/raw\/(?:main|master)\//.test(word)) {
        return `a file of a moving branch (${word})`;
      }
    }
  }
  return undefined;
}

/** Images that float, and code fetched from a moving ref at start: a restart may run other code. */
export const floatingCode: Rule = {
  id: 'floating-code',
  sources: ['https://kubernetes.io/docs/concepts/containers/images/#image-names'],
  kinds: [WORKLOADS],
  severity: 'warning',
  what: 'A training workload\'s container image has no tag or the tag latest, or a container\'s script fetches code from a moving ref at start (git clone of a branch, pip install git+URL without a commit or tag, a raw file of main).',
  why: 'A retry after preemption, or a replacement pod, may pull other code than the run started with, and resume its checkpoint with it.',
  fix: 'Pin a version tag or a digest (image@sha256:...), and fetch code at a commit or a version tag (git checkout <sha>, pip install git+URL@<tag>).',
  example: `containers:
- name: trainer
  image: pytorch/pytorch:latest
  command: [sh, -c, "git clone https://github.com/org/repo && exec python repo/train.py"]`,
  check(object, context) {
    const messages: RuleMessage[] = [];
    // Other code after a restart matters where a restart resumes a checkpoint: training.
    if (trainingReason(context.workloads, object) === undefined) return messages;
    context.workloads.forEachPodSpec(object, (podSpec, path, ref, keys) => {
      // A Trainer runtime's dataset and model initializers fetch data, not the code that resumes.
      if (ref.initializer) return;
      // The constructs warn of their images at synth, naming the prop (image-tag).
      const library = ref.template?.metadata?.labels?.['app.kubernetes.io/managed-by'] === MANAGED_BY;
      for (const field of ['initContainers', 'containers'] as const) {
        (Array.isArray(podSpec?.[field]) ? podSpec[field] : []).forEach((container: any, c: number) => {
          if (isIdle(container)) return;
          const containerAt = [...keys, field, c];
          const where = `${path} container '${container?.name}'`;
          const tag = typeof container?.image === 'string' && !library ? floatingTag(container.image) : undefined;
          if (tag !== undefined) {
            messages.push(at([...containerAt, 'image'], `${where} image '${container.image}' has ${tag === 'latest' ? 'the tag latest' : 'no tag (so :latest)'}: ` +
              'a retry or a replacement pod may run another build.', 'Pin a version tag or a digest (image@sha256:...).'));
          }
          const command: unknown[] = Array.isArray(container?.command) ? container.command : [];
          const shell = shellCommandOf([...command, ...(Array.isArray(container?.args) ? container.args : [])]);
          if (shell === undefined) return;
          const fetch = movingFetch(scriptCommands(shell).map(programWords));
          if (fetch === undefined) return;
          const scriptAt = shell.scriptIndex < command.length
            ? [...containerAt, 'command', shell.scriptIndex]
            : [...containerAt, 'args', shell.scriptIndex - command.length];
          messages.push(at(scriptAt,
            `${where} fetches code at start from a moving ref (${fetch}): a restart after preemption may resume the checkpoint with other code.`,
            'Fetch a commit or a version tag (git clone --branch v1.2.0, or git checkout <sha>; pip install git+URL@<sha>), or build the code into the image.'));
        });
      }
    });
    return messages;
  },
};
