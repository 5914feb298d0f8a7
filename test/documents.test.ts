/**
 * The fast reader (documents split at their markers, each read by js-yaml) against the `yaml`
 * package reading the whole stream, which is what lint read before and what the fast path
 * falls back to: same documents, values, lines and field positions on every YAML file in the
 * repository (the public corpus, fixtures, examples), and on the YAML corners where js-yaml
 * and `yaml` differ by default.
 */
import * as fs from 'fs';
import * as path from 'path';
import { BlockLines } from '../src/findings/block-positions';
import { documentsOf, StreamDocument } from '../src/findings/documents';

const ROOT = path.resolve(__dirname, '..');

function yamlFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' || entry.name.startsWith('.') ? [] : yamlFiles(full);
    return /\.ya?ml$/.test(entry.name) ? [full] : [];
  });
}

/** Every path of a value: each key of each map and each item of each list. */
function pathsOf(value: any, prefix: Array<string | number> = []): Array<Array<string | number>> {
  if (Array.isArray(value)) return value.flatMap((item, i) => [[...prefix, i], ...pathsOf(item, [...prefix, i])]);
  if (value !== null && typeof value === 'object') {
    return Object.keys(value).flatMap((key) => [[...prefix, key], ...pathsOf(value[key], [...prefix, key])]);
  }
  return [];
}

function summary(document: StreamDocument) {
  return { index: document.index, line: document.line, column: document.column, value: document.value, error: document.error };
}

function expectSameReading(text: string) {
  const fast = [...documentsOf(text)];
  const whole = [...documentsOf(text, false)];
  expect(fast.map(summary)).toEqual(whole.map(summary));
  fast.forEach((document, i) => {
    for (const fieldPath of pathsOf(document.value)) {
      expect([fieldPath, document.positionOf(fieldPath)]).toEqual([fieldPath, whole[i].positionOf(fieldPath)]);
      expect([fieldPath, document.positionOf(fieldPath, true)]).toEqual([fieldPath, whole[i].positionOf(fieldPath, true)]);
    }
  });
  return fast;
}

describe('the fast reader reads what yaml reads', () => {
  const files = ['test', 'examples', 'docs'].flatMap((dir) => yamlFiles(path.join(ROOT, dir)));

  test('on at least the 176 files of the public corpus', () => {
    expect(files.filter((f) => f.includes(`${path.sep}corpus${path.sep}world${path.sep}`)).length).toBeGreaterThanOrEqual(176);
  });

  test.each(files.map((f) => [path.relative(ROOT, f)]))('%s', (file) => {
    expectSameReading(fs.readFileSync(path.join(ROOT, file), 'utf8').replace(/^\uFEFF/, ''));
  });
});

describe('the corners where js-yaml and yaml differ by default', () => {
  test.each([
    ['YAML 1.1 booleans are strings', 'a: yes\nb: on\nc: No\nd: True\ne: FALSE\n', { a: 'yes', b: 'on', c: 'No', d: true, e: false }],
    ['timestamps are strings', 'a: 2026-12-03\nb: 2026-12-03T20:00:00Z\n', { a: '2026-12-03', b: '2026-12-03T20:00:00Z' }],
    ['1.2 numbers', 'a: 0o17\nb: 0x1F\nc: 017\nd: 1_000\ne: .inf\nf: -.Inf\ng: 1e3\nh: +12\ni: 1.\nj: 0b11\nk: 1:30\n',
      { a: 15, b: 31, c: 17, d: '1_000', e: Infinity, f: -Infinity, g: 1000, h: 12, i: 1, j: '0b11', k: '1:30' }],
    ['nulls', 'a: ~\nb: null\nc:\nd: NULL\ne: Null\nf: nil\n', { a: null, b: null, c: null, d: null, e: null, f: 'nil' }],
    ['duplicate keys keep the last value', 'a: 1\na: 2\n', { a: 2 }],
    ['merge keys are plain keys', 'a: {x: 1}\nb:\n  <<: {x: 2}\n', { a: { x: 1 }, b: { '<<': { x: 2 } } }],
    ['CRLF line ends', 'a: 1\r\nb:\r\n  - c\r\n', { a: 1, b: ['c'] }],
  ])('%s', (_name, text, value) => {
    const [document] = expectSameReading(text);
    expect(document.value).toEqual(value);
  });

  test('markers: content on the marker line, empty documents, comments before the first marker', () => {
    const documents = expectSameReading('# header\n---\na: 1\n---\n---\n--- {b: 2}\n---   # note\nc: [1, 2]\n');
    expect(documents.map((d) => d.value)).toEqual([{ a: 1 }, null, null, { b: 2 }, { c: [1, 2] }]);
    expect(documents.map((d) => d.line)).toEqual([3, 4, 5, 6, 8]);
  });

  test('a billion laughs is refused, not expanded', () => {
    const lol = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
      ...'bcdefghi'.split('').map((name, i) => `${name}: &${name} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`)].join('\n');
    const [document] = expectSameReading(lol);
    expect(document.error?.syntax).toBe(false);
    expect(document.error?.message).toMatch(/alias/i);
  });

  test('anchors, tags, directives and end markers are read as yaml reads them', () => {
    expect(expectSameReading('a: &x {b: 1}\nc: *x\nd: !!str 12\ne: !custom z\n')[0].value).toEqual({ a: { b: 1 }, c: { b: 1 }, d: '12', e: 'z' });
    expect(expectSameReading('%YAML 1.2\n---\na: 1\n...\n---\nb: 2\n').map((d) => d.value)).toEqual([{ a: 1 }, { b: 2 }]);
  });

  test('a syntax error is yaml\'s, at its line in the stream, and the other documents are read', () => {
    const documents = expectSameReading('a: 1\n---\nb: [1, 2\nc: 3\n---\nd: 4\n');
    expect(documents[1].error).toMatchObject({ syntax: true, line: expect.any(Number) });
    expect(documents[1].error!.line).toBeGreaterThanOrEqual(3);
    expect(documents[2].value).toEqual({ d: 4 });
  });

  test('a shell script with && and globs stays the text it is', () => {
    const text = 'command: [sh, -c, "cd /w && python train.py *.yaml 2>&1"]\nargs:\n  - |\n    a && b\n    ls **/*.py\n';
    expect(expectSameReading(text)[0].value.args[0]).toBe('a && b\nls **/*.py\n');
  });
});

