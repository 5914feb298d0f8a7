import * as fs from 'fs';
import * as path from 'path';
import { LineCounter, parseAllDocuments } from 'yaml';
import { contextFor, evaluate } from '../rules/engine';
import { describe as describeObject } from '../rules/workloads';

/** Kinds at least one rule inspects; other kinds are read and reported as unchecked. */
const CHECKED_KINDS = ['Job', 'CronJob', 'PyTorchJob', 'Pod', 'PersistentVolumeClaim', 'ConfigMap'];
const EXTENSIONS = ['.yaml', '.yml', '.json'];
/** Kinds whose spec the rules read: one without a spec is an error, not a silent pass. */
const WORKLOAD_KINDS = ['Job', 'CronJob', 'PyTorchJob', 'Pod', 'JobSet', 'TrainJob', 'TrainingRuntime', 'ClusterTrainingRuntime'];

/** One line of the lint report. */
export interface LintFinding {
  readonly file: string;
  /** 1-based line of the document (or of a parse error), where known. */
  readonly line?: number;
  /** `Kind/name`, or the document index for input problems. */
  readonly object: string;
  /** A rule id, or `input` for files that cannot be read as manifests. */
  readonly ruleId: string;
  readonly severity: 'error' | 'warning';
  readonly message: string;
  readonly fix?: string;
}

export interface LintOptions {
  readonly kubernetesMinor: number;
  /** Reads standard input, for the path `-` (default: fd 0). */
  readonly readStdin?: () => Buffer;
}

export interface LintReport {
  readonly files: number;
  readonly objects: number;
  readonly unchecked: number;
  readonly findings: LintFinding[];
}

interface LoadedObject {
  readonly file: string;
  readonly line?: number;
  readonly object: any;
}

/** The name stdin is reported under. */
export const STDIN = '-';

/**
 * Expands folders to their manifest files, sorted, so output is stable. Never hangs and never
 * loops: named pipes, sockets and devices in a folder are skipped (given by name they are
 * reported), a symlink loop is visited once, and a file reached twice is linted once.
 */
function collectFiles(paths: string[], findings: LintFinding[]): string[] {
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
    if (seen.has(real)) return;
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

function inputProblem(file: string, message: string, severity: 'error' | 'warning' = 'error', line?: number, object = '-'): LintFinding {
  return { file, line, object, ruleId: 'input', severity, message };
}

function loadFile(file: string, findings: LintFinding[], readStdin: () => Buffer): LoadedObject[] {
  let buffer: Buffer;
  try {
    buffer = file === STDIN ? readStdin() : fs.readFileSync(file);
  } catch (error) {
    findings.push(inputProblem(file, `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`));
    return [];
  }
  const decoded = decode(buffer);
  if (decoded.problem !== undefined) {
    findings.push(inputProblem(file, decoded.problem));
    return [];
  }
  const text = decoded.text!;
  if (text.trim() === '') {
    findings.push(inputProblem(file, 'is empty.', 'warning'));
    return [];
  }
  const loaded: LoadedObject[] = [];
  const accept = (value: any, document: number, line?: number) => {
    if (value === null || value === undefined) return;
    if (Array.isArray(value) || typeof value !== 'object') {
      const type = Array.isArray(value) ? 'a list' : `a ${typeof value}`;
      findings.push(inputProblem(file, `document ${document} is ${type}, not a Kubernetes object.`, 'error', line, `document ${document}`));
      return;
    }
    if (value.kind === 'List' && Array.isArray(value.items)) {
      value.items.forEach((item: any) => accept(item, document, line));
      return;
    }
    if (typeof value.kind !== 'string' || typeof value.apiVersion !== 'string') {
      findings.push(inputProblem(file, `document ${document} has no apiVersion and kind.`, 'error', line, `document ${document}`));
      return;
    }
    if (WORKLOAD_KINDS.includes(value.kind) && (value.spec === null || typeof value.spec !== 'object')) {
      findings.push(inputProblem(file, `${value.kind} '${value.metadata?.name ?? '(unnamed)'}' has no spec, so nothing can be checked; ` +
        'lint the complete manifest (helm template, kustomize build).', 'error', line, `${value.kind}/${value.metadata?.name ?? '(unnamed)'}`));
      return;
    }
    loaded.push({ file, line, object: value });
  };
  if (path.extname(file).toLowerCase() === '.json') {
    try {
      const parsed = JSON.parse(text);
      (Array.isArray(parsed) ? parsed : [parsed]).forEach((value, i) => accept(value, i + 1));
    } catch (error) {
      findings.push(inputProblem(file, `is not valid JSON: ${(error as Error).message}.`));
    }
    return loaded;
  }
  const lineCounter = new LineCounter();
  let documents;
  try {
    documents = parseAllDocuments(text, { lineCounter, uniqueKeys: false });
  } catch (error) {
    findings.push(inputProblem(file, `is not valid YAML: ${(error as Error).message}.`));
    return loaded;
  }
  if (!Array.isArray(documents)) documents = [documents];
  documents.forEach((document: any, i: number) => {
    // The line where the document's content starts (after any '---' marker).
    const start = document.contents?.range?.[0] ?? document.range?.[0];
    const line = start !== undefined ? lineCounter.linePos(start).line : undefined;
    if (document.errors?.length > 0) {
      const error = document.errors[0];
      const errorLine = error.linePos?.[0]?.line ?? line;
      findings.push(inputProblem(file, `document ${i + 1} is not valid YAML: ${String(error.message).split('\n')[0].replace(/:\s*$/, '')}.`, 'error', errorLine, `document ${i + 1}`));
      return;
    }
    let value;
    try {
      value = document.toJS({ maxAliasCount: 100 });
    } catch (error) {
      findings.push(inputProblem(file, `document ${i + 1} cannot be read: ${(error as Error).message}.`, 'error', line, `document ${i + 1}`));
      return;
    }
    accept(value, i + 1, line);
  });
  return loaded;
}

/** Reads files and folders of manifests and runs every rule over the objects in them. */
export function lint(paths: string[], options: LintOptions): LintReport {
  const findings: LintFinding[] = [];
  const files = collectFiles(paths, findings);
  const readStdin = options.readStdin ?? (() => fs.readFileSync(0));
  const loaded = files.flatMap((file) => loadFile(file, findings, readStdin));
  const objects = loaded.map((entry) => entry.object);
  const context = contextFor(objects, options.kubernetesMinor);
  for (const entry of loaded) {
    for (const finding of evaluate([entry.object], context)) {
      findings.push({
        file: entry.file,
        line: entry.line,
        object: describeObject(entry.object),
        ruleId: finding.ruleId,
        severity: finding.severity,
        message: finding.message,
        fix: finding.fix,
      });
    }
  }
  const unchecked = objects.filter((object) => !CHECKED_KINDS.includes(object.kind)).length;
  return { files: files.length, objects: objects.length, unchecked, findings };
}

/** The text report: one line per finding, then a summary line. */
export function formatText(report: LintReport): string {
  const lines = report.findings.map((f) =>
    `${f.file}${f.line !== undefined ? `:${f.line}` : ''}: ${f.severity} [${f.ruleId}] ${f.object}: ${f.message}${f.fix ? ` Fix: ${f.fix}` : ''}`);
  const errors = report.findings.filter((f) => f.severity === 'error').length;
  const warnings = report.findings.length - errors;
  lines.push(`${report.files} files, ${report.objects} objects (${report.unchecked} of kinds no rule checks): ${errors} errors, ${warnings} warnings`);
  return lines.join('\n') + '\n';
}
