/**
 * What `npm install cdk8s-training` ships: the compiled library, its docs and bundled
 * dependencies; never the generated CRD classes (compile-time types only), the control plane
 * build, the tests or the torch virtualenv. Checked with npm's own packing rules on a copy of
 * package.json and .npmignore with stand-in files, so it runs before the library is compiled.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main } from '../src/cli/main';

const root = path.join(__dirname, '..');

test('the npm package leaves out lib/imports, the cluster build, the tests and the torch virtualenv', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-training-pack-'));
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  // Only the packing rules matter here: no bundled dependencies to resolve, no scripts.
  delete pkg.bundledDependencies;
  delete pkg.scripts;
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(pkg));
  fs.copyFileSync(path.join(root, '.npmignore'), path.join(dir, '.npmignore'));
  const files = ['lib/index.js', 'lib/index.d.ts', 'lib/cli/main.js', 'lib/imports/kubeflow.org.js', 'lib/imports/kubeflow.org.d.ts',
    'cluster/.build/controlplane', 'cluster/test.sh', 'test/torch/.venv/bin/python', 'test/lint.test.ts', 'examples/app.ts',
    'bench/bench.ts', 'src/index.ts', 'README.md', 'API.md', 'docs/rules.md', '.jsii'];
  for (const file of files) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), 'x');
  }
  const [pack] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: dir, encoding: 'utf8' }));
  const packed: string[] = pack.files.map((f: any) => f.path).sort();
  expect(packed).toEqual(['.jsii', 'API.md', 'README.md', 'docs/rules.md', 'lib/cli/main.js', 'lib/index.d.ts', 'lib/index.js', 'package.json']);
});

test('cdk8s-training --version prints the package version', () => {
  let out = '';
  expect(main(['--version'], (t) => { out += t; }, () => undefined)).toBe(0);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  expect(out).toBe(`${require('../package.json').version}\n`);
});
