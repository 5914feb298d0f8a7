/**
 * Where the pod templates of the workload kinds live, so pod rules apply to every one of them
 * (RULEBOOK G2: the apiserver does not check templates inside custom resources).
 */

/** A pod template inside a workload object. */
export interface PodTemplateRef {
  /** JSON path of the template, for messages. */
  readonly path: string;
  readonly template: any;
  /** How many pods of this template can run at once. */
  readonly concurrentPods: number;
  /** A Trainer runtime's dataset or model initializer: it prepares inputs and does not train. */
  readonly initializer?: boolean;
}

/** The Job spec inside a Job or a CronJob, if any. */
export function jobSpecOf(object: any): any | undefined {
  if (object?.kind === 'Job' && object.apiVersion === 'batch/v1') return object.spec;
  if (object?.kind === 'CronJob' && object.apiVersion === 'batch/v1') return object.spec?.jobTemplate?.spec;
  return undefined;
}

/** The metadata a Job's controller reads for a Job or a CronJob's job template. */
export function jobMetadataOf(object: any): any | undefined {
  if (object?.kind === 'Job') return object.metadata;
  if (object?.kind === 'CronJob') return object.spec?.jobTemplate?.metadata;
  return undefined;
}

/** Every pod template of a workload object. */
export function podTemplatesOf(object: any): PodTemplateRef[] {
  if (object === null || typeof object !== 'object') return [];
  const job = jobSpecOf(object);
  if (job) {
    const prefix = object.kind === 'CronJob' ? 'spec.jobTemplate.spec' : 'spec';
    return job.template ? [{ path: `${prefix}.template`, template: job.template, concurrentPods: Math.max(1, job.parallelism ?? 1) }] : [];
  }
  if (object.kind === 'PyTorchJob' && typeof object.apiVersion === 'string' && object.apiVersion.startsWith('kubeflow.org/')) {
    const specs = object.spec?.pytorchReplicaSpecs ?? {};
    const total = Object.values(specs).reduce((sum: number, spec: any) => sum + (spec?.replicas ?? 1), 0);
    return Object.entries(specs)
      .filter(([, spec]: [string, any]) => spec?.template)
      .map(([role, spec]: [string, any]) => ({ path: `spec.pytorchReplicaSpecs.${role}.template`, template: spec.template, concurrentPods: total }));
  }
  const jobSet = object.kind === 'JobSet' && String(object.apiVersion).startsWith('jobset.x-k8s.io/') ? object.spec
    : ['TrainingRuntime', 'ClusterTrainingRuntime'].includes(object.kind) && String(object.apiVersion).startsWith('trainer.kubeflow.org/')
      ? object.spec?.template?.spec : undefined;
  if (jobSet) {
    const prefix = object.kind === 'JobSet' ? 'spec' : 'spec.template.spec';
    const replicated: any[] = Array.isArray(jobSet.replicatedJobs) ? jobSet.replicatedJobs : [];
    // JobSet volumeClaimPolicies (v0.12): the controller creates each template's claim and adds
    // it as a volume of that name to every pod, so the pod template mounts it undeclared.
    const claimVolumes = (Array.isArray(jobSet.volumeClaimPolicies) ? jobSet.volumeClaimPolicies : [])
      .flatMap((policy: any) => (Array.isArray(policy?.templates) ? policy.templates : []))
      .map((claim: any) => claim?.metadata?.name).filter((name: any) => typeof name === 'string')
      .map((name: string) => ({ name, persistentVolumeClaim: { claimName: name } }));
    const withClaims = (template: any) => {
      if (claimVolumes.length === 0) return template;
      const declared = new Set((template.spec?.volumes ?? []).map((v: any) => v?.name));
      const volumes = [...(template.spec?.volumes ?? []), ...claimVolumes.filter((v: any) => !declared.has(v.name))];
      return { ...template, spec: { ...template.spec, volumes } };
    };
    return replicated.filter((child) => child?.template?.spec?.template).map((child, i) => ({
      path: `${prefix}.replicatedJobs[${i}].template.spec.template`,
      template: withClaims(child.template.spec.template),
      concurrentPods: Math.max(1, (child.replicas ?? 1) * (child.template.spec.parallelism ?? 1)),
      // Trainer's initializers prepare data and models; only the trainer nodes train.
      ...(object.kind !== 'JobSet' && isInitializer(child) ? { initializer: true } : {}),
    }));
  }
  if (object.kind === 'Pod' && object.apiVersion === 'v1') {
    return [{ path: '', template: { metadata: object.metadata, spec: object.spec }, concurrentPods: 1 }];
  }
  return [];
}

