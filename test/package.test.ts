/**
 * What `npm install cdk8s-training` ships: the compiled library, its docs and bundled
 * dependencies; never the generated CRD classes (compile-time types only), the control plane
 * build, the tests or the torch virtualenv.
 */
import { execFileSync } from 'child_process';
import * as path from 'path';
import { main } from '../src/cli/main';

const root = path.join(__dirname, '..');

test('the npm package leaves out lib/imports, the cluster build and the tests, and stays small', () => {
  const [pack] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' }));
  const paths: string[] = pack.files.map((f: any) => f.path);
  expect(paths.filter((p) => /^(lib\/imports|cluster|test|examples|bench|src\/imports)\//.test(p))).toEqual([]);
  expect(paths).toEqual(expect.arrayContaining(['lib/index.js', 'lib/cli/main.js', 'README.md', 'API.md', 'docs/rules.md']));
  // 2.4 MB unpacked when measured; the generated CRD classes alone were 9.7 MB.
  expect(pack.unpackedSize).toBeLessThan(5 * 1024 * 1024);
});

test('cdk8s-training --version prints the package version', () => {
  let out = '';
  expect(main(['--version'], (t) => { out += t; }, () => undefined)).toBe(0);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  expect(out).toBe(`${require('../package.json').version}\n`);
});
