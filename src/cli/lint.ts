import * as fs from 'fs';
import * as path from 'path';
import { LineCounter, parseAllDocuments } from 'yaml';
import { DEFAULT_CONFIG, LintConfig } from './config';
import { contextFor, evaluate, findRule } from '../rules/engine';
import { describe as describeObject } from '../rules/workloads';
import { describeProblem, STRICT_SCHEMA, STRICT_SCHEMA_FIX, StrictSchemas, UNKNOWN_KIND_FIX } from '../schemas/strict-schemas';

/** Kinds at least one rule inspects; other kinds are read and reported as unchecked. */
const CHECKED_KINDS = ['Job', 'CronJob', 'PyTorchJob', 'Pod', 'PersistentVolumeClaim', 'ConfigMap'];
const EXTENSIONS = ['.yaml', '.yml', '.json'];
/** Kinds whose spec the rules read: one without a spec is an error, not a silent pass. */
const WORKLOAD_KINDS = ['Job', 'CronJob', 'PyTorchJob', 'Pod', 'JobSet', 'TrainJob', 'TrainingRuntime', 'ClusterTrainingRuntime'];

/** One line of the lint report. */
export interface LintFinding {
  readonly file: string;
  /** 1-based line of the offending field where the rule names it, else of the object, where known. */
  readonly line?: number;
  /** 1-based column of the same. */
  readonly column?: number;
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
  /** Rules, severities and skipped paths (`.cdk8s-training.yaml`). */
  readonly config?: LintConfig;
  /** Reads standard input, for the path `-` (default: fd 0). */
  readonly readStdin?: () => Buffer;
  /**
   * Also validate every object strictly against these schemas (`--strict`): unknown fields,
   * wrong types and missing required fields are `strict-schema` errors.
   */
  readonly strict?: StrictSchemas;
}


export interface LintReport {
  readonly files: number;
  readonly objects: number;
  readonly unchecked: number;
  readonly findings: LintFinding[];
  /** Every object read, by file, as `Kind/name` (JUnit lists the clean ones as passed tests). */
  readonly checked?: ReadonlyArray<{ readonly file: string; readonly object: string }>;
  /** With --strict: what the objects were validated against, and how many kinds no schema knows. */
  readonly strict?: { readonly sources: ReadonlyArray<{ module: string; version: string; kinds: string[] }>; readonly unknownKinds: number };
}

interface LoadedObject {
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
  readonly object: any;
  /** Line and column of a path inside the object, where the source can tell. */
  readonly positionOf?: (path: Array<string | number>, key?: boolean) => { line: number; column: number } | undefined;
}

/** The name stdin is reported under. */
export const STDIN = '-';

/**
 * Expands folders to their manifest files, sorted, so output is stable. Never hangs and never
 * loops: named pipes, sockets and devices in a folder are skipped (given by name they are
 * reported), a symlink loop is visited once, and a file reached twice is linted once.
 */
function collectFiles(paths: string[], findings: LintFinding[], skips: (file: string) => boolean = () => false): string[] {
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
  const accept = (value: any, document: number, line?: number, column?: number,
    positionOf?: (path: Array<string | number>, key?: boolean) => { line: number; column: number } | undefined) => {
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
    if (WORKLOAD_KINDS.includes(value.kind) && (value.spec === null || typeof value.spec !== 'object')) {
      findings.push(inputProblem(file, `${value.kind} '${value.metadata?.name ?? '(unnamed)'}' has no spec, so nothing can be checked; ` +
        'lint the complete manifest (helm template, kustomize build).', 'error', line, `${value.kind}/${value.metadata?.name ?? '(unnamed)'}`));
      return;
    }
    loaded.push({ file, line, column, object: value, positionOf });
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
    const startPos = start !== undefined ? lineCounter.linePos(start) : undefined;
    const line = startPos?.line;
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
    const positionOf = (fieldPath: Array<string | number>, key = false) => {
      // The key of a field (an unknown field is pointed at by its name), else its value.
      const parent = key && fieldPath.length > 0 ? document.getIn(fieldPath.slice(0, -1), true) as any : undefined;
      const pair = parent?.items?.find?.((item: any) => item?.key?.value === fieldPath[fieldPath.length - 1]);
      const node = pair?.key ?? document.getIn(fieldPath, true) as any;
      const offset = node?.range?.[0];
      if (offset === undefined) return undefined;
      const pos = lineCounter.linePos(offset);
      return { line: pos.line, column: pos.col };
    };
    accept(value, i + 1, line, startPos?.col, positionOf);
  });
  return loaded;
}

