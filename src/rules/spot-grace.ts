import { at, Rule, RuleMessage, WORKLOADS } from './rule';
import { DEFAULT_GRACE_SECONDS } from '../knowledge/controllers';
import { PROVIDERS } from '../knowledge/providers';
import { SOURCES } from '../knowledge/sources';
import { spotCapacitiesOf } from '../knowledge/spot';

/** Spot notice vs terminationGracePeriodSeconds. */
export const spotGrace: Rule = {
  id: 'spot-grace',
  get sources() {
    return [SOURCES.podDefaults, ...PROVIDERS.flatMap((p) => p.spotCapacities.map((c) => c.source))];
  },
  kinds: [WORKLOADS],
  severity: 'error',
  what: 'A pod that runs on spot capacity has a termination grace period shorter than that capacity\'s notice.',
  why: 'The trainer is killed before it can write its emergency checkpoint, and the work since the last checkpoint is lost.',
  fix: 'Set terminationGracePeriodSeconds to at least the notice (30 s on GKE and AKS, 120 s on EKS and Karpenter).',
  example: `nodeSelector: {eks.amazonaws.com/capacityType: SPOT}
terminationGracePeriodSeconds: 30   # EKS gives 120`,
  check(object, context) {
    const messages: RuleMessage[] = [];
    context.workloads.forEachPodSpec(object, (podSpec, path, _ref, keys) => {
      const { selected, tolerated } = spotCapacitiesOf(podSpec);
      const grace = podSpec?.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS;
      for (const capacity of new Set([...selected, ...tolerated])) {
        if (grace < capacity.noticeSeconds) {
          messages.push(at([...keys, 'terminationGracePeriodSeconds'],
            `${path}.terminationGracePeriodSeconds (${grace}) is below the ${capacity.name} notice of ${capacity.noticeSeconds} seconds.`));
        }
      }
    });
    return messages;
  },
};
