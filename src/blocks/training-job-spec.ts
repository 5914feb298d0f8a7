import { Duration } from 'cdk8s';
import { invalid } from './errors';
import { KubernetesVersion } from './kubernetes-version';
import { TrainerPod } from './pod/trainer-pod';
import { podFailurePolicyFor } from './preemption-policy';
import { nonNegativeInteger, nonNegativeSeconds, positiveSeconds } from './validation';
import * as k8s from '../k8s/api';
import { compact } from '../k8s/json';

/** Job-level settings as props give them; undefined means "use the construct's default". */
export interface JobSettingsInput {
  readonly backoffLimit?: number;
  readonly activeDeadline?: Duration;
  readonly ttlAfterFinished?: Duration;
  readonly parallelism?: number;
  readonly completions?: number;
  /** What completions count, for messages, when it is not a prop of the construct (a sweep's trials). */
  readonly completionsAre?: string;
}

/** Job-level settings with defaults applied and checked. */
export interface JobSettings {
  readonly backoffLimit: number;
  readonly activeDeadline: Duration;
  readonly ttlAfterFinished: Duration;
  readonly parallelism: number;
  readonly completions: number;
}

/** Applies the construct's defaults and rejects impossible values, naming the prop. */
export function resolveJobSettings(
  input: JobSettingsInput,
  defaults: { backoffLimit: number; activeDeadline: Duration; ttlAfterFinished: Duration },
): JobSettings {
  const backoffLimit = nonNegativeInteger('backoffLimit', input.backoffLimit ?? defaults.backoffLimit, 'it counts real failures only');
  const activeDeadline = input.activeDeadline ?? defaults.activeDeadline;
  positiveSeconds('activeDeadline', activeDeadline, 'Duration.hours(8)');
  const ttlAfterFinished = input.ttlAfterFinished ?? defaults.ttlAfterFinished;
  nonNegativeSeconds('ttlAfterFinished', ttlAfterFinished);
  const completions = input.completions ?? 1;
  if (!Number.isInteger(completions) || completions < 1) {
    throw invalid('completions', `completions (${completions}) must be a whole number of at least 1.`);
  }
  const parallelism = input.parallelism ?? 1;
  if (!Number.isInteger(parallelism) || parallelism < 1) {
    throw invalid('parallelism', `parallelism (${parallelism}) must be a whole number of at least 1.`);
  }
  if (parallelism > completions) {
    throw invalid('parallelism', input.completionsAre === undefined
      ? `parallelism (${parallelism}) must not exceed completions (${completions}); lower parallelism or raise completions.`
      : `parallelism (${parallelism}) must not exceed the ${completions} ${input.completionsAre}; set parallelism to at most ${completions}.`);
  }
  return { backoffLimit, activeDeadline, ttlAfterFinished, parallelism, completions };
}

/** `podReplacementPolicy` for a target: Failed where it is on by default (1.29+), else not emitted. */
export function podReplacementPolicyFor(version: KubernetesVersion): string | undefined {
  return version.isAtLeast(KubernetesVersion.V1_29) ? 'Failed' : undefined;
}

/** Per-construct additions to the Job spec. */
export interface JobSpecOptions {
  /** Extra spec fields (completionMode, suspend...). */
  readonly extra?: { [field: string]: any };
  /** Leave backoffLimit out (per-index retries use backoffLimitPerIndex instead). */
  readonly omitBackoffLimit?: boolean;
  /** What a configuration error does: fail the Job, or only its index. */
  readonly configErrorAction?: 'FailJob' | 'FailIndex';
}

/** The batch/v1 JobSpec every Job-based construct emits. */
export function trainingJobSpec(settings: JobSettings, pod: TrainerPod, containerName: string, options: JobSpecOptions = {}): k8s.JobSpec {
  const spec = compact({
    parallelism: settings.parallelism,
    completions: settings.completions,
    backoffLimit: options.omitBackoffLimit ? undefined : settings.backoffLimit,
    activeDeadlineSeconds: settings.activeDeadline.toSeconds(),
    podReplacementPolicy: podReplacementPolicyFor(pod.kubernetesVersion),
    ...options.extra,
  });
  // The pod template is compacted already (buildTrainerPod): attached as it is, not copied again.
  spec.template = pod.template;
  // Set after compact(): ttlSecondsAfterFinished 0 is a valid choice, and the policy keeps empty lists.
  spec.ttlSecondsAfterFinished = settings.ttlAfterFinished.toSeconds();
  spec.podFailurePolicy = podFailurePolicyFor(containerName, pod.contract, options.configErrorAction);
  return spec;
}
