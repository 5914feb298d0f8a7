import { at, EVERY_OBJECT, Rule, RuleMessage } from './rule';
import { ACKNOWLEDGE_PREFIX } from '../knowledge/contract';

/** The rule ids an object opts out of by annotation, with their reasons. */
export function acknowledgedByAnnotation(object: any): Map<string, string> {
  const result = new Map<string, string>();
  const annotations = object?.metadata?.annotations;
  if (annotations === null || typeof annotations !== 'object') return result;
  for (const [key, value] of Object.entries<any>(annotations)) {
    if (key.startsWith(ACKNOWLEDGE_PREFIX) && typeof value === 'string' && value.trim() !== '') {
      result.set(key.slice(ACKNOWLEDGE_PREFIX.length), value);
    }
  }
  return result;
}

/** Builds the rule that checks opt-out annotations against the known rule ids. */
export function acknowledgementRule(knownIds: () => string[], allRules: () => Rule[] = () => []): Rule {
  return {
    id: 'acknowledgement',
    sources: ['docs/lint.md#opting-out'],
    kinds: [EVERY_OBJECT],
    severity: 'error',
    refusedBy: 'this library (an opt-out must name a rule and a reason)',
    what: 'An acknowledge.cdk8s-training.io annotation names no rule of cdk8s-training, or gives no reason.',
    why: 'An opt-out that matches nothing protects nothing, and one without a reason cannot be reviewed.',
    fix: 'Write acknowledge.cdk8s-training.io/<rule-id>: <why the rule does not apply here>.',
    example: 'metadata:\n  annotations:\n    acknowledge.cdk8s-training.io/job-ttl: ""   # a reason is required',
    check(object) {
      const messages: RuleMessage[] = [];
      const annotations = object?.metadata?.annotations ?? {};
      for (const [key, value] of Object.entries<any>(annotations)) {
        if (!key.startsWith(ACKNOWLEDGE_PREFIX)) continue;
        const id = key.slice(ACKNOWLEDGE_PREFIX.length);
        const path = ['metadata', 'annotations', key];
        const refused = allRules().find((rule) => rule.id === id && rule.refusedBy !== undefined);
        if (refused) {
          messages.push(at(path, `annotation '${key}': ${id} cannot be acknowledged, because ${refused.refusedBy} refuses what it finds; fix the object instead.`));
        } else if (!knownIds().includes(id)) {
          messages.push(at(path, `annotation '${key}' names no rule; known rules: see docs/rules.md.`));
        }
        if (typeof value !== 'string' || value.trim() === '') messages.push(at(path, `annotation '${key}' has no reason; the rule still applies.`));
      }
      return messages;
    },
  };
}
