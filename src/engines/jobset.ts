/**
 * JobSet (v0.12): a plain jobset.x-k8s.io JobSet running torchrun, for clusters without
 * Kubeflow. Trainer v2 (trainer-v2.ts) builds its runtime from the same JobSet spec.
 */
import { GroupVersionKind } from 'cdk8s';
import { Construct } from 'constructs';
import { DistributedPyTorchJobProps } from './distributed-pytorch-job-props';
import { EngineObjects, EngineRun, EngineStrategy, PodBuilder, TORCH_ENV, workloadObject } from './engine';
import { advise } from '../blocks/advice';
import { addLabels } from '../blocks/pod/labels';
import { TrainerPod } from '../blocks/pod/trainer-pod';
import { ResolvedPreemptionContract } from '../blocks/preemption-policy';
import { RenderedApiObject } from '../blocks/rendered-api-object';
import * as k8s from '../k8s/api';
import { humanDuration } from '../k8s/duration';
import { FieldPath } from '../k8s/paths';
import { PodTemplateRef, templateAt, volumeClaimTemplates, WorkloadKind } from '../k8s/workloads';
import { DISRUPTION_TARGET, JOB_COMPLETION_INDEX_ANNOTATION, JOBSET_GLOBAL_INDEX_ANNOTATION, TRAINJOB_ANCESTOR_STEP_LABEL, TRAINJOB_INITIALIZER_STEPS } from '../knowledge/controllers';

const JOBSET_MASTER_PORT = 29500;

/** The custom resource this engine writes. */
export const JOBSET_GVK: GroupVersionKind = { apiVersion: 'jobset.x-k8s.io/v1alpha2', kind: 'JobSet' };

/**
 * The pod templates of a JobSet spec at `keys`: one per replicated job, `replicas x parallelism`
 * pods at once. JobSet volumeClaimPolicies (v0.12): the controller creates each template's
 * claim and adds it as a volume of that name to every pod, so the pod template mounts it
 * undeclared. A Trainer runtime's dataset and model initializers prepare inputs and do not
 * train (`trainer.kubeflow.org/trainjob-ancestor-step`, or a name ending in `initializer`).
 */
export function jobSetTemplates(jobSet: any, keys: FieldPath, withInitializers: boolean): PodTemplateRef[] {
  const replicated: any[] = Array.isArray(jobSet?.replicatedJobs) ? jobSet.replicatedJobs : [];
  const claimVolumes = volumeClaimTemplates(jobSet)
    .map((claim: any) => claim?.metadata?.name).filter((name: any) => typeof name === 'string')
    .map((name: string) => ({ name, persistentVolumeClaim: { claimName: name } }));
  const withClaims = (template: any) => {
    if (claimVolumes.length === 0) return template;
    const declared = new Set((template.spec?.volumes ?? []).map((v: any) => v?.name));
    const volumes = [...(template.spec?.volumes ?? []), ...claimVolumes.filter((v: any) => !declared.has(v.name))];
    return { ...template, spec: { ...template.spec, volumes } };
  };
  const refs: PodTemplateRef[] = [];
  replicated.forEach((child, i) => {
    if (!child?.template?.spec?.template) return;
    refs.push(templateAt([...keys, 'replicatedJobs', i, 'template', 'spec', 'template'], withClaims(child.template.spec.template),
      Math.max(1, (child.replicas ?? 1) * (child.template.spec.parallelism ?? 1)), withInitializers && isInitializer(child)));
  });
  return refs;
}

function isInitializer(replicatedJob: any): boolean {
  const step = replicatedJob?.template?.metadata?.labels?.[TRAINJOB_ANCESTOR_STEP_LABEL];
  if (typeof step === 'string') return TRAINJOB_INITIALIZER_STEPS.includes(step);
  return typeof replicatedJob?.name === 'string' && /initializer$/.test(replicatedJob.name);
}

const JOBSET: WorkloadKind = {
  group: 'jobset.x-k8s.io',
  kind: 'JobSet',
  podTemplates: (object) => (object.spec ? jobSetTemplates(object.spec, ['spec'], false) : []),
};

/** What the JobSet-based engines cannot express, whichever they are. */
export function jobSetUnsupported(props: DistributedPyTorchJobProps, elasticWhy: string): Array<[string, boolean, string]> {
  return [
    ['elastic', props.elastic !== undefined, elasticWhy],
    ['restartPolicy', props.restartPolicy !== undefined, 'restarts are decided by the JobSet failurePolicy the library writes'],
    ['cleanPodPolicy', props.cleanPodPolicy !== undefined, 'finished pods are cleaned up with their Jobs'],
    ['gangScheduling', props.gangScheduling !== undefined, 'this library does not write its pod-group policy yet'],
  ];
}

