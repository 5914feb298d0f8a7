import { Rule, RuleContext, RuleMessage } from './rule';
import { containersOf, jobSpecKeys, jobSpecOf } from '../k8s/workloads';
import { ENV_PREEMPTION_EXIT_CODE, SIGTERM_EXIT_CODE } from '../knowledge/contract';
import { SOURCES } from '../knowledge/sources';
import { onSpotCapacity } from '../knowledge/spot';
import { trainingReason } from '../knowledge/training';

/** The preemption exit code the trainer declares (PREEMPTION_EXIT_CODE), else SIGTERM's. */
function preemptionCode(podSpec: any): number {
  for (const container of containersOf(podSpec)) {
    const value = (container?.env ?? []).find((e: any) => e?.name === ENV_PREEMPTION_EXIT_CODE)?.value;
    if (value !== undefined && /^\d+$/.test(String(value))) return Number(value);
  }
  return SIGTERM_EXIT_CODE;
}

/** Whether podFailurePolicy rules let a pod with the DisruptionTarget condition go uncounted. */
function ignoresDisruption(rules: any[]): boolean {
  return rules.some((r) => r?.action === 'Ignore' &&
    (r?.onPodConditions ?? []).some((c: any) => c?.type === 'DisruptionTarget' && (c?.status ?? 'True') === 'True'));
}

function jobMessages(object: any): RuleMessage[] {
  const spec = jobSpecOf(object);
  const base = jobSpecKeys(object);
  const prefix = base.join('.');
  // The policy if there is one, else backoffLimit (what preemptions use up), else the spec.
  const path = spec?.podFailurePolicy !== undefined ? [...base, 'podFailurePolicy'] : spec?.backoffLimit !== undefined ? [...base, 'backoffLimit'] : base;
  const rules: any[] = spec?.podFailurePolicy?.rules ?? [];
  const backoff = spec?.backoffLimit ?? 6;
  const code = preemptionCode(spec?.template?.spec);
  const disruption = `${prefix} has no podFailurePolicy rule that ignores DisruptionTarget: every reclaimed node or drain counts against backoffLimit (${backoff}), ` +
    (backoff === 0 ? 'so one preemption fails a healthy run' : 'so a few preemptions fail a healthy run');
  const ignoreDisruption = '{action: Ignore, onPodConditions: [{type: DisruptionTarget}]}';
  const ignoreCode = `{action: Ignore, onExitCodes: {containerName: <trainer>, operator: In, values: [${code}]}}`;
  if (spec?.podFailurePolicy === undefined) {
    // No policy at all: one finding, one change (the policy) with both of its rules.
    return [{
      message: `${disruption}; nor one that ignores exit ${code}, so a trainer that exits ${code} after its emergency checkpoint (SIGTERM at preemption) ` +
        'counts too, and one that exits 0 there marks the unfinished Job Succeeded.',
      fix: `Add ${prefix}.podFailurePolicy with the rules ${ignoreDisruption} and ${ignoreCode} (with restartPolicy Never in the pod template), ` +
        `and make the trainer exit ${code} (never 0) after saving on SIGTERM.`,
      path,
    }];
  }
  // With a policy, preemption-exit-code reports a code it does not ignore.
  if (ignoresDisruption(rules)) return [];
  return [{
    message: `${disruption}.`,
    fix: `Add to ${prefix}.podFailurePolicy.rules: ${ignoreDisruption} (with restartPolicy Never in the pod template).`,
    path,
  }];
}

function pyTorchJobMessages(object: any): RuleMessage[] {
  const messages: RuleMessage[] = [];
  for (const [role, replica] of Object.entries<any>(object.spec?.pytorchReplicaSpecs ?? {})) {
    const policy = replica?.restartPolicy ?? 'OnFailure';
    const written = replica?.restartPolicy === undefined ? ' (the operator\'s default)' : '';
    const path = ['spec', 'pytorchReplicaSpecs', role, ...(replica?.restartPolicy === undefined ? [] : ['restartPolicy'])];
    if (policy === 'Never') {
      messages.push({
        message: `spec.pytorchReplicaSpecs.${role}.restartPolicy is Never${written}: one preempted ${role} pod fails the whole PyTorchJob.`,
        fix: `Set spec.pytorchReplicaSpecs.${role}.restartPolicy: ExitCode and make the trainer exit 143 (128 or more) after saving on SIGTERM.`,
        path,
      });
    }
    // OnFailure (the operator's default) survives preemption: a failed pod is deleted and
    // recreated (common/pod.go ReconcilePods), and runPolicy.backoffLimit, only when set, counts
    // the in-place container restarts of running pods (core/job.go PastBackoffLimit), which a
    // reclaimed pod does not have. What it does not do is tell a crash from a preemption.
    // ExitCode and Always are handled by the pytorchjob rule.
  }
  return messages;
}

