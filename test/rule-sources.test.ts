/**
 * Each rule's docs cite the upstream files its claim comes from. A citation of a Go module the
 * suites build must name the version its go.mod pins (the component the cluster suite runs),
 * and the file must exist in that module: a bumped pin with stale links, or a link to a file
 * the module does not have, fails here.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ALL_RULES } from '../src/rules';

const ROOT = path.join(__dirname, '..');

/** GitHub repositories of the Go modules the suites pin, and the go.mod folder that pins each. */
const MODULES: Array<{ repo: string; module: string; dir: string }> = [
  { repo: 'kubernetes/kubernetes', module: 'k8s.io/kubernetes', dir: 'cluster' },
  { repo: 'kubernetes/apimachinery', module: 'k8s.io/apimachinery', dir: 'cluster' },
  { repo: 'kubernetes/api', module: 'k8s.io/api', dir: 'cluster' },
  { repo: 'kubernetes/component-helpers', module: 'k8s.io/component-helpers', dir: 'cluster' },
  { repo: 'robfig/cron', module: 'github.com/robfig/cron/v3', dir: 'cluster' },
  { repo: 'kubeflow/training-operator', module: 'github.com/kubeflow/training-operator', dir: 'cluster/operators' },
  { repo: 'kubernetes-sigs/jobset', module: 'sigs.k8s.io/jobset', dir: 'cluster/operators' },
  { repo: 'kubernetes-sigs/kueue', module: 'sigs.k8s.io/kueue', dir: 'cluster/operators' },
  { repo: 'kubeflow/trainer', module: 'github.com/kubeflow/trainer/v2', dir: 'cluster/operators' },
];

/** The version and module-cache folder of a module as its go.mod pins it (`go mod download`), or undefined without Go. */
function pinnedModule(module: string, dir: string): { version: string; dir?: string } | undefined {
  try {
    const info = JSON.parse(execFileSync('go', ['mod', 'download', '-json', module], {
      cwd: path.join(ROOT, dir), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GOFLAGS: '-mod=mod' },
    }));
    return { version: info.Version, dir: info.Dir };
  } catch {
    return undefined;
  }
}

const citations = [...new Set(ALL_RULES.flatMap((rule) => rule.sources))]
  .map((url) => /^https:\/\/github\.com\/([^/]+\/[^/]+)\/blob\/([^/]+)\/(.+)$/.exec(url))
  .filter((m): m is RegExpExecArray => m !== null)
  .map(([url, repo, version, file]) => ({ url, repo, version, file, pin: MODULES.find((m) => m.repo === repo) }))
  .filter((c) => c.pin !== undefined);

const HAVE_GO = pinnedModule('k8s.io/kubernetes', 'cluster') !== undefined;
const withGo = HAVE_GO ? test : process.env.REQUIRE_ALL_SUITES
  ? (name: string) => test(name, () => { throw new Error('no Go toolchain: the pinned modules cannot be read'); })
  : (name: string) => test.skip(`${name} (SKIPPED: no Go toolchain)`, () => undefined);

test('the rules cite the pinned Go modules (a control for the filter below)', () => {
  expect(citations.map((c) => c.repo)).toEqual(expect.arrayContaining(['kubernetes/kubernetes', 'kubeflow/training-operator', 'kubernetes-sigs/jobset']));
});

withGo('each citation of a pinned module names the pinned version, and the file exists in that module', () => {
  const problems: string[] = [];
  const cache = new Map<string, { version: string; dir?: string } | undefined>();
  for (const c of citations) {
    const key = `${c.pin!.module} ${c.pin!.dir}`;
    if (!cache.has(key)) cache.set(key, pinnedModule(c.pin!.module, c.pin!.dir));
    const pinned = cache.get(key);
    if (!pinned) {
      problems.push(`${c.url}: ${c.pin!.module} is not pinned in ${c.pin!.dir}/go.mod`);
    } else if (pinned.version !== c.version) {
      problems.push(`${c.url}: ${c.pin!.dir}/go.mod pins ${c.pin!.module} ${pinned.version}`);
    } else if (!pinned.dir || !fs.existsSync(path.join(pinned.dir, c.file))) {
      problems.push(`${c.url}: ${c.file} is not in ${c.pin!.module}@${pinned.version}`);
    }
  }
  expect(problems).toEqual([]);
});
