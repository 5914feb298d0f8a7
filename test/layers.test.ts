/**
 * The layers of src/ (CONTRIBUTING.md) are enforced by the project's ESLint configuration: an
 * import upward across them is a lint error, which `npm test` (and so CI) fails on.
 */
import * as fs from 'fs';
import * as path from 'path';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { LegacyESLint } = require('eslint/use-at-your-own-risk');

const ROOT = path.resolve(__dirname, '..');
const eslint = new LegacyESLint({ cwd: ROOT });

/** The layer-rule messages ESLint reports for `file` with `line` put in front of its own text. */
async function layerErrors(file: string, line: string): Promise<string[]> {
  const text = `${line}\n${fs.readFileSync(path.join(ROOT, file), 'utf8')}`;
  const [result] = await eslint.lintText(text, { filePath: path.join(ROOT, file) });
  return result.messages.filter((m: any) => m.ruleId === 'import/no-restricted-paths').map((m: any) => m.message);
}

describe('the layers of src/', () => {
  test.each([
    ['src/k8s/paths.ts', "import { KNOWN } from '../knowledge/gpu';"],
    ['src/knowledge/gpu.ts', "import { ALL_RULES } from '../rules';"],
    ['src/rules/job-ttl.ts', "import { CloudProvider } from '../blocks/cloud-provider';"],
    ['src/blocks/validation.ts', "import { ENGINES } from '../engines/registry';"],
    ['src/engines/registry.ts', "import { evaluate } from '../findings/evaluate';"],
    ['src/findings/evaluate.ts', "import { SpotTolerantTrainingJob } from '../spot-tolerant-training-job';"],
    ['src/spot-tolerant-training-job.ts', "import { lint } from './cli/lint';"],
  ])('%s may not import from above: %s', async (file, line) => {
    expect(await layerErrors(file, line)).toEqual([expect.stringMatching(/imports upward across the layers of src\//)]);
  }, 60_000);

  test.each([
    ['src/knowledge/gpu.ts', "import { pathText } from '../k8s/paths';"],
    ['src/cli/lint.ts', "import { ALL_RULES } from '../rules';"],
    ['src/plugin.ts', "import { SpotTolerantTrainingJob } from './spot-tolerant-training-job';"],
  ])('%s may import from below: %s', async (file, line) => {
    expect(await layerErrors(file, line)).toEqual([]);
  }, 60_000);

  test('every source file today keeps to its layer', async () => {
    const results = await eslint.lintFiles(['src/**/*.ts']);
    const upward = results.flatMap((r: any) => r.messages.filter((m: any) => m.ruleId === 'import/no-restricted-paths').map((m: any) => `${r.filePath}:${m.line}`));
    expect(upward).toEqual([]);
    expect(results.length).toBeGreaterThan(80);
  }, 120_000);
});
