/**
 * The documents of a YAML stream, one at a time: the stream is split at its `---` lines (a
 * document marker at the start of a line ends any scalar, so no document spans one), and each
 * document is read on its own, so one parsed document is in memory at a time, not the stream.
 *
 * A document is read by js-yaml with the YAML 1.2 core schema exactly as the `yaml` package
 * resolves it (no timestamps, no merge keys, duplicate keys keep the last value), which is an
 * order of magnitude faster than `yaml` and builds no syntax tree. Where a finding needs a
 * field's line, it is read from the document's lines where they are plain block style
 * (block-positions.ts), and only where they are not, or the lines are unsure, is the document
 * parsed again by `yaml` for its positions, on first need only.
 * Whatever js-yaml refuses or might read differently (anchors and aliases, tags, directives,
 * `...` markers) is read by `yaml`, which decides, with its own messages.
 */
import * as jsyaml from 'js-yaml';
import { Document, LineCounter, parseAllDocuments } from 'yaml';
import { BlockLines } from './block-positions';
import { FieldPath } from '../k8s/paths';

/** One document of a stream. */
export interface StreamDocument {
  /** 1-based index in the stream. */
  readonly index: number;
  /** 1-based line and column where its content starts (after any `---`), where there is content. */
  readonly line?: number;
  readonly column?: number;
  /** The document's source text (markers excluded), for checks on the text itself. */
  readonly source: string;
  /**
   * Its first error: where it is not valid YAML (`syntax`), or valid but cannot be made a value
   * (too many aliases), with the message and 1-based line.
   */
  readonly error?: { readonly message: string; readonly line?: number; readonly syntax: boolean };
  /** Its value (undefined when it has an error). */
  readonly value?: any;
  /** Line and column of a path (of a key with `key`), parsing the document for positions on first use. */
  positionOf(path: FieldPath, key?: boolean): { line: number; column: number } | undefined;
}

const int = (pattern: RegExp, offset: number, radix: number) => ({ pattern, offset, radix });
/** The YAML 1.2 core schema's plain scalars, as the `yaml` package tests and resolves them. */
const INTS = [int(/^0o[0-7]+$/, 2, 8), int(/^[-+]?[0-9]+$/, 0, 10), int(/^0x[0-9a-fA-F]+$/, 2, 16)];
const FLOAT_SPECIAL = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT = [/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/, /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/];

const CORE_SCHEMA = jsyaml.FAILSAFE_SCHEMA.extend({
  implicit: [
    new jsyaml.Type('tag:yaml.org,2002:null', {
      kind: 'scalar',
      resolve: (data: string) => /^(?:~|[Nn]ull|NULL)?$/.test(data),
      construct: () => null,
    }),
    new jsyaml.Type('tag:yaml.org,2002:bool', {
      kind: 'scalar',
      resolve: (data: string) => /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/.test(data),
      construct: (data: string) => data[0] === 't' || data[0] === 'T',
    }),
    new jsyaml.Type('tag:yaml.org,2002:int', {
      kind: 'scalar',
      resolve: (data: string) => INTS.some((i) => i.pattern.test(data)),
      construct: (data: string) => {
        const { offset, radix } = INTS.find((i) => i.pattern.test(data))!;
        return parseInt(data.substring(offset), radix);
      },
    }),
    new jsyaml.Type('tag:yaml.org,2002:float', {
      kind: 'scalar',
      resolve: (data: string) => FLOAT_SPECIAL.test(data) || FLOAT.some((pattern) => pattern.test(data)),
      construct: (data: string) => (FLOAT_SPECIAL.test(data)
        ? (data.slice(-3).toLowerCase() === 'nan' ? NaN : data[0] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY)
        : parseFloat(data)),
    }),
  ],
});

/** A line that starts a document: `---` alone or followed by a space (and maybe content). */
const MARKER = /^---(?=[ \t\r]|$)/;
/** What js-yaml is not trusted with: directives, end markers, anchors and aliases, tags. */
const NOT_PLAIN = /^%|^\.\.\.(?:[ \t\r]|$)|(?:^|[\s[{,])[&*!][^\s,\]}&*]|^\s*[?]\s/m;

