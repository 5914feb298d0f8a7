import { DEFAULT_GRACE_SECONDS, SPOT_CAPACITIES, SpotCapacity } from './knowledge';
import { Rule } from './rule';
import { forEachPodSpec } from './workloads';

/** The spot capacities a pod spec selects or tolerates. */
export function spotCapacitiesOf(podSpec: any): { selected: SpotCapacity[]; tolerated: SpotCapacity[] } {
  const selector = podSpec?.nodeSelector ?? {};
  const tolerations: any[] = podSpec?.tolerations ?? [];
  const selected = SPOT_CAPACITIES.filter((capacity) => selector[capacity.labelKey] === capacity.labelValue);
  const tolerated = SPOT_CAPACITIES.filter((capacity) => capacity.taintKey !== undefined &&
    tolerations.some((t) => t?.key === capacity.taintKey || (t?.operator === 'Exists' && (t?.key ?? '') === '')));
  return { selected, tolerated };
}

/** Spot notice vs terminationGracePeriodSeconds (RULEBOOK P8 and the spot table). */
export const spotGrace: Rule = {
  id: 'spot-grace',
  rulebook: ['P8', 'spot'],
  severity: 'error',
  what: 'A pod that runs on spot capacity has a termination grace period shorter than that capacity\'s notice.',
  why: 'The trainer is killed before it can write its emergency checkpoint, and the work since the last checkpoint is lost.',
  fix: 'Set terminationGracePeriodSeconds to at least the notice (30 s on GKE and AKS, 120 s on EKS and Karpenter).',
  example: `nodeSelector: {eks.amazonaws.com/capacityType: SPOT}
terminationGracePeriodSeconds: 30   # EKS gives 120`,
  check(object) {
    const messages: string[] = [];
    forEachPodSpec(object, (podSpec, path) => {
      const { selected, tolerated } = spotCapacitiesOf(podSpec);
      const grace = podSpec?.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS;
      for (const capacity of new Set([...selected, ...tolerated])) {
        if (grace < capacity.noticeSeconds) {
          messages.push(`${path}.terminationGracePeriodSeconds (${grace}) is below the ${capacity.name} notice of ${capacity.noticeSeconds} seconds.`);
        }
      }
    });
    return messages;
  },
};
