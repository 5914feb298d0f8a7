// The code blocks of the README and the docs are the files the tests run: a block after
// `<!-- file: PATH -->` is that file, one after `<!-- excerpt: PATH -->` appears in it word for
// word (each line as written, whatever its indentation there), and one after
// `<!-- run: NAME -->` is what test/languages/run.sh extracts and runs.
import * as fs from 'fs';
import * as path from 'path';

const root = path.resolve(__dirname, '..');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
const pages = ['README.md', ...fs.readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

interface Marked { kind: string; target: string; body: string; line: number }

function markedBlocks(text: string, page = 'README.md'): Marked[] {
  const lines = text.split('\n');
  const found: Marked[] = [];
  lines.forEach((line, index) => {
    const marker = /^<!-- (file|excerpt|run): (\S+) -->$/.exec(line);
    if (!marker) return;
    const open = index + 1;
    if (!/^```\w*$/.test(lines[open] ?? '')) {
      throw new Error(`${page}:${index + 1}: '${line}' must be followed by a fenced block`);
    }
    const close = lines.findIndex((l, i) => i > open && l === '```');
    found.push({ kind: marker[1], target: marker[2], body: lines.slice(open + 1, close).join('\n') + '\n', line: index + 1 });
  });
  return found;
}

const blocks = pages.flatMap((page) => markedBlocks(fs.readFileSync(path.join(root, page), 'utf8'), page));
/** Lines without their indentation: an excerpt of a function body is shown dedented. */
const dedented = (text: string) => text.split('\n').map((l) => l.trim()).join('\n');

describe('README code blocks', () => {
  test('the quick start is shown in every language package-all builds, and the install lines are marked', () => {
    const files = blocks.filter((b) => b.kind === 'file').map((b) => b.target);
    expect(files).toEqual(expect.arrayContaining([
      'examples/quickstart/quickstart.ts', 'examples/quickstart/quickstart.py',
      'examples/quickstart/QuickStart.java', 'examples/quickstart/main.go',
    ]));
    const runs = blocks.filter((b) => b.kind === 'run').map((b) => b.target);
    expect(runs).toEqual(expect.arrayContaining(['install-typescript', 'install-python', 'cdk8s-yaml-installed', 'cdk8s-yaml-registry']));
  });

  test.each(blocks.filter((b) => b.kind === 'file').map((b) => [b.target, b] as const))('%s is the file itself', (_target, block) => {
    expect(block.body).toBe(fs.readFileSync(path.join(root, block.target), 'utf8'));
  });

  test.each(blocks.filter((b) => b.kind === 'excerpt').map((b) => [b.target, b] as const))('the excerpt of %s is in it', (_target, block) => {
    expect(dedented(fs.readFileSync(path.join(root, block.target), 'utf8'))).toContain(dedented(block.body));
  });

  test.each(blocks.filter((b) => b.kind === 'run').map((b) => [b.target, b] as const))('%s is run by test/languages/run.sh', (target) => {
    expect(fs.readFileSync(path.join(root, 'test/languages/run.sh'), 'utf8')).toContain(target);
    // One block per name: run.sh takes the first it finds.
    expect(blocks.filter((b) => b.kind === 'run' && b.target === target)).toHaveLength(1);
  });

  test('a changed excerpt makes its block fail (the check can fail)', () => {
    const block = blocks.find((b) => b.kind === 'excerpt' && b.target === 'examples/team-fraud.ts')!;
    expect(dedented(fs.readFileSync(path.join(root, block.target), 'utf8'))).not.toContain(dedented(block.body.replace("'Etc/UTC'", "'UTC'")));
  });

  test('a changed file makes its block fail (the check can fail)', () => {
    const tampered = readme.replace('app.synth(); // dist/team-fraud.k8s.yaml\n```', 'app.synth();\n```');
    const block = markedBlocks(tampered).find((b) => b.target === 'examples/quickstart/quickstart.ts')!;
    expect(block.body).not.toBe(fs.readFileSync(path.join(root, block.target), 'utf8'));
  });

  test('the TypeScript quick start is the first half of the example app (same job, same name)', () => {
    const quickstart = fs.readFileSync(path.join(root, 'examples/quickstart/quickstart.ts'), 'utf8');
    const example = fs.readFileSync(path.join(root, 'examples/team-fraud.ts'), 'utf8');
    const body = (text: string) => text.slice(text.indexOf('const checkpoints'), text.indexOf("version: 'v3.0',"))
      .split('\n').map((l) => l.trim()).join('\n');
    expect(body(example)).toBe(body(quickstart));
  });
});
