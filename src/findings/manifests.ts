/**
 * Manifests as the rules read them: files and folders expanded to manifest files, each read as
 * UTF-8 or UTF-16, parsed as multi-document YAML or JSON into objects that remember where each
 * field is (line and column), and every input that is not a manifest reported once.
 */
import * as fs from 'fs';
import * as path from 'path';
import { documentsOf } from './documents';
import { workloadKinds } from './kinds';
import { FieldPath } from '../k8s/paths';

/** A problem with an input (`input`), or a finding at a place in a file. */
export interface LintFinding {
  readonly file: string;
  /** 1-based line of the offending field where the rule names it, else of the object, where known. */
  readonly line?: number;
  /** 1-based column of the same. */
  readonly column?: number;
  /** `Kind/name`, or the document index for input problems. */
  readonly object: string;
  /** A rule id, `strict-schema`, or `input` for files that cannot be read as manifests. */
  readonly ruleId: string;
  readonly severity: 'error' | 'warning';
  readonly message: string;
  readonly fix?: string;
  /** The field the finding is about (a rule's, or a schema's), where there is one. */
  readonly path?: FieldPath;
}

/** One object read from a manifest, with where it and its fields are. */
export interface LoadedObject {
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
  readonly object: any;
  /** Line and column of a path inside the object, where the source can tell. */
  readonly positionOf?: (path: FieldPath, key?: boolean) => { line: number; column: number } | undefined;
}

const EXTENSIONS = ['.yaml', '.yml', '.json'];

/** Kinds whose spec the rules read (every workload kind): one without a spec is an error, not a silent pass. */
function readsSpec(kind: string): boolean {
  return workloadKinds().kinds.some((k) => k.kind === kind);
}

/** The name stdin is reported under. */
export const STDIN = '-';

/**
 * Expands folders to their manifest files, sorted, so output is stable. Never hangs and never
 * loops: named pipes, sockets and devices in a folder are skipped (given by name they are
 * reported), a symlink loop is visited once, and a file reached twice is linted once.
 */
export function collectFiles(paths: string[], findings: LintFinding[], skips: (file: string) => boolean = () => false): string[] {
  const files: string[] = [];
  const seen = new Set<string>();
  const visit = (target: string, explicit: boolean) => {
    if (target === STDIN && explicit) {
      if (!seen.has(STDIN)) files.push(STDIN);
      seen.add(STDIN);
      return;
    }
    let stat: fs.Stats;
    let real: string;
    try {
      stat = fs.statSync(target);
      real = fs.realpathSync(target);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      findings.push(inputProblem(target, code === 'ELOOP' ? 'is a symlink loop; skipped.' : 'no such file or folder.', code === 'ELOOP' ? 'warning' : 'error'));
      return;
    }
    if (seen.has(real) || skips(target)) return;
    seen.add(real);
    if (stat.isDirectory()) {
      for (const entry of fs.readdirSync(target).sort()) {
        if (!entry.startsWith('.') && entry !== 'node_modules') visit(path.join(target, entry), false);
      }
    } else if (!stat.isFile()) {
      // A FIFO would block the read forever; a socket or device is not a manifest.
      if (explicit) findings.push(inputProblem(target, 'is not a regular file (a pipe, socket or device); skipped. Pipe manifests in with - instead.'));
    } else if (explicit || EXTENSIONS.includes(path.extname(target).toLowerCase())) {
      files.push(target);
    }
  };
  for (const target of paths) visit(target, true);
  return files;
}

/**
 * The text of a manifest file: UTF-8 (with or without a byte order mark), or UTF-16 with its
 * byte order mark (what PowerShell's `>` writes); anything else with NUL bytes is reported.
 */
function decode(buffer: Buffer): { text?: string; problem?: string } {
  if (buffer.length >= 2 && buffer[0] === 0xff && buffer[1] === 0xfe) return { text: buffer.subarray(2).toString('utf16le') };
  if (buffer.length >= 2 && buffer[0] === 0xfe && buffer[1] === 0xff) {
    const swapped = Buffer.from(buffer.subarray(2));
    swapped.swap16();
    return { text: swapped.toString('utf16le') };
  }
  if (buffer.includes(0)) {
    return { problem: 'is not UTF-8 or UTF-16 text (it has NUL bytes and no UTF-16 byte order mark); save it as UTF-8.' };
  }
  const text = buffer.toString('utf8');
  if (text.includes('\uFFFD')) return { problem: 'is not valid UTF-8; save it as UTF-8.' };
  return { text: text.replace(/^\uFEFF/, '') };
}

