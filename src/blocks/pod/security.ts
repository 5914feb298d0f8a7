/** Who the pods run as: non-root by default (Pod Security "restricted"), or root when a prop says so. */
import * as k8s from '../../k8s/api';
import { invalid } from '../errors';
import { TrainingWorkloadProps } from '../training-workload-props';

export const DEFAULT_RUN_AS_USER = 1000;

/** The security contexts of the pod and of its containers. */
export interface PodSecurity {
  readonly container: k8s.SecurityContext;
  readonly pod: k8s.PodSecurityContext;
}

/** The pod's and the containers' security contexts from `runAsUser`, `runAsGroup`, `fsGroup`, `runAsRoot` and `readOnlyRootFilesystem`. */
export function podSecurity(props: TrainingWorkloadProps): PodSecurity {
  const runAsRoot = props.runAsRoot ?? false;
  const runAsUser = props.runAsUser ?? DEFAULT_RUN_AS_USER;
  if (!runAsRoot && (!Number.isInteger(runAsUser) || runAsUser < 1)) {
    throw invalid('runAsUser', `runAsUser (${runAsUser}) must be a whole number of at least 1 for a non-root pod; set runAsRoot: true for images that need root.`);
  }
  if (runAsRoot && props.runAsUser !== undefined) {
    throw invalid('runAsUser', 'runAsUser and runAsRoot are both set; remove runAsUser to run as root, or runAsRoot to run as that user.');
  }
  for (const [prop, value] of [['runAsGroup', props.runAsGroup], ['fsGroup', props.fsGroup]] as Array<[string, number | undefined]>) {
    if (value !== undefined && (!Number.isInteger(value) || value < 0)) {
      throw invalid(prop, `${prop} (${value}) must be a whole number of at least 0 (a numeric group id, e.g. 1000).`);
    }
    if (value !== undefined && runAsRoot && prop === 'runAsGroup') {
      throw invalid(prop, 'runAsGroup and runAsRoot are both set; remove runAsGroup to run as root, or runAsRoot to run as a user.');
    }
  }
  const runAsGroup = props.runAsGroup ?? runAsUser;
  const fsGroup = props.fsGroup ?? (runAsRoot ? undefined : runAsGroup);
  return {
    container: {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      readOnlyRootFilesystem: props.readOnlyRootFilesystem ?? false,
      runAsNonRoot: runAsRoot ? undefined : true,
    },
    pod: {
      runAsNonRoot: runAsRoot ? undefined : true,
      runAsUser: runAsRoot ? undefined : runAsUser,
      runAsGroup: runAsRoot ? undefined : runAsGroup,
      fsGroup,
      fsGroupChangePolicy: props.fsGroupChangePolicy,
      seccompProfile: { type: 'RuntimeDefault' },
    },
  };
}
