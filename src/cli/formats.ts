/** lint's reports: text for people, SARIF for code scanning, JUnit XML for CI test reports. */
import * as fs from 'fs';
import * as path from 'path';
import { LintReport } from './lint';
import { LintFinding, STDIN } from '../findings/manifests';
import { findRule } from '../rules';

/** The text report: one line per finding, then a summary line. */
export function formatText(report: LintReport): string {
  const lines = report.findings.map((f) =>
    `${location(f)}: ${f.severity} [${f.ruleId}] ${f.object}: ${f.message}${f.fix ? ` Fix: ${f.fix}` : ''}`);
  const errors = report.findings.filter((f) => f.severity === 'error').length;
  const warnings = report.findings.length - errors;
  const strict = report.strict === undefined ? '' : `; strict schemas: ${report.strict.sources.map((s) => `${s.module}@${s.version}`).join(', ')}` +
    ` (${report.strict.unknownKinds} objects of kinds they do not know)`;
  lines.push(`${report.files} files, ${report.objects} objects (${report.unchecked} of kinds no rule checks beyond their metadata): ${errors} errors, ${warnings} warnings${strict}`);
  return lines.join('\n') + '\n';
}

/** `file:line:col`, as compilers and linters print it (what editors and CI annotate). */
function location(f: LintFinding): string {
  return `${f.file}${f.line !== undefined ? `:${f.line}${f.column !== undefined ? `:${f.column}` : ''}` : ''}`;
}

const TOOL = { name: 'cdk8s-training', informationUri: 'https://github.com/cdk8s-training/cdk8s-training' };
const INPUT_RULE = { id: 'input', what: 'A file that cannot be read as Kubernetes manifests.', why: 'Nothing in it was checked.', fix: 'Fix or remove the file.' };
const TEMPLATE_RULE = {
  id: 'template',
  what: 'A manifest template: fields with placeholders ($NAME, ${NAME}, {{ }}, <your-...>) had findings.',
  why: 'A placeholder\'s value is not known until the template is rendered, so those findings were left out.',
  fix: 'Lint the rendered manifest (envsubst, helm template) from standard input.',
  severity: 'warning',
};

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
    const rule = findRule(id) ?? (id === TEMPLATE_RULE.id ? TEMPLATE_RULE : INPUT_RULE);
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