describe('positions from the lines of block-style YAML', () => {
  // The reader asks BlockLines first and yaml only for what BlockLines leaves undefined; the
  // tests above check the answers agree with yaml's. These check that BlockLines answers most
  // of the time (or a finding on every object parses every document twice) and that it leaves
  // alone what it cannot be sure of.
  test('settles at least 95% of the field positions in the public corpus', () => {
    let asked = 0;
    let settled = 0;
    for (const file of yamlFiles(path.join(ROOT, 'test', 'corpus', 'world'))) {
      for (const document of documentsOf(fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, ''))) {
        if (document.error || document.value === null || typeof document.value !== 'object') continue;
        const lines = BlockLines.of(document.source);
        for (const fieldPath of pathsOf(document.value)) {
          for (const key of typeof fieldPath[fieldPath.length - 1] === 'string' ? [false, true] : [false]) {
            asked++;
            if (lines.positionOf(fieldPath, key) !== undefined) settled++;
          }
        }
      }
    }
    expect(asked).toBeGreaterThan(10000);
    expect(settled / asked).toBeGreaterThanOrEqual(0.95);
  });

  test.each([
    ['a block scalar starts at its indicator', 'spec:\n  command:\n  - bash\n  - -c\n  - |\n    torchrun train.py\n', ['spec', 'command', 2], { line: 4, column: 4 }],
    ['a sequence at its key\'s indentation', 'args:\n- --epochs\n- "3"\nimage: x\n', ['args', 1], { line: 2, column: 2 }],
    ['quoted keys', '"app.kubernetes.io/name": a\n\'b\': 2\n', ['b'], { line: 1, column: 5 }],
    ['comments and blank lines between entries', 'a:\n  # note\n\n  b: 1 # why\n', ['a', 'b'], { line: 3, column: 5 }],
    ['a map key, for an unknown field', 'spec:\n  template:\n    spek: {}\n', ['spec', 'template', 'spek'], { line: 2, column: 4 }, true],
  ])('%s', (_name, text, fieldPath, at, key = false) => {
    expect(BlockLines.of(text).positionOf(fieldPath as Array<string | number>, key as boolean)).toEqual(at);
    expectSameReading(text);
  });

  test.each([
    ['a flow collection on the way', 'spec: {template: {spec: 1}}\n', ['spec', 'template']],
    ['a key written twice', 'a: 1\nb: 2\na: 3\n', ['a']],
    ['a null written as nothing', 'a:\nb: 1\n', ['a']],
    ['an anchor', 'a: &x\n  b: 1\n', ['a', 'b']],
    ['tabs in the indentation', 'a:\n\tb: 1\n', ['a', 'b']],
    ['a path the text does not have', 'a:\n  b: 1\n', ['a', 'c']],
  ])('leaves %s to yaml', (_name, text, fieldPath) => {
    expect(BlockLines.of(text).positionOf(fieldPath)).toBeUndefined();
  });
});