/**
 * Trainer v2 marks each replicated job of a runtime with the TrainJob step it runs
 * (`trainer.kubeflow.org/trainjob-ancestor-step`: dataset-initializer, model-initializer or
 * trainer; pkg/constants of kubeflow/trainer v2.3). Without the label, a name ending in
 * `initializer` (the runtimes' own names) is one.
 */
function isInitializer(replicatedJob: any): boolean {
  const step = replicatedJob?.template?.metadata?.labels?.[TRAINJOB_ANCESTOR_STEP];
  if (typeof step === 'string') return INITIALIZER_STEPS.includes(step);
  return typeof replicatedJob?.name === 'string' && /initializer$/.test(replicatedJob.name);
}

const TRAINJOB_ANCESTOR_STEP = 'trainer.kubeflow.org/trainjob-ancestor-step';
const INITIALIZER_STEPS = ['dataset-initializer', 'model-initializer'];

/** Containers and init containers of a pod spec. */
export function containersOf(podSpec: any): any[] {
  return [...(podSpec?.initContainers ?? []), ...(podSpec?.containers ?? [])];
}

/** `Kind/name` of an object, for messages. */
export function describe(object: any): string {
  return `${object?.kind ?? 'object'}/${object?.metadata?.name ?? '(unnamed)'}`;
}

/** The template's pod spec with its path, for each template. */
export function forEachPodSpec(object: any, visit: (podSpec: any, path: string, ref: PodTemplateRef) => void): void {
  for (const ref of podTemplatesOf(object)) {
    visit(ref.template?.spec ?? {}, ref.path ? `${ref.path}.spec` : 'spec', ref);
  }
}

const TRAINING_KINDS: { [kind: string]: string } = {
  PyTorchJob: 'kubeflow.org/',
  TrainJob: 'trainer.kubeflow.org/',
  TrainingRuntime: 'trainer.kubeflow.org/',
  ClusterTrainingRuntime: 'trainer.kubeflow.org/',
};

/** Pod labels the constructs of this library write. */
const LIBRARY_MANAGED_BY = 'cdk8s-training';

/** Whether a pod spec asks for an accelerator (an extended resource ending in /gpu, or a known device). */
export function requestsAccelerator(podSpec: any): boolean {
  return containersOf(podSpec).some((c: any) => Object.keys({ ...(c?.resources?.requests ?? {}), ...(c?.resources?.limits ?? {}) })
    .some((name) => /\/(gpu|tpu|neuron|neuroncore)$/.test(name) || name === 'google.com/tpu'));
}

/** The names of a pod spec's PersistentVolumeClaim (and generic ephemeral) volumes. */
export function claimVolumeNames(podSpec: any): Set<string> {
  return new Set((podSpec?.volumes ?? []).filter((v: any) => v?.persistentVolumeClaim || v?.ephemeral).map((v: any) => v.name));
}

/** Whether a pod spec mounts a PersistentVolumeClaim (or a generic ephemeral volume) in a container. */
export function mountsClaim(podSpec: any): boolean {
  const claims = claimVolumeNames(podSpec);
  return (podSpec?.containers ?? []).some((c: any) => (c?.volumeMounts ?? []).some((m: any) => claims.has(m?.name)));
}

/**
 * Why an object is a training workload, or undefined when it is not (a database migration,
 * a report): the training rules (checkpoint, /dev/shm, preemption policy) apply only to
 * operator training kinds and to workloads whose pods request accelerators, mount a
 * checkpoint claim (`withClaims`), or carry this library's labels.
 */
export function trainingReason(object: any, withClaims = true): string | undefined {
  const group = TRAINING_KINDS[object?.kind];
  if (group !== undefined && String(object?.apiVersion).startsWith(group)) return `a ${object.kind}`;
  for (const ref of podTemplatesOf(object)) {
    const spec = ref.template?.spec;
    if (requestsAccelerator(spec)) return 'its pods request accelerators';
    if (ref.template?.metadata?.labels?.['app.kubernetes.io/managed-by'] === LIBRARY_MANAGED_BY) return 'its pods carry the cdk8s-training labels';
    if (withClaims && mountsClaim(spec)) return 'its pods mount a volume claim (checkpoints)';
  }
  return undefined;
}