/** The workload object, its trainer pod and the JobSet spec both JobSet-based engines emit. */
export function jobSetParts(
  scope: Construct, run: EngineRun, buildPod: PodBuilder, gvk: { apiVersion: string; kind: string },
  torchEnv: (name: string) => k8s.EnvVar[], jobTemplateLabels?: k8s.Labels, layout: NodeLayout = SHARED_TEMPLATE,
): { workload: RenderedApiObject; pod: TrainerPod; jobSetSpec: JobSetSpec } {
  const { props, nodes } = run;
  const split = layout === MASTER_APART && nodes > 1;
  // The longest pod hostname, `<name>-<replicated job>-<job index>-<completion index>`.
  const lastHost = split ? longest(`${MASTER_JOB}-0-0`, `${NODE_JOB}-${nodes - 2}-0`) : `${NODE_JOB}-0-${nodes - 1}`;
  const workload = workloadObject(scope, gvk, props.name, lastHost);
  const name = workload.name;
  const identity = {
    workloadName: name,
    containerName: NODE_JOB,
    component: 'distributed-training',
    restartPolicy: 'Never' as const,
    concurrentPods: nodes,
  };
  const contribution = { command: run.command(name), env: torchEnv(name), reservedEnv: TORCH_ENV };
  const pod = buildPod(props, identity, contribution);
  const options = {
    containerName: NODE_JOB,
    maxRestarts: run.backoffLimit,
    activeDeadlineSeconds: run.activeDeadlineSeconds,
    jobTemplateLabels,
  };
  let jobSetSpec: JobSetSpec;
  if (split) {
    // Rank 0 on on-demand capacity of the Workers' provider, with their grace period (the
    // ranks agree on the save window) and their GPU model label.
    const masterPod = buildPod({
      ...props, capacity: undefined, spot: pod.spot._onDemandBeside(), provider: pod.provider, terminationGracePeriod: pod.terminationGracePeriod,
    }, identity, contribution);
    const master = trainingJobSetSpec({ ...options, pod: masterPod, nodes: 1, jobName: MASTER_JOB });
    const workers = trainingJobSetSpec({ ...options, pod, nodes: 1, jobName: NODE_JOB, replicas: nodes - 1 });
    jobSetSpec = { ...master, replicatedJobs: [...master.replicatedJobs, ...workers.replicatedJobs] };
  } else {
    jobSetSpec = trainingJobSetSpec({ ...options, pod, nodes });
  }
  addLabels(workload, pod.workloadLabels);
  return { workload, pod, jobSetSpec };
}

function longest(a: string, b: string): string {
  return a.length >= b.length ? a : b;
}

/**
 * How a JobSet lays out the nodes: one Indexed Job of `nodes` pods sharing a template, or
 * rank 0 apart (`onDemandMaster`): a one-pod `master` Job with its own placement, then
 * `nodes - 1` one-pod `node` Jobs. JobSet numbers the Jobs of all replicated jobs in their
 * order (the `jobset.sigs.k8s.io/job-global-index` annotation of each pod, JobSet v0.12
 * globalJobIndex), which is then the node rank.
 */
export type NodeLayout = 'shared-template' | 'master-apart';
export const SHARED_TEMPLATE: NodeLayout = 'shared-template';
export const MASTER_APART: NodeLayout = 'master-apart';