/** Reads files and folders of manifests and runs every rule over the objects in them. */
export function lint(paths: string[], options: LintOptions): LintReport {
  const findings: LintFinding[] = [];
  const config = options.config ?? DEFAULT_CONFIG;
  const files = collectFiles(paths, findings, config.skips);
  const readStdin = options.readStdin ?? (() => fs.readFileSync(0));
  const loaded = files.flatMap((file) => loadFile(file, findings, readStdin));
  const objects = loaded.map((entry) => entry.object);
  const context = contextFor(objects, options.kubernetesMinor);
  // A missing field (ttlSecondsAfterFinished is not set) is pointed at through its parent.
  const position = (entry: LoadedObject, fieldPath: Array<string | number> | undefined, key = false) => {
    let at: { line?: number; column?: number } | undefined;
    for (let n = fieldPath?.length ?? 0; at === undefined && n > 0; n--) {
      at = entry.positionOf?.(fieldPath!.slice(0, n), key && n === fieldPath!.length);
    }
    return at ?? { line: entry.line, column: entry.column };
  };
  let unknownKinds = 0;
  for (const entry of loaded) {
    const strictFinding = (at: { line?: number; column?: number }, severity: 'error' | 'warning', message: string, fix: string) =>
      findings.push({ file: entry.file, ...at, object: describeObject(entry.object), ruleId: STRICT_SCHEMA, severity, message, fix });
    const problems = options.strict?.problems(entry.object);
    if (options.strict !== undefined && problems === undefined) {
      unknownKinds++;
      strictFinding(position(entry, []), 'warning', options.strict.unknownKind(entry.object), UNKNOWN_KIND_FIX);
    }
    for (const problem of problems ?? []) {
      strictFinding(position(entry, problem.path, problem.unknownField), 'error', describeProblem(problem), STRICT_SCHEMA_FIX);
    }
    for (const finding of evaluate([entry.object], context, new Set(), config.rules)) {
      const fieldPath = finding.path ?? pathInMessage(finding.message, entry.object);
      const at = position(entry, fieldPath);
      findings.push({
        file: entry.file,
        line: at.line,
        column: at.column,
        object: describeObject(entry.object),
        ruleId: finding.ruleId,
        severity: config.severity.get(finding.ruleId) ?? finding.severity,
        message: finding.message,
        fix: finding.fix,
      });
    }
  }
  const unchecked = objects.filter((object) => !CHECKED_KINDS.includes(object.kind)).length;
  const checked = loaded.map((entry) => ({ file: entry.file, object: describeObject(entry.object) }));
  const strict = options.strict === undefined ? undefined : { sources: options.strict.sources, unknownKinds };
  return { files: files.length, objects: objects.length, unchecked, findings, checked, strict };
}


/** The text report: one line per finding, then a summary line. */
export function formatText(report: LintReport): string {
  const lines = report.findings.map((f) =>
    `${location(f)}: ${f.severity} [${f.ruleId}] ${f.object}: ${f.message}${f.fix ? ` Fix: ${f.fix}` : ''}`);
  const errors = report.findings.filter((f) => f.severity === 'error').length;
  const warnings = report.findings.length - errors;
  const strict = report.strict === undefined ? '' : `; strict schemas: ${report.strict.sources.map((s) => `${s.module}@${s.version}`).join(', ')}` +
    ` (${report.strict.unknownKinds} objects of kinds they do not know)`;
  lines.push(`${report.files} files, ${report.objects} objects (${report.unchecked} of kinds no rule checks): ${errors} errors, ${warnings} warnings${strict}`);
  return lines.join('\n') + '\n';
}

/** `file:line:col`, as compilers and linters print it (what editors and CI annotate). */
function location(f: LintFinding): string {
  return `${f.file}${f.line !== undefined ? `:${f.line}${f.column !== undefined ? `:${f.column}` : ''}` : ''}`;
}

const TOOL = { name: 'cdk8s-training', informationUri: 'https://github.com/cdk8s-training/cdk8s-training' };
const INPUT_RULE = { id: 'input', what: 'A file that cannot be read as Kubernetes manifests.', why: 'Nothing in it was checked.', fix: 'Fix or remove the file.' };

/** The package's version (lib/cli and src/cli both sit two folders below package.json). */
export function toolVersion(): string {
  return JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')).version;
}

/**
 * SARIF 2.1.0, for code-scanning upload (GitHub, GitLab, Azure DevOps): one run, the rules
 * that fired as reporting descriptors, one result per finding at its file:line:column.
 */
