/**
 * Where a field is in a YAML document written in block style (what generators and people write:
 * one key per line, `- ` items), found from the text's lines and indentation alone, without
 * parsing it again. Whatever it is not sure of (flow collections on the way, quoted keys with
 * escapes, tabs, a key written twice, a null written as nothing) it leaves undefined, and the
 * caller asks `yaml`; test/documents.test.ts checks it against `yaml` on every path of every
 * corpus document.
 */
import { FieldPath } from '../k8s/paths';

/** A block sequence item: `- ` or a `-` that ends its line. */
const ITEM = /^-(?: |$)/;

/** A 0-based line and column. */
interface At {
  readonly line: number;
  readonly column: number;
}

/** The lines of a document, without line ends, and each one's indentation (-1: blank or a comment; -2: a tab in it). */
export class BlockLines {
  public static of(text: string): BlockLines {
    return new BlockLines(text.split('\n').map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line)));
  }

  private readonly indents: number[];

  private constructor(private readonly lines: string[]) {
    this.indents = lines.map((line) => {
      const indent = line.length - line.trimStart().length;
      const rest = line.slice(indent);
      if (rest === '' || rest.startsWith('#')) return -1;
      return line.slice(0, indent).includes('\t') ? -2 : indent;
    });
  }

  /**
   * The 0-based line and column where `path`'s value starts (its key's, with `key`), as `yaml`
   * gives a node's range start; undefined where the text is not plain block style.
   */
  public positionOf(path: FieldPath, key = false): At | undefined {
    let node = this.firstContent(0);
    if (node === undefined) return undefined;
    for (let i = 0; i < path.length; i++) {
      const step = path[i];
      const last = i === path.length - 1;
      if (typeof step === 'number') {
        const item = this.item(node, step);
        if (item === undefined) return undefined;
        if (last) return key ? undefined : item.start;
        if (item.scalar) return undefined;
        node = item.start;
      } else {
        const entry = this.entry(node, step);
        if (entry === undefined) return undefined;
        if (last) return key ? entry.key : entry.value;
        if (entry.scalar) return undefined;
        node = entry.value;
      }
    }
    return node;
  }

  /** The first content line at or after `from`, at its indentation. */
  private firstContent(from: number): At | undefined {
    for (let line = from; line < this.lines.length; line++) {
      const indent = this.indents[line];
      if (indent === -2) return undefined;
      if (indent >= 0) return { line, column: indent };
    }
    return undefined;
  }

  /**
   * Where the value written after a key or a `- ` starts: on the same line from `column`, or on
   * the next content line; whether it is a scalar (or flow collection) on that line.
   */
  private valueAfter(line: number, column: number, parentColumn: number, sequenceMayAlign: boolean): { start: At; scalar: boolean } | undefined {
    const text = this.lines[line];
    let at = column;
    while (text[at] === ' ') at++;
    const rest = text.slice(at);
    if (rest !== '' && !rest.startsWith('#')) {
      // Anchors, aliases and tags are `yaml`'s to read.
      if (/^[&*!]/.test(rest)) return undefined;
      const nested = ITEM.test(rest) || /^[^'"[{|>#\s][^#]*?:(?: |$)/.test(rest) || /^(['"]).*?\1:(?: |$)/.test(rest);
      return { start: { line, column: at }, scalar: !nested };
    }
    const next = this.firstContent(line + 1);
    if (next === undefined) return undefined;
    if (next.column > parentColumn) return { start: next, scalar: false };
    // `key:` followed by a sequence at the key's own indentation.
    const aligned = sequenceMayAlign && next.column === parentColumn && ITEM.test(this.lines[next.line].slice(next.column));
    if (aligned) return { start: next, scalar: false };
    // Nothing written: a null, whose position `yaml` decides.
    return undefined;
  }

  /** The key and value of `name` in the block mapping that starts at `node`. */
  private entry(node: At, name: string): { key: At; value: At; scalar: boolean } | undefined {
    let found: { key: At; value: At; scalar: boolean } | undefined;
    for (let line = node.line; line < this.lines.length; line++) {
      const indent = this.indents[line];
      if (indent === -1) continue;
      if (indent === -2) return undefined;
      const column = line === node.line ? node.column : indent;
      if (line !== node.line && indent < node.column) break;
      if (line !== node.line && indent > node.column) continue;
      const text = this.lines[line];
      const parsed = keyAt(text, column);
      if (parsed === undefined) {
        // A sequence item at the mapping's indentation ends the value before it (`key:\n- a`).
        if (line !== node.line && ITEM.test(text.slice(column))) continue;
        return undefined;
      }
      if (parsed.name !== name) continue;
      if (found !== undefined) return undefined; // written twice: which one counts is `yaml`'s to say
      const value = this.valueAfter(line, parsed.end, column, true);
      if (value === undefined) return undefined;
      found = { key: { line, column }, value: value.start, scalar: value.scalar };
    }
    return found;
  }

  /** The `index`th item of the block sequence that starts at `node`. */
  private item(node: At, index: number): { start: At; scalar: boolean } | undefined {
    let count = 0;
    for (let line = node.line; line < this.lines.length; line++) {
      const indent = this.indents[line];
      if (indent === -1) continue;
      if (indent === -2) return undefined;
      const column = line === node.line ? node.column : indent;
      if (line !== node.line && indent < node.column) return undefined;
      if (line !== node.line && indent > node.column) continue;
      const text = this.lines[line];
      if (!ITEM.test(text.slice(column))) return undefined;
      if (count === index) return this.valueAfter(line, column + 1, column, false);
      count++;
    }
    return undefined;
  }
}

/** A plain or simply quoted key at `column` of a line, and where its `:` ends. */
function keyAt(text: string, column: number): { name: string; end: number } | undefined {
  const rest = text.slice(column);
  const quoted = /^(['"])([^'"\\]*)\1:(?= |$)/.exec(rest);
  if (quoted) return { name: quoted[2], end: column + quoted[0].length };
  if (/^[-?:,[\]{}#&*!|>'"%@`](?:\s|$)|^[[{'"&*!|>%@`#]/.test(rest)) return undefined;
  const plain = /^([^\s#][^#]*?):(?= |$)/.exec(rest);
  if (!plain || plain[1] !== plain[1].trimEnd()) return undefined;
  return { name: plain[1], end: column + plain[0].length };
}