export const jobSetEngine: EngineStrategy = {
  id: 'jobset',
  displayName: 'JobSet',
  kinds: [JOBSET],
  crds: [{ module: 'sigs.k8s.io/jobset', files: [{ path: 'config/components/crd/bases/jobset.x-k8s.io_jobsets.yaml' }] }],

  unsupported: (props) => jobSetUnsupported(props, 'a JobSet runs a fixed number of nodes'),

  validate: () => undefined,

  masterOnCommandLine: () => false,

  // The JobSet failurePolicy counts restarts against maxRestarts (backoffLimit).
  launcherCountsCrashes: () => false,

  build(scope: Construct, run: EngineRun, buildPod: PodBuilder): EngineObjects {
    // The library sets what torchrun reads: node rank from the completion index (or, with
    // rank 0 apart, from the Job's global index), rank 0 through the JobSet's headless service.
    const layout = run.props.onDemandMaster === true && run.nodes > 1 ? MASTER_APART : SHARED_TEMPLATE;
    const rankFrom = layout === MASTER_APART ? JOBSET_GLOBAL_INDEX_ANNOTATION : JOB_COMPLETION_INDEX_ANNOTATION;
    const rankZero = layout === MASTER_APART ? MASTER_JOB : NODE_JOB;
    const torchEnv = (name: string) => [
      { name: 'PET_NNODES', value: String(run.nodes) },
      { name: 'PET_NPROC_PER_NODE', value: String(run.processesPerNode) },
      { name: 'PET_NODE_RANK', valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${rankFrom}']` } } },
      { name: 'PET_MASTER_ADDR', value: `${name}-${rankZero}-0-0.${name}` },
      { name: 'PET_MASTER_PORT', value: String(JOBSET_MASTER_PORT) },
    ];
    const { workload, pod, jobSetSpec } = jobSetParts(scope, run, buildPod, JOBSET_GVK, torchEnv, undefined, layout);
    workload._setSpec({
      ...jobSetSpec, ttlSecondsAfterFinished: run.ttlSeconds, ...(run.props.suspend !== undefined ? { suspend: run.props.suspend } : {}),
    });
    advise(scope, 'jobset-deadline', `JobSet has no whole-run deadline: activeDeadline (${humanDuration(run.activeDeadline)}) ` +
      'bounds each attempt, and preemption restarts do not count against backoffLimit.');
    return { workload, pod };
  },
};

/** Name of the replicated job that runs the training nodes (the Trainer v2 convention). */
export const NODE_JOB = 'node';

/** Name of the replicated job that runs rank 0 alone (`onDemandMaster` on the JobSet engine). */
export const MASTER_JOB = 'master';

/** The fields of a JobSet spec the library writes. */
export interface JobSetSpec {
  network: { enableDNSHostnames: boolean };
  failurePolicy: {
    maxRestarts: number;
    rules: Array<{ name: string; action: string; onJobFailureReasons: string[]; onJobFailureMessagePatterns?: string[] }>;
  };
  replicatedJobs: Array<{ name: string; replicas: number; template: { metadata?: k8s.ObjectMeta; spec: k8s.JobSpec } }>;
}

export interface JobSetSpecOptions {
  readonly pod: TrainerPod;
  readonly containerName: string;
  readonly nodes: number;
  /** Restarts of the whole set for real failures (failurePolicy.maxRestarts). */
  readonly maxRestarts: number;
  readonly activeDeadlineSeconds: number;
  readonly jobTemplateLabels?: k8s.Labels;
  /** The replicated job's name. @default NODE_JOB */
  readonly jobName?: string;
  /** How many Jobs of `nodes` pods it runs. @default 1 */
  readonly replicas?: number;
}

/**
 * The JobSet spec both JobSet-based engines use (a plain JobSet, and Trainer v2's runtime
 * template): one Indexed Job of `nodes` pods. A lost rank stops the whole gang, so the child
 * Job turns a disruption or the contract exit code into a FailJob with a recognisable
 * message, and the JobSet restarts from the checkpoint without counting it; configuration
 * errors fail the set; other failures restart it, counted against maxRestarts.
 *
 * The wire format (JobSet v0.12's JSON names), held to the CRD by the strict schema check.
 */
export function trainingJobSetSpec(options: JobSetSpecOptions): JobSetSpec {
  const contract: ResolvedPreemptionContract = options.pod.contract;
  const onExitCodes = (values: number[]) => ({ containerName: options.containerName, operator: 'In', values });
  const podFailureRules: k8s.PodFailurePolicyRule[] = [
    { action: 'FailJob', onPodConditions: [{ type: DISRUPTION_TARGET, status: 'True' }] },
    { action: 'FailJob', onExitCodes: onExitCodes([contract.exitCode]), onPodConditions: [] },
  ];
  if (contract.nonRetriableExitCodes.length > 0) {
    podFailureRules.push({ action: 'FailJob', onExitCodes: onExitCodes(contract.nonRetriableExitCodes), onPodConditions: [] });
  }
  return {
    network: { enableDNSHostnames: true },
    failurePolicy: {
      maxRestarts: options.maxRestarts,
      rules: [
        {
          name: 'preemption',
          action: 'RestartJobSetAndIgnoreMaxRestarts',
          onJobFailureReasons: ['PodFailurePolicy'],
          // The Job controller's messages for the first two podFailurePolicy rules.
          onJobFailureMessagePatterns: [
            'has condition DisruptionTarget matching FailJob rule at index 0',
            `failed with exit code ${contract.exitCode} matching FailJob rule at index 1`,
          ],
        },
        ...(contract.nonRetriableExitCodes.length > 0
          // Rule names are checked by the JobSet webhook: letters, digits, '_', ',' and ':' only.
          ? [{ name: 'configuration_error', action: 'FailJobSet', onJobFailureReasons: ['PodFailurePolicy'] }]
          : []),
      ],
    },
    replicatedJobs: [{
      name: options.jobName ?? NODE_JOB,
      replicas: options.replicas ?? 1,
      template: {
        ...(options.jobTemplateLabels ? { metadata: { labels: options.jobTemplateLabels } } : {}),
        spec: {
          completionMode: 'Indexed',
          completions: options.nodes,
          parallelism: options.nodes,
          // Any other pod failure fails the Job at once; the JobSet restarts the gang.
          backoffLimit: 0,
          activeDeadlineSeconds: options.activeDeadlineSeconds,
          podFailurePolicy: { rules: podFailureRules },
          template: options.pod.template,
        },
      },
    }],
  };
}