/**
 * The documents of `text`, each read when the iteration reaches it. A stream js-yaml is not
 * trusted with (directives, `...`) is read whole by `yaml`, as is every stream with `fast`
 * false (what the fast path is tested against).
 */
export function* documentsOf(text: string, fast = true): Generator<StreamDocument> {
  if (!fast || /^%|^\.\.\.(?:[ \t\r]|$)/m.test(text)) {
    yield* wholeStream(text);
    return;
  }
  let index = 0;
  for (const chunk of chunksOf(text)) {
    index++;
    yield readChunk(chunk, index);
  }
}

interface Chunk {
  readonly text: string;
  /** 0-based line of the file where `text` starts. */
  readonly firstLine: number;
  /** 0-based line of the marker that opened it, if one did. */
  readonly markerLine?: number;
}

/** The text between markers (the marker line dropped when nothing follows it on that line). */
function* chunksOf(text: string): Generator<Chunk> {
  let start = 0;
  let startLine = 0;
  let line = 0;
  let first = true;
  let markerLine: number | undefined;
  let pos = 0;
  while (pos <= text.length) {
    const end = text.indexOf('\n', pos);
    const lineEnd = end === -1 ? text.length : end;
    if (MARKER.test(text.slice(pos, Math.min(lineEnd, pos + 4)))) {
      const before = text.slice(start, pos);
      // Before the first marker: a document only where there is content, not just comments.
      if (!first || hasContent(before)) yield { text: before, firstLine: startLine, markerLine };
      first = false;
      markerLine = line;
      // Content after the marker on its line (`--- {a: 1}`) stays in the document, marker blanked.
      start = pos;
      startLine = line;
      const rest = text.slice(pos + 3, lineEnd);
      if (!hasContent(rest)) {
        start = end === -1 ? text.length : end + 1;
        startLine = line + 1;
      }
    }
    if (end === -1) break;
    pos = end + 1;
    line++;
  }
  const last = text.slice(start);
  if (!first || hasContent(last)) yield { text: last, firstLine: startLine, markerLine };
}

function hasContent(text: string): boolean {
  return text.split('\n').some((l) => l.trim() !== '' && !l.trim().startsWith('#'));
}

/** Where the first content of a chunk is: its first line that is not blank or a comment. */
function contentStart(text: string, firstLine: number): { line: number; column: number } | undefined {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const trimmed = lines[i].replace(/^---/, '   ').trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const column = lines[i].replace(/^---/, '   ').search(/\S/) + 1;
    return { line: firstLine + i + 1, column };
  }
  return undefined;
}

function readChunk(chunk: Chunk, index: number): StreamDocument {
  const { text: raw, firstLine } = chunk;
  // A chunk that starts with its marker (`--- {a: 1}`) is parsed as the document it is.
  const text = MARKER.test(raw) ? `   ${raw.slice(3)}` : raw;
  if (!NOT_PLAIN.test(text)) {
    let value: any;
    let parsed = true;
    try {
      value = jsyaml.load(text, { schema: CORE_SCHEMA, json: true });
    } catch {
      parsed = false;
    }
    if (parsed) {
      // A document with no content starts where its marker ends, as yaml says.
      const start = contentStart(text, firstLine) ?? (chunk.markerLine === undefined ? undefined : { line: chunk.markerLine + 1, column: 4 });
      let positions: ((path: FieldPath, key?: boolean) => { line: number; column: number } | undefined) | undefined;
      let lines: BlockLines | undefined;
      return {
        index,
        line: start?.line,
        column: start?.column,
        source: text,
        value: value === undefined ? null : value,
        positionOf(path, key) {
          // A path the document does not have is not looked for; a block-style one is found from
          // its lines; only what those do not settle costs a second parse.
          if (!hasPath(value, path)) return undefined;
          lines ??= BlockLines.of(text);
          const at = lines.positionOf(path, key);
          if (at !== undefined) return { line: firstLine + at.line + 1, column: at.column + 1 };
          positions ??= positionsIn(text, firstLine);
          return positions(path, key);
        },
      };
    }
  }
  // What js-yaml refuses or is not trusted with: `yaml` reads it and says what is wrong.
  const [document] = readWhole(text, firstLine, index);
  return document ?? { index, source: text, value: null, positionOf: () => undefined };
}

