/**
 * The rules, in the order their findings are reported: the one place that knows them all. A
 * new rule is its own file in this folder and one line here (CONTRIBUTING.md).
 */
import { acknowledgementRule } from './acknowledgement';
import { checkpointVolume } from './checkpoint-volume';
import { configMap } from './configmap';
import { containers } from './containers';
import { cronjobDaylightSaving } from './cronjob-daylight-saving';
import { cronjobDeadline } from './cronjob-deadline';
import { cronjobPolicy, cronjobStartingDeadline } from './cronjob-policy';
import { cronjobSchedule } from './cronjob-schedule';
import { envVars } from './env-vars';
import { fieldTypes } from './field-types';
import { floatingCode } from './floating-code';
import { gpuModelLabel } from './gpu-model-label';
import { gpuResources } from './gpu-resources';
import { jobCounts } from './job-counts';
import { jobDeadline } from './job-deadline';
import { jobNameLength } from './job-name-length';
import { jobPodFailurePolicy } from './job-pod-failure-policy';
import { jobRestartPolicy } from './job-restart-policy';
import { jobSelector } from './job-selector';
import { jobTtl } from './job-ttl';
import { jobSetAdmission } from './jobset-admission';
import { jobSetFeatureGates } from './jobset-feature-gates';
import { kueueLabels } from './kueue-labels';
import { labels } from './labels';
import { literalSecret } from './literal-secret';
import { nodeSelection } from './node-selection';
import { preemptionExitCode } from './preemption-exit-code';
import { preemptionPolicy } from './preemption-policy';
import { priority } from './priority';
import { pvc } from './pvc';
import { pytorchJob } from './pytorchjob';
import { pytorchJobCleanup } from './pytorchjob-cleanup';
import { resourceQuantities } from './resource-quantities';
import { Rule } from './rule';
import { securityContext } from './security-context';
import { servedApiVersion } from './served-api-version';
import { sharedMemory } from './shared-memory';
import { sharedRwoClaim } from './shared-rwo-claim';
import { shellSyntax } from './shell-syntax';
import { spotGrace } from './spot-grace';
import { spotSelection } from './spot-selection';
import { tolerations } from './tolerations';
import { torchrunNnodes } from './torchrun-nnodes';
import { unschedulablePlacement } from './unschedulable-placement';
import { versionGatedFields } from './version-gated-fields';
import { volumes } from './volumes';

export { acknowledgedByAnnotation } from './acknowledgement';

/** Every rule, in the order findings are reported. */
export const ALL_RULES: Rule[] = [
  fieldTypes,
  servedApiVersion,
  jobRestartPolicy,
  jobCounts,
  jobPodFailurePolicy,
  preemptionExitCode,
  preemptionPolicy,
  jobSelector,
  jobNameLength,
  versionGatedFields,
  jobTtl,
  jobDeadline,
  cronjobSchedule,
  cronjobPolicy,
  cronjobStartingDeadline,
  cronjobDeadline,
  cronjobDaylightSaving,
  gpuResources,
  resourceQuantities,
  envVars,
  shellSyntax,
  containers,
  volumes,
  tolerations,
  nodeSelection,
  unschedulablePlacement,
  gpuModelLabel,
  securityContext,
  labels,
  priority,
  sharedMemory,
  pvc,
  pytorchJob,
  pytorchJobCleanup,
  torchrunNnodes,
  jobSetAdmission,
  jobSetFeatureGates,
  configMap,
  sharedRwoClaim,
  spotGrace,
  spotSelection,
  kueueLabels,
  checkpointVolume,
  literalSecret,
  floatingCode,
  acknowledgementRule(() => ALL_RULES.filter((rule) => rule.refusedBy === undefined).map((rule) => rule.id), () => ALL_RULES),
];

/** Looks a rule up by id. */
export function findRule(id: string): Rule | undefined {
  return ALL_RULES.find((rule) => rule.id === id);
}