export function inputProblem(file: string, message: string, severity: 'error' | 'warning' = 'error', line?: number, object = '-'): LintFinding {
  return { file, line, object, ruleId: 'input', severity, message };
}

/** Every object of a file, read as a list: see objectsOf. */
export function loadFile(file: string, findings: LintFinding[], readStdin: () => Buffer): LoadedObject[] {
  return [...objectsOf(file, findings, readStdin)];
}

/**
 * The objects of a manifest file, one document at a time (a YAML stream is never held parsed
 * whole), with every input that is not a manifest added to `findings` as it is met.
 */
export function* objectsOf(file: string, findings: LintFinding[], readStdin: () => Buffer): Generator<LoadedObject> {
  let buffer: Buffer;
  try {
    buffer = file === STDIN ? readStdin() : fs.readFileSync(file);
  } catch (error) {
    findings.push(inputProblem(file, `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`));
    return;
  }
  const decoded = decode(buffer);
  if (decoded.problem !== undefined) {
    findings.push(inputProblem(file, decoded.problem));
    return;
  }
  const text = decoded.text!;
  if (text.trim() === '') {
    findings.push(inputProblem(file, 'is empty.', 'warning'));
    return;
  }
  const accepted: LoadedObject[] = [];
  const accept = (value: any, document: number, line?: number, column?: number,
    positionOf?: (path: FieldPath, key?: boolean) => { line: number; column: number } | undefined) => {
    if (value === null || value === undefined) return;
    if (Array.isArray(value) || typeof value !== 'object') {
      const type = Array.isArray(value) ? 'a list' : `a ${typeof value}`;
      findings.push(inputProblem(file, `document ${document} is ${type}, not a Kubernetes object.`, 'error', line, `document ${document}`));
      return;
    }
    if (value.kind === 'List' && Array.isArray(value.items)) {
      value.items.forEach((item: any) => accept(item, document, line, column));
      return;
    }
    if (typeof value.kind !== 'string' || typeof value.apiVersion !== 'string') {
      findings.push(inputProblem(file, `document ${document} has no apiVersion and kind.`, 'error', line, `document ${document}`));
      return;
    }
    if (readsSpec(value.kind) && (value.spec === null || typeof value.spec !== 'object')) {
      findings.push(inputProblem(file, `${value.kind} '${value.metadata?.name ?? '(unnamed)'}' has no spec, so nothing can be checked; ` +
        'lint the complete manifest (helm template, kustomize build).', 'error', line, `${value.kind}/${value.metadata?.name ?? '(unnamed)'}`));
      return;
    }
    accepted.push({ file, line, column, object: value, positionOf });
  };
  if (path.extname(file).toLowerCase() === '.json') {
    try {
      const parsed = JSON.parse(text);
      (Array.isArray(parsed) ? parsed : [parsed]).forEach((value, i) => accept(value, i + 1));
    } catch (error) {
      findings.push(inputProblem(file, `is not valid JSON: ${(error as Error).message}.`));
    }
    yield* accepted;
    return;
  }
  for (const document of documentsOf(text)) {
    const i = document.index - 1;
    if (document.error !== undefined) {
      const { message, line, syntax } = document.error;
      findings.push(syntax
        ? inputProblem(file, `document ${i + 1} is not valid YAML: ${message.split('\n')[0].replace(/:\s*$/, '')}.`, 'error', line, `document ${i + 1}`)
        : inputProblem(file, `document ${i + 1} cannot be read: ${message}.`, 'error', line, `document ${i + 1}`));
      continue;
    }
    // A documentation excerpt (`# ...` where fields were left out) is not a manifest to apply.
    if (/^\s*#\s*(?:\.\.\.|…)\s*$/m.test(document.source)) {
      findings.push(inputProblem(file, `document ${i + 1} is an excerpt ('# ...' where fields were left out), so no rule was run on it; lint the whole manifest.`,
        'warning', document.line, `document ${i + 1}`));
      continue;
    }
    accept(document.value, i + 1, document.line, document.column, (fieldPath, key) => document.positionOf(fieldPath, key));
    yield* accepted.splice(0);
  }
}