export function formatSarif(report: LintReport): string {
  const ids = [...new Set(report.findings.map((f) => f.ruleId))].sort();
  const rules = ids.map((id) => {
    const rule = findRule(id) ?? INPUT_RULE;
    return {
      id,
      shortDescription: { text: rule.what },
      fullDescription: { text: rule.why },
      help: { text: rule.fix },
      helpUri: `${TOOL.informationUri}/blob/main/docs/rules.md#${id}`,
      defaultConfiguration: { level: (rule as any).severity ?? 'error' },
    };
  });
  const results = report.findings.map((f) => ({
    ruleId: f.ruleId,
    ruleIndex: ids.indexOf(f.ruleId),
    level: f.severity,
    message: { text: `${f.object}: ${f.message}${f.fix ? ` Fix: ${f.fix}` : ''}` },
    locations: [{
      physicalLocation: {
        artifactLocation: { uri: f.file === STDIN ? 'stdin' : f.file.split(path.sep).join('/') },
        ...(f.line !== undefined ? { region: { startLine: f.line, ...(f.column !== undefined ? { startColumn: f.column } : {}) } } : {}),
      },
      logicalLocations: [{ fullyQualifiedName: f.object, kind: 'resource' }],
    }],
  }));
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{ tool: { driver: { ...TOOL, version: toolVersion(), rules } }, results }],
  };
  return JSON.stringify(log, null, 2) + '\n';
}

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/**
 * JUnit XML, as CI test reports read it: a testsuite per file, a testcase per object read (a
 * clean one passes) and per unreadable input, a failure per object with error findings;
 * warnings are written to system-out.
 */
export function formatJunit(report: LintReport): string {
  const byFile = new Map<string, Map<string, LintFinding[]>>();
  for (const { file, object } of report.checked ?? []) {
    const objects = byFile.get(file) ?? new Map<string, LintFinding[]>();
    objects.set(object, objects.get(object) ?? []);
    byFile.set(file, objects);
  }
  for (const f of report.findings) {
    const objects = byFile.get(f.file) ?? new Map<string, LintFinding[]>();
    objects.set(f.object, [...(objects.get(f.object) ?? []), f]);
    byFile.set(f.file, objects);
  }
  const suites = [...byFile.entries()].map(([file, objects]) => {
    const cases = [...objects.entries()].map(([object, findings]) => {
      const errors = findings.filter((f) => f.severity === 'error');
      const warnings = findings.filter((f) => f.severity === 'warning');
      const failure = errors.length === 0 ? '' :
        `<failure type="${xml(errors.map((f) => f.ruleId).join(' '))}" message="${xml(`${errors.length} error(s)`)}">` +
        `${xml(errors.map((f) => `${location(f)}: [${f.ruleId}] ${f.message}${f.fix ? ` Fix: ${f.fix}` : ''}`).join('\n'))}</failure>`;
      const out = warnings.length === 0 ? '' :
        `<system-out>${xml(warnings.map((f) => `${location(f)}: warning [${f.ruleId}] ${f.message}${f.fix ? ` Fix: ${f.fix}` : ''}`).join('\n'))}</system-out>`;
      return `    <testcase classname="${xml(file)}" name="${xml(object)}">${failure}${out}</testcase>`;
    });
    const failures = [...objects.values()].filter((list) => list.some((f) => f.severity === 'error')).length;
    return `  <testsuite name="${xml(file)}" tests="${objects.size}" failures="${failures}" errors="0" skipped="0">\n${cases.join('\n')}\n  </testsuite>`;
  });
  const tests = [...byFile.values()].reduce((n, objects) => n + objects.size, 0);
  const failures = [...byFile.values()].reduce((n, objects) => n + [...objects.values()].filter((l) => l.some((f) => f.severity === 'error')).length, 0);
  return '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<testsuites name="cdk8s-training lint" tests="${tests}" failures="${failures}" errors="0">\n${suites.join('\n')}${suites.length ? '\n' : ''}</testsuites>\n`;
}

/**
 * The field a finding is about when its message starts with a JSON path
 * (`spec.template.spec container 'trainer' ...`): that path, narrowed to the named container
 * where there is one. The rules write their messages this way.
 */
export function pathInMessage(message: string, object: any): Array<string | number> | undefined {
  const match = /^((?:spec|metadata)(?:\.[A-Za-z0-9_-]+|\[\d+\])*)/.exec(message);
  if (!match) return undefined;
  const fieldPath: Array<string | number> = [];
  for (const part of match[1].matchAll(/([A-Za-z0-9_-]+)|\[(\d+)\]/g)) fieldPath.push(part[2] !== undefined ? Number(part[2]) : part[1]);
  const container = /^ container '([^']+)'/.exec(message.slice(match[1].length));
  if (container) {
    let spec: any = object;
    for (const key of fieldPath) spec = spec?.[key];
    for (const list of ['initContainers', 'containers']) {
      const index = (spec?.[list] ?? []).findIndex((c: any) => c?.name === container[1]);
      if (index >= 0) return [...fieldPath, list, index];
    }
  }
  return fieldPath;
}