function jobSetMessages(object: any): RuleMessage[] {
  const isRuntime = object.kind !== 'JobSet';
  const spec = isRuntime ? object.spec?.template?.spec : object.spec;
  const prefix = isRuntime ? 'spec.template.spec' : 'spec';
  const rules: any[] = spec?.failurePolicy?.rules ?? [];
  if (rules.some((r) => r?.action === 'RestartJobSetAndIgnoreMaxRestarts')) return [];
  // A child Job fails once its failed pods outrun its backoffLimit (6 unless set: neither JobSet
  // nor Trainer defaults it); a preemption fails the preempted pod (unless the child ignores
  // DisruptionTarget) and, in a distributed run, the peers it leaves behind. Each failed child
  // Job restarts the whole set against maxRestarts, and past it fails the JobSet.
  const jobs: any[] = (Array.isArray(spec?.replicatedJobs) ? spec.replicatedJobs : []).filter((job: any) => job?.template?.spec !== undefined);
  if (jobs.length === 0) return [];
  const backoff = Math.min(...jobs.map((job: any) => (typeof job.template.spec.backoffLimit === 'number' ? job.template.spec.backoffLimit : 6)));
  const maxRestarts = typeof spec?.failurePolicy?.maxRestarts === 'number' ? spec.failurePolicy.maxRestarts : 0;
  const consequence = backoff === 0 && maxRestarts === 0
    ? 'one failed pod fails its child Job (backoffLimit 0) and with it the JobSet (maxRestarts 0): a single reclaimed node fails the run.'
    : (backoff === 0 ? 'a child Job fails with its first failed pod (backoffLimit 0), and ' : `a child Job fails once ${backoff + 1} of its pods have failed (backoffLimit ${backoff}), and `) +
      (maxRestarts === 0 ? 'that fails the JobSet (maxRestarts 0)' : `each failed child Job restarts the whole set, at most ${maxRestarts} times (maxRestarts ${maxRestarts})`) +
      '; a preemption fails the preempted pod and, in a distributed run, its peers: a few reclaimed nodes fail the run.';
  return [{
    message: `${prefix}.failurePolicy has no RestartJobSetAndIgnoreMaxRestarts rule: ${consequence}`,
    fix: `Give the child Jobs a podFailurePolicy that turns DisruptionTarget and exit 143 into FailJob, and add to ${prefix}.failurePolicy.rules ` +
      '{name: preemption, action: RestartJobSetAndIgnoreMaxRestarts, onJobFailureReasons: [PodFailurePolicy]} (DistributedPyTorchJob writes both).',
    path: [...(isRuntime ? ['spec', 'template', 'spec'] : ['spec']), ...(spec?.failurePolicy ? ['failurePolicy'] : [])],
  }];
}

/** Whether any pod of the object selects or tolerates spot capacity. */
function onSpot(object: any, context: RuleContext): boolean {
  return context.workloads.podTemplatesOf(object).some((ref) => onSpotCapacity(ref.template?.spec));
}

/**
 * The failure the library exists for: on spot capacity, a training workload whose failure
 * policy counts preemptions.
 */
export const preemptionPolicy: Rule = {
  id: 'preemption-policy',
  sources: [
    SOURCES.jobController, SOURCES.operatorCommon, SOURCES.operatorPods, SOURCES.operatorBackoff,
    SOURCES.jobsetFailurePolicy, SOURCES.preemptionContract,
  ],
  kinds: ['Job', 'CronJob', 'PyTorchJob', 'JobSet', 'TrainingRuntime', 'ClusterTrainingRuntime'],
  severity: 'warning',
  severityFor: (object, context) => (onSpot(object, context) ? 'error' : 'warning'),
  what: 'A training workload counts preemptions as failures: a Job without an Ignore rule for DisruptionTarget or its preemption exit code, ' +
    'a PyTorchJob replica whose restartPolicy is Never, a JobSet whose failurePolicy counts preemption restarts (error on spot capacity).',
  why: 'A reclaimed node or a graceful preemption uses up the retry budget, so a few preemptions fail a healthy run and waste the GPU-hours spent.',
  fix: 'Ignore DisruptionTarget and the preemption exit code in the podFailurePolicy (Jobs), use restartPolicy ExitCode (PyTorchJob), ' +
    'or restart JobSets with RestartJobSetAndIgnoreMaxRestarts; each finding names its own change.',
  example: `kind: Job
spec:
  backoffLimit: 2          # no podFailurePolicy: each preemption counts
  template:
    spec:
      containers:
        - name: trainer
          resources: {limits: {nvidia.com/gpu: 1}}`,
  check(object, context) {
    // A plain batch Job (a migration, a report) gets no training advice.
    if (trainingReason(context.workloads, object) === undefined) return [];
    if (jobSpecOf(object)) return jobMessages(object);
    if (object?.kind === 'PyTorchJob') return pyTorchJobMessages(object);
    if (object?.kind === 'JobSet' || object?.kind === 'TrainingRuntime' || object?.kind === 'ClusterTrainingRuntime') return jobSetMessages(object);
    return [];
  },
};
