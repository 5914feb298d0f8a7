/**
 * Every reference a message or a doc gives resolves: to a page of the repository that the
 * package ships (docs/, README.md, CONTRIBUTING.md), a file of the repository, or an upstream
 * source by its URL. Nothing cites a document users do not have.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ALL_RULES } from '../src/rules';

const ROOT = path.resolve(__dirname, '..');
const PAGES = ['README.md', 'CONTRIBUTING.md', ...fs.readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** GitHub's anchor for a heading. */
function slug(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-');
}

function anchors(page: string): Set<string> {
  const text = fs.readFileSync(path.join(ROOT, page), 'utf8').replace(/```[\s\S]*?```/g, '');
  return new Set(text.split('\n').filter((l) => /^#{1,6} /.test(l)).map((l) => slug(l.replace(/^#+ /, ''))));
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const file = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'imports' ? [] : sourceFiles(file);
    return file.endsWith('.ts') ? [file] : [];
  });
}

describe('the docs', () => {
  test('the README stays a user\'s page: under 400 lines, the two set-up commands first', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    expect(readme.split('\n').length).toBeLessThan(400);
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)![1];
    expect(firstBlock).toContain('npm ci && npm run example');
    expect(firstBlock).toContain('npm ci && npm test');
  });

  test.each(PAGES)('every relative link of %s resolves, anchors included', (page) => {
    const text = fs.readFileSync(path.join(ROOT, page), 'utf8').replace(/```[\s\S]*?```/g, '');
    const broken: string[] = [];
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^(https?:|mailto:)/.test(target)) continue;
      const [file, anchor] = target.split('#');
      const resolved = file === '' ? page : path.normalize(path.join(path.dirname(page), file));
      if (!fs.existsSync(path.join(ROOT, resolved))) {
        broken.push(`${target} (no ${resolved})`);
      } else if (anchor !== undefined && resolved.endsWith('.md') && !anchors(resolved).has(anchor)) {
        broken.push(`${target} (no heading '${anchor}' in ${resolved})`);
      }
    }
    expect(broken).toEqual([]);
  });

  test('no page and no source file cites the RULEBOOK, a document users do not have', () => {
    const citing = [...PAGES.map((p) => path.join(ROOT, p)), ...sourceFiles(path.join(ROOT, 'src'))]
      .filter((file) => /RULEBOOK/.test(fs.readFileSync(file, 'utf8')))
      .map((file) => path.relative(ROOT, file));
    expect(citing).toEqual([]);
  });

  test('every docs/ page a source file names exists (messages and comments point at pages the package ships)', () => {
    const named = new Set<string>();
    for (const file of sourceFiles(path.join(ROOT, 'src'))) {
      for (const [, page] of fs.readFileSync(file, 'utf8').matchAll(/\bdocs\/([\w-]+\.md)/g)) named.add(page);
    }
    expect(named.size).toBeGreaterThan(3);
    for (const page of named) expect(fs.existsSync(path.join(ROOT, 'docs', page))).toBe(true);
    expect(fs.readFileSync(path.join(ROOT, '.npmignore'), 'utf8')).not.toMatch(/^\/?docs/m);
  });

  test('every rule names where its claim comes from: an upstream URL or a page of docs/', () => {
    for (const rule of ALL_RULES) {
      expect(rule.sources.length).toBeGreaterThan(0);
      for (const source of rule.sources) {
        if (source.startsWith('docs/')) expect(fs.existsSync(path.join(ROOT, source.split('#')[0]))).toBe(true);
        else expect(source).toMatch(/^https:\/\//);
      }
    }
  });
});
