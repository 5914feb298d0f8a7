/**
 * Which spot capacity a pod is on, read from its node selection and tolerations against every
 * provider's capacities (knowledge/providers).
 */
import { spotCapacities, SpotCapacity } from './providers';

/** The spot capacities a pod spec selects (nodeSelector) or tolerates (their taint, or every taint). */
export function spotCapacitiesOf(podSpec: any): { selected: SpotCapacity[]; tolerated: SpotCapacity[] } {
  const selector = podSpec?.nodeSelector ?? {};
  const tolerations: any[] = Array.isArray(podSpec?.tolerations) ? podSpec.tolerations : [];
  // A preset that only names another GPU label selects the same nodes as the one it names.
  const capacities = spotCapacities().filter((capacity) => capacity.sameNodesAs === undefined);
  // A preferred node affinity for the label selects it too, with a fallback (SpotScheduling.orOnDemand()).
  const preferred: any[] = podSpec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
  const prefers = (capacity: SpotCapacity) => Array.isArray(preferred) && preferred.some((p: any) => (p?.preference?.matchExpressions ?? [])
    .some((e: any) => e?.key === capacity.labelKey && e?.operator === 'In' && (e?.values ?? []).includes(capacity.labelValue)));
  const selected = capacities.filter((capacity) => selector[capacity.labelKey] === capacity.labelValue || prefers(capacity));
  const tolerated = capacities.filter((capacity) => capacity.taintKey !== undefined &&
    tolerations.some((t) => t?.key === capacity.taintKey || (t?.operator === 'Exists' && (t?.key ?? '') === '')));
  return { selected, tolerated };
}

/** Whether a pod spec selects, tolerates or requires (node affinity In) spot capacity. */
export function onSpotCapacity(podSpec: any): boolean {
  const { selected, tolerated } = spotCapacitiesOf(podSpec);
  const required = podSpec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  const byAffinity = required.some((term: any) => (term?.matchExpressions ?? []).some((e: any) =>
    e?.operator === 'In' && spotCapacities().some((c) => c.labelKey === e.key && (e.values ?? []).includes(c.labelValue))));
  return selected.length > 0 || tolerated.length > 0 || byAffinity;
}
