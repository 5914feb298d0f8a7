import { at, Rule, RuleMessage, WORKLOADS } from './rule';
import { FieldPath, pathText } from '../k8s/paths';
import { isDescendingPath } from '../k8s/syntax';
import { containerRefs } from '../k8s/workloads';
import { SOURCES } from '../knowledge/sources';

const MAX_ID = 2147483647;
const PROFILE_TYPES = ['RuntimeDefault', 'Localhost', 'Unconfined'];
const FS_GROUP_CHANGE_POLICIES = ['OnRootMismatch', 'Always'];
const PROC_MOUNTS = ['Default', 'Unmasked'];

/** A user or group id the apiserver accepts: a whole number from 0 to 2147483647 (IsValidUserID / IsValidGroupID). */
function idProblem(value: unknown, where: string, keys: FieldPath): RuleMessage[] {
  if (value === undefined || value === null) return [];
  if (Number.isInteger(value) && (value as number) >= 0 && (value as number) <= MAX_ID) return [];
  return [at(keys, `${where} (${typeof value === 'object' ? JSON.stringify(value) : value}) must be a whole number from 0 to ${MAX_ID}.`)];
}

/**
 * A seccomp or AppArmor profile (validateSeccompProfileField, ValidateAppArmorProfileField):
 * a type it knows; a localhostProfile with type Localhost only, and then required.
 */
function profileProblems(profile: any, where: string, keys: FieldPath, kind: 'seccomp' | 'AppArmor'): RuleMessage[] {
  if (profile === undefined || profile === null) return [];
  const messages: RuleMessage[] = [];
  const type = profile?.type;
  if (!PROFILE_TYPES.includes(type)) messages.push(at([...keys, 'type'], `${where}.type '${type}' must be one of ${PROFILE_TYPES.join(', ')}.`));
  const local = profile?.localhostProfile;
  const localAt = [...keys, 'localhostProfile'];
  if (type === 'Localhost') {
    if (typeof local !== 'string' || local.trim() === '') {
      messages.push(at(localAt, `${where}.localhostProfile is required with type Localhost (the ${kind} profile's file on the node).`));
    } else if (kind === 'seccomp' && !isDescendingPath(local)) {
      messages.push(at(localAt, `${where}.localhostProfile '${local}' must be a path relative to the kubelet's seccomp folder, without '..'.`));
    } else if (kind === 'AppArmor' && local !== local.trim()) {
      messages.push(at(localAt, `${where}.localhostProfile '${local}' must not be padded with whitespace.`));
    }
  } else if (PROFILE_TYPES.includes(type) && local !== undefined && local !== null) {
    messages.push(at(localAt, `${where}.localhostProfile is only for type Localhost, not ${type}.`));
  }
  return messages;
}

/** Pod and container security contexts as the apiserver validates them. */
export const securityContext: Rule = {
  id: 'security-context',
  sources: [SOURCES.coreValidation],
  kinds: [WORKLOADS],
  severity: 'error',
  refusedBy: 'the apiserver',
  what: 'A security context has a user or group id outside 0-2147483647, a seccomp or AppArmor profile type Kubernetes does not know (or a localhostProfile that does not fit it), an unknown fsGroupChangePolicy or procMount, or allowPrivilegeEscalation false with privileged or CAP_SYS_ADMIN.',
  why: 'The apiserver rejects the pod (for custom resources, the operator fails later with an event); `runtime/default`, the old annotation spelling, is the usual typo.',
  fix: 'Write seccompProfile: {type: RuntimeDefault} (or Localhost with a relative localhostProfile), ids from 0, fsGroupChangePolicy OnRootMismatch or Always, and drop privileged with allowPrivilegeEscalation: false.',
  example: `securityContext:
  seccompProfile:
    type: runtime/default   # RuntimeDefault`,
  check(object, ruleContext) {
    const messages: RuleMessage[] = [];
    ruleContext.workloads.forEachPodSpec(object, (podSpec, _path, _ref, keys) => {
      const pod = podSpec?.securityContext;
      if (pod !== undefined && pod !== null) {
        const podAt = [...keys, 'securityContext'];
        const where = pathText(podAt);
        for (const field of ['runAsUser', 'runAsGroup', 'fsGroup']) messages.push(...idProblem(pod[field], `${where}.${field}`, [...podAt, field]));
        (Array.isArray(pod.supplementalGroups) ? pod.supplementalGroups : []).forEach((gid: unknown, i: number) => {
          messages.push(...idProblem(gid, `${where}.supplementalGroups[${i}]`, [...podAt, 'supplementalGroups', i]));
        });
        if (pod.fsGroupChangePolicy !== undefined && !FS_GROUP_CHANGE_POLICIES.includes(pod.fsGroupChangePolicy)) {
          messages.push(at([...podAt, 'fsGroupChangePolicy'], `${where}.fsGroupChangePolicy '${pod.fsGroupChangePolicy}' must be one of ${FS_GROUP_CHANGE_POLICIES.join(', ')}.`));
        }
        messages.push(...profileProblems(pod.seccompProfile, `${where}.seccompProfile`, [...podAt, 'seccompProfile'], 'seccomp'));
        messages.push(...profileProblems(pod.appArmorProfile, `${where}.appArmorProfile`, [...podAt, 'appArmorProfile'], 'AppArmor'));
      }
      for (const { container, keys: containerKeys } of containerRefs(podSpec, keys)) {
        const context = container?.securityContext;
        if (context === undefined || context === null) continue;
        const where = `${pathText(keys)} container '${container?.name}' securityContext`;
        const contextAt = [...containerKeys, 'securityContext'];
        for (const field of ['runAsUser', 'runAsGroup']) messages.push(...idProblem(context[field], `${where}.${field}`, [...contextAt, field]));
        if (context.procMount !== undefined && !PROC_MOUNTS.includes(context.procMount)) {
          messages.push(at([...contextAt, 'procMount'], `${where}.procMount '${context.procMount}' must be one of ${PROC_MOUNTS.join(', ')}.`));
        }
        messages.push(...profileProblems(context.seccompProfile, `${where}.seccompProfile`, [...contextAt, 'seccompProfile'], 'seccomp'));
        messages.push(...profileProblems(context.appArmorProfile, `${where}.appArmorProfile`, [...contextAt, 'appArmorProfile'], 'AppArmor'));
        if (context.allowPrivilegeEscalation === false) {
          if (context.privileged === true) messages.push(at([...contextAt, 'privileged'], `${where} sets allowPrivilegeEscalation false and privileged true, which contradict each other.`));
          const added: unknown[] = Array.isArray(context.capabilities?.add) ? context.capabilities.add : [];
          if (added.includes('CAP_SYS_ADMIN')) messages.push(at([...contextAt, 'capabilities', 'add'], `${where} sets allowPrivilegeEscalation false and adds CAP_SYS_ADMIN, which contradict each other.`));
        }
      }
    });
    return messages;
  },
};
