import { at, Rule, RuleMessage, WORKLOADS } from './rule';
import { PROVIDERS } from '../knowledge/providers';
import { spotCapacitiesOf } from '../knowledge/spot';

/** A spot toleration without the node selection that goes with it, or the reverse. */
export const spotSelection: Rule = {
  id: 'spot-selection',
  get sources() {
    return PROVIDERS.flatMap((p) => p.spotCapacities.flatMap((c) => [c.source, ...(c.taintSource ? [c.taintSource] : [])]));
  },
  kinds: [WORKLOADS],
  severity: 'warning',
  what: 'A pod tolerates a spot taint without selecting spot nodes, or selects spot nodes the platform always taints without tolerating the taint.',
  why: 'A toleration alone lets pods land on spot or on-demand nodes by chance; a selector without the toleration of a taint the platform always sets (AKS spot) never schedules. ' +
    'GKE taints spot nodes only where the pool\'s operator asked for it, and Autopilot adds the toleration itself, so a GKE spot selector alone is not flagged.',
  fix: 'Use a SpotScheduling preset, which writes the node selector and the tolerations together.',
  example: `tolerations:
  - {key: cloud.google.com/gke-spot, operator: Equal, value: "true", effect: NoSchedule}
# no nodeSelector cloud.google.com/gke-spot: "true"`,
  check(object, context) {
    const messages: RuleMessage[] = [];
    context.workloads.forEachPodSpec(object, (podSpec, path, _ref, keys) => {
      const { selected, tolerated } = spotCapacitiesOf(podSpec);
      const hasWildcard = (podSpec?.tolerations ?? []).some((t: any) => t?.operator === 'Exists' && (t?.key ?? '') === '');
      if (!hasWildcard) {
        for (const capacity of tolerated.filter((c) => !selected.includes(c))) {
          messages.push(at([...keys, 'tolerations'], `${path} tolerates the ${capacity.name} taint but does not select ${capacity.labelKey}=${capacity.labelValue}.`));
        }
      }
      for (const capacity of selected.filter((c) => c.taintKey !== undefined && !c.taintOptional && !tolerated.includes(c))) {
        messages.push(at([...keys, 'nodeSelector', capacity.labelKey], `${path} selects ${capacity.name} nodes but does not tolerate their ${capacity.taintKey} taint.`));
      }
    });
    return messages;
  },
};