/** Whether `value` has a field (or item) at every step of `path`. */
function hasPath(value: unknown, path: FieldPath): boolean {
  let node: any = value;
  for (const step of path) {
    if (node === null || typeof node !== 'object') return false;
    if (typeof step === 'number' ? !Array.isArray(node) || step >= node.length : Array.isArray(node) || !Object.prototype.hasOwnProperty.call(node, step)) return false;
    node = node[step];
  }
  return true;
}

/** Parses `text` with `yaml` for positions only: a path's line and column, offset by `firstLine`. */
function positionsIn(text: string, firstLine: number): (path: FieldPath, key?: boolean) => { line: number; column: number } | undefined {
  const lineCounter = new LineCounter();
  const [document] = parseAllDocuments(text, { lineCounter, uniqueKeys: false }) as Document[];
  return (path, key) => {
    const at = document === undefined ? undefined : offsetOf(document, path, key);
    if (at === undefined) return undefined;
    const pos = lineCounter.linePos(at);
    return { line: firstLine + pos.line, column: pos.col };
  };
}

/** The offset of a path's value (or of its key, with `key`: an unknown field is pointed at by its name). */
function offsetOf(document: Document, fieldPath: FieldPath, key = false): number | undefined {
  const parent = key && fieldPath.length > 0 ? document.getIn(fieldPath.slice(0, -1) as Array<string | number>, true) as any : undefined;
  const pair = parent?.items?.find?.((item: any) => item?.key?.value === fieldPath[fieldPath.length - 1]);
  const node = pair?.key ?? document.getIn([...fieldPath], true) as any;
  return node?.range?.[0];
}

function* wholeStream(text: string): Generator<StreamDocument> {
  yield* readWhole(text, 0, 1);
}

/** `text` read by `yaml` alone (the documents numbered from `firstIndex`, lines offset by `firstLine`). */
function readWhole(text: string, firstLine: number, firstIndex: number): StreamDocument[] {
  const lineCounter = new LineCounter();
  let documents: Document[];
  try {
    documents = parseAllDocuments(text, { lineCounter, uniqueKeys: false }) as Document[];
  } catch (error) {
    return [{ index: firstIndex, source: text, error: { message: (error as Error).message, syntax: true }, positionOf: () => undefined }];
  }
  if (!Array.isArray(documents)) documents = [documents];
  return documents.map((document: any, i: number) => {
    const index = firstIndex + i;
    // The line where the document's content starts (after any '---' marker).
    const start = document.contents?.range?.[0] ?? document.range?.[0];
    const startPos = start !== undefined ? lineCounter.linePos(start) : undefined;
    const line = startPos === undefined ? undefined : firstLine + startPos.line;
    const range = document.range as number[] | undefined;
    const source = range ? text.slice(range[0], range[2] ?? range[1]) : '';
    const positionOf = (fieldPath: FieldPath, key = false) => {
      const offset = offsetOf(document, fieldPath, key);
      if (offset === undefined) return undefined;
      const pos = lineCounter.linePos(offset);
      return { line: firstLine + pos.line, column: pos.col };
    };
    if (document.errors?.length > 0) {
      const error = document.errors[0];
      const errorLine = error.linePos?.[0]?.line;
      return {
        index,
        line,
        column: startPos?.col,
        source,
        positionOf,
        // yaml's message says where, in the text it was given: where in the stream.
        error: {
          message: String(error.message).replace(/\bat line (\d+)/, (_, n) => `at line ${firstLine + Number(n)}`),
          line: errorLine === undefined ? line : firstLine + errorLine,
          syntax: true,
        },
      };
    }
    let value;
    try {
      value = document.toJS({ maxAliasCount: 100 });
    } catch (error) {
      return { index, line, column: startPos?.col, source, positionOf, error: { message: (error as Error).message, line, syntax: false } };
    }
    return { index, line, column: startPos?.col, source, value, positionOf };
  });
}
