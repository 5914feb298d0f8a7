import * as fs from 'fs';
import { ALL_RULES } from './engine';
import { ADVICE, Advice } from '../advice';
import { Rule } from './rule';

/** The rules reference (docs/rules.md), rendered from the rule definitions so it cannot drift. */
export function renderRulesReference(rules: Rule[] = ALL_RULES, advice: Advice[] = ADVICE): string {
  const lines = [
    '# Rules reference',
    '',
    '<!-- Generated from src/rules by `npx projen docs:rules`; do not edit by hand. -->',
    '',
    'Every rule runs at synth in the constructs, in the cdk8s validation plugin and in',
    '`cdk8s-training lint`. Opt out per construct with `acknowledgeRule(id, reason)`, or per',
    'object with the annotation `acknowledge.cdk8s-training.io/<id>: <reason>`.',
    '',
    '| id | severity | RULEBOOK | what |',
    '|---|---|---|---|',
    ...rules.map((rule) => `| [\`${rule.id}\`](#${rule.id}) | ${rule.severity} | ${rule.rulebook.join(', ') || '-'} | ${rule.what} |`),
  ];
  for (const rule of rules) {
    lines.push(
      '',
      `## ${rule.id}`,
      '',
      `**${rule.severity}**${rule.rulebook.length > 0 ? ` (RULEBOOK ${rule.rulebook.join(', ')})` : ''}` +
        (rule.refusedBy ? `; refused by ${rule.refusedBy}, so it cannot be acknowledged` : '; advisory: it can be acknowledged'),
      '',
      `- What: ${rule.what}`,
      `- Why: ${rule.why}`,
      `- Fix: ${rule.fix}`,
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
