/** The rules reference (docs/rules.md), rendered from the rule definitions so it cannot drift. */
import * as fs from 'fs';
import { ADVICE, Advice } from '../blocks/advice';
import { ALL_RULES } from '../rules';
import { EVERY_OBJECT, Rule, WORKLOADS } from '../rules/rule';

/** A source as a Markdown link from docs/: upstream files by their path at the tag, the project's pages by name. */
function sourceLink(source: string): string {
  if (source.startsWith('docs/')) return `[${source.slice('docs/'.length)}](${source.slice('docs/'.length)})`;
  const github = /^https:\/\/github\.com\/([^/]+\/[^/]+)\/blob\/([^/]+)\/(.+)$/.exec(source);
  if (github) return `[${github[1]} ${github[2]} ${github[3]}](${source})`;
  return `<${source}>`;
}

function kindsText(rule: Rule): string {
  return rule.kinds.map((kind) => (kind === WORKLOADS ? 'every workload kind' : kind === EVERY_OBJECT ? 'every object' : kind)).join(', ');
}

export function renderRulesReference(rules: Rule[] = ALL_RULES, advice: Advice[] = ADVICE): string {
  const lines = [
    '# Rules reference',
    '',
    '<!-- Generated from src/rules by `npx projen docs:rules`; do not edit by hand. -->',
    '',
    'Every rule runs at synth in the constructs, in the cdk8s validation plugin and in',
    '`cdk8s-training lint`. Opt out per construct with `acknowledgeRule(id, reason)`, or per',
    'object with the annotation `acknowledge.cdk8s-training.io/<id>: <reason>` (see [lint.md](lint.md)).',
    'Each rule names the upstream code or documentation its claim comes from, at the versions the',
    'project pins.',
    '',
    '| id | severity | checks | what |',
    '|---|---|---|---|',
    ...rules.map((rule) => `| [\`${rule.id}\`](#${rule.id}) | ${rule.severity} | ${kindsText(rule)} | ${rule.what} |`),
  ];
  for (const rule of rules) {
    lines.push(
      '',
      `## ${rule.id}`,
      '',
      `**${rule.severity}**` +
        (rule.refusedBy ? `; refused by ${rule.refusedBy}, so it cannot be acknowledged` : '; advisory: it can be acknowledged'),
      '',
      `- What: ${rule.what}`,
      `- Why: ${rule.why}`,
      `- Fix: ${rule.fix}`,
      `- Checks: ${kindsText(rule)}`,
      `- Source: ${rule.sources.map(sourceLink).join(', ')}`,
      '',
      'Example of a violation:',
      '',
      '```yaml',
      rule.example,
      '```',
    );
  }
  lines.push(
    '',
    '# Construct warnings',
    '',
    'The constructs also warn about their props where the YAML alone does not show the problem.',
    'They are reported once per synth, as `[warning <id>] ...`, and `acknowledgeRule(id, reason)`',
    'turns them off for a construct like a rule. `cdk8s-training lint` does not report them.',
    '',
    '| id | what | fix |',
    '|---|---|---|',
    ...advice.map((a) => `| \`${a.id}\` | ${a.what} | ${a.fix} |`),
  );
  return lines.join('\n') + '\n';
}

/** Writes the rules reference to `path`. */
export function writeRulesReference(path: string): void {
  fs.writeFileSync(path, renderRulesReference());
}
