/**
 * Where the trainer pods run and how long they get to stop: the capacity (`spot`) and the
 * provider it implies, the node selector (capacity, GPU model, the user's labels), a required
 * node affinity (the user's requirements, and the exclusion of spot nodes for on-demand pods),
 * tolerations, an optional zone spread, and a grace period that covers the notice. No node
 * matching them all is a synth error: such pods would stay Pending.
 */
import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import * as k8s from '../../k8s/api';
import { humanDuration } from '../../k8s/duration';
import { describeConflict, LabelRequirement, labelConflict } from '../../k8s/placement';
import { isLabelKey, isLabelValue } from '../../k8s/syntax';
import { gpuModelFormProblem, NVIDIA_GPU_PRODUCT_LABEL, shortGpuName } from '../../knowledge/gpu';
import { advise } from '../advice';
import { CheckpointOptions } from '../checkpoint-storage';
import { CloudProvider, NodeLabelRequirement } from '../cloud-provider';
import { invalid } from '../errors';
import { SpotScheduling } from '../spot-scheduling';
import { TrainingWorkloadProps } from '../training-workload-props';
import { positiveSeconds } from '../validation';
import { sortKeys } from './labels';

export const MIN_TERMINATION_GRACE = Duration.seconds(30);
const NODE_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

/**
 * The cluster's provider: the construct's prop, else the app's or chart's default, else the
 * one the spot preset implies. A spot preset of another provider is a contradiction.
 */
export function resolveProvider(scope: Construct, props: TrainingWorkloadProps, spot: SpotScheduling): CloudProvider | undefined {
  const provider = props.provider ?? CloudProvider.defaultOf(scope);
  const ofSpot = CloudProvider._ofSpot(spot);
  if (provider !== undefined && ofSpot !== undefined && ofSpot.name !== provider.name) {
    const prop = props.capacity !== undefined ? 'capacity' : 'spot';
    throw invalid(props.provider ? 'provider' : prop,
      `${prop} (${spot.name}) is ${ofSpot.displayName} capacity, but the provider is ${provider.displayName}` +
      `${props.provider ? ' (provider prop)' : ' (CloudProvider.setDefault)'}; no node of the cluster carries its label. ` +
      `Use the ${provider.displayName} spot preset, or set provider to CloudProvider.${ofSpot.name}().`,
    );
  }
  return provider ?? ofSpot;
}

/** The pods' termination grace period: `terminationGracePeriod`, at least the notice; by default the notice, at least 30 s. */
export function terminationGrace(props: TrainingWorkloadProps, spot: SpotScheduling): Duration {
  const notice = spot.notice.toSeconds();
  if (props.terminationGracePeriod === undefined) {
    return Duration.seconds(Math.max(notice, MIN_TERMINATION_GRACE.toSeconds()));
  }
  const grace = positiveSeconds('terminationGracePeriod', props.terminationGracePeriod, 'Duration.seconds(60)');
  if (grace < notice) {
    throw invalid('terminationGracePeriod',
      `terminationGracePeriod (${humanDuration(props.terminationGracePeriod)}) is shorter than the ${spot.name} notice ` +
      `(${humanDuration(spot.notice)}); the trainer would be killed before its emergency checkpoint. ` +
      `Set it to at least ${humanDuration(spot.notice)}, or leave it unset.`,
    );
  }
  return props.terminationGracePeriod;
}

/** Advises when the declared checkpoint save time cannot fit in what the capacity gives a stopping pod. */
export function checkSaveTime(scope: Construct, checkpoint: CheckpointOptions | undefined, spot: SpotScheduling, grace: Duration): void {
  if (checkpoint?.saveTime === undefined) return;
  const save = positiveSeconds('checkpoint.saveTime', checkpoint.saveTime, 'Duration.seconds(20)');
  const window = Math.min(grace.toSeconds(), spot.saveWindow.toSeconds());
  if (save > window) {
    advise(
      scope,
      'checkpoint-save-time',
      `checkpoint.saveTime (${humanDuration(checkpoint.saveTime)}) does not fit in the ${window} seconds a pod gets on ` +
      `${spot.name} (grace ${humanDuration(grace)}, save window ${humanDuration(spot.saveWindow)}): the emergency ` +
      'checkpoint will be cut off.',
    );
  }
}

/** How the pods are placed. */
export interface PodPlacement {
  readonly nodeSelector: k8s.Labels;
  readonly affinity?: k8s.Affinity;
  readonly tolerations: k8s.Toleration[];
}

/** The node selector, required affinity and tolerations, checked to leave some node that matches them all. */
export function podPlacement(props: TrainingWorkloadProps, spot: SpotScheduling, provider: CloudProvider | undefined): PodPlacement {
  const selector = nodeSelector(props, spot, provider);
  const required = requiredNodeLabels(spot, provider, props.requiredNodeLabels);
  checkPlacement(props, spot, selector, required);
  // orOnDemand(): the capacity's label is preferred, not required.
  const preferred = Object.entries(spot.preferredNodeLabels).map(([key, value]) => ({ key, operator: 'In', values: [value] }));
  return { nodeSelector: selector, affinity: nodeAffinity(required, preferred), tolerations: tolerations(props, spot) };
}

function nodeSelector(props: TrainingWorkloadProps, spot: SpotScheduling, provider: CloudProvider | undefined): k8s.Labels {
  const selector: k8s.Labels = { ...spot.nodeSelector };
  const accelerator = props.accelerator;
  if (accelerator?.product !== undefined && !isLabelValue(accelerator.product)) {
    throw invalid('accelerator.product', `accelerator product ('${accelerator.product}') is not a valid label value (at most 63 letters, digits, '-', '_' or '.', ` +
      "starting and ending with a letter or digit), so no node can match it; use the node label's value, e.g. 'nvidia-tesla-a100'.");
  }
  if (accelerator?.product !== undefined) {
    // The GPU model label is the one the capacity's provisioner writes (and can provision
    // for: Karpenter knows its own labels, not feature discovery's), else the provider's.
    const label = accelerator.productLabel ?? spot._spec.gpuProductLabel ?? provider?.gpuProductLabel ?? NVIDIA_GPU_PRODUCT_LABEL;
    if (accelerator.productLabel === undefined) checkProductForm(accelerator.product, label, provider);
    selector[label] = accelerator.product;
  }
  for (const [key, value] of Object.entries(props.nodeSelector ?? {})) {
    const spotLabel = spot.isSpot ? undefined : provider?.onDemandRequirements.find((r) => r.key === key && r.values.includes(value));
    if (spotLabel !== undefined) {
      throw invalid('nodeSelector',
        `nodeSelector: '${key}=${value}' selects ${provider!.displayName} spot capacity, but the pods are on-demand (spot is not set); ` +
        'no node can match both. Set spot to the spot preset instead, e.g. SpotScheduling.gke().',
      );
    }
    if (selector[key] !== undefined && selector[key] !== value) {
      throw invalid('nodeSelector',
        `nodeSelector: '${key}=${value}' contradicts '${key}=${selector[key]}' from the ${spot.name} preset or the GPU model; ` +
        'no node can match both. Remove it from nodeSelector.',
      );
    }
    selector[key] = value;
  }
  return sortKeys(selector);
}

/** A GPU model in the form of the label it is matched against (knowledge/gpu): the other form matches no node. */
function checkProductForm(product: string, label: string, provider: CloudProvider | undefined): void {
  const where = provider ? `on ${provider.displayName}` : 'without a provider (CloudProvider.setDefault or the provider prop)';
  const problem = gpuModelFormProblem(label, product);
  if (problem === 'lower') {
    throw invalid('accelerator.product',
      `accelerator product ('${product}') is all lower case, the form of GKE's accelerator names, but ${where} the model is matched ` +
      `against ${label}, which NVIDIA GPU feature discovery writes from the device name: 'NVIDIA-A100-SXM4-80GB', 'NVIDIA-L4', 'Tesla-T4'. ` +
      `No node carries '${product}' there, so the pods would stay Pending. Use that form (kubectl get nodes -L ${label}), ` +
      `${provider ? '' : 'set CloudProvider.gke() if this is GKE, '}or set productLabel to the label your nodes carry it in (e.g. GpuNodeLabels.EKS_ACCELERATOR).`,
    );
  }
  if (problem === 'short') {
    const short = shortGpuName(product);
    throw invalid('accelerator.product',
      `accelerator product ('${product}') is matched against ${label}, whose values are the instance type's GPU name in lower case: ` +
      "'a100', 'h100', 'l40s', 'a10g', 't4'. No node carries it, so the pods would stay Pending (and Karpenter provisions nothing for them). " +
      `Use ${short ? `'${short}'` : 'that form'}, or set productLabel to the label your nodes carry the model in.`,
    );
  }
  if (problem === 'upper') {
    throw invalid('accelerator.product',
      `accelerator product ('${product}') has upper case, but on GKE the model is matched against ${label}, whose values are ` +
      'Compute Engine accelerator types in lower case: \'nvidia-tesla-a100\', \'nvidia-a100-80gb\', \'nvidia-l4\', \'nvidia-h100-80gb\'. ' +
      'No node carries it, so the pods would stay Pending. Use the accelerator type, or set productLabel: GpuNodeLabels.NVIDIA_GPU_PRODUCT ' +
      'if your GKE nodes run NVIDIA GPU feature discovery.',
    );
  }
}

/**
 * The required node labels, checked, and for on-demand pods of a known provider the exclusion
 * of its spot nodes (EKS managed node groups, Karpenter and GKE spot pools without a taint
 * accept any pod that does not exclude them), each with where it comes from: the one required
 * term of the pods' node affinity.
 */
function requiredNodeLabels(spot: SpotScheduling, provider: CloudProvider | undefined, required: NodeLabelRequirement[] = []): LabelRequirement[] {
  required.forEach((r, i) => {
    const at = `requiredNodeLabels[${i}]`;
    if (!isLabelKey(r.key)) throw invalid('requiredNodeLabels.key', `${at}.key ('${r.key}') is not a label key; e.g. 'topology.kubernetes.io/zone'.`);
    if (!NODE_OPERATORS.includes(r.operator)) {
      throw invalid('requiredNodeLabels.operator', `${at}.operator ('${r.operator}') must be one of ${NODE_OPERATORS.join(', ')}.`);
    }
    const needsValues = r.operator === 'In' || r.operator === 'NotIn';
    if (needsValues !== (r.values.length > 0)) {
      throw invalid('requiredNodeLabels.values',
        `${at} (${r.operator}) ${needsValues ? 'needs at least one value' : 'takes no values'}; e.g. { key: '${r.key}', operator: 'In', values: ['a'] }.`);
    }
    const bad = r.values.find((v) => !isLabelValue(v));
    if (bad !== undefined) throw invalid('requiredNodeLabels.values', `${at}.values: '${bad}' is not a label value.`);
  });
  return [
    ...required.map((r, i) => ({ key: r.key, operator: r.operator, values: r.values, source: `requiredNodeLabels[${i}]` })),
    ...(spot.isSpot || provider === undefined ? [] : provider.onDemandRequirements.map((r) => ({
      key: r.key, operator: r.operator, values: r.values, source: `the ${provider.displayName} on-demand exclusion of spot nodes`,
    }))),
  ];
}

/** The pods' node affinity: one required term with `expressions`, and one preferred term (weight 100) with `preferred`, if any. */
function nodeAffinity(expressions: LabelRequirement[], preferred: k8s.NodeSelectorRequirement[] = []): k8s.Affinity | undefined {
  if (expressions.length === 0 && preferred.length === 0) return undefined;
  const matchExpressions = expressions.map((e) => ({ key: e.key, operator: e.operator, values: e.values?.length ? [...e.values] : undefined }));
  return {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: expressions.length === 0 ? undefined : { nodeSelectorTerms: [{ matchExpressions }] },
      preferredDuringSchedulingIgnoredDuringExecution: preferred.length === 0 ? undefined
        : [{ weight: 100, preference: { matchExpressions: preferred } }],
    },
  };
}

/**
 * The node selector and the required node labels (with the on-demand exclusion) must leave
 * some node that matches them all: the scheduler ANDs them, and a pod no node matches stays
 * Pending for good.
 */
function checkPlacement(props: TrainingWorkloadProps, spot: SpotScheduling, selector: k8s.Labels, expressions: LabelRequirement[]): void {
  const requirements: LabelRequirement[] = [
    ...Object.entries(selector).map(([key, value]) => ({
      key,
      operator: 'In',
      values: [value],
      pair: true,
      source: props.nodeSelector?.[key] === value ? 'nodeSelector' : spot.nodeSelector[key] === value ? `the ${spot.name} preset` : 'the GPU model',
    })),
    ...expressions,
  ];
  const conflict = labelConflict(requirements);
  if (conflict === undefined) return;
  const yours = conflict.requirements.filter((r) => r.source.startsWith('requiredNodeLabels') || r.source === 'nodeSelector').map((r) => r.source);
  throw invalid(yours[0]?.startsWith('nodeSelector') ? 'nodeSelector' : 'requiredNodeLabels',
    `${yours[0] ?? 'requiredNodeLabels'}: no node can match ${describeConflict(conflict)}, so the pods would stay Pending. ` +
    `Change or remove ${yours.length > 0 ? yours.join(' or ') : 'the requirement'}${spot.isSpot ? '' : ', or set spot to select spot capacity'}.`);
}

function tolerations(props: TrainingWorkloadProps, spot: SpotScheduling): k8s.Toleration[] {
  const result: k8s.Toleration[] = spot.taints.map((taint) => ({
    key: taint.key,
    operator: taint.value === undefined ? 'Exists' : 'Equal',
    value: taint.value,
    effect: taint.effect ?? 'NoSchedule',
  }));
  if (props.accelerator) {
    // GPU node pools carry a `<resource>:NoSchedule` taint (GKE, AKS, the NVIDIA operator's convention).
    result.push({ key: props.accelerator.resourceName, operator: 'Exists', value: undefined, effect: 'NoSchedule' });
  }
  return result;
}

/** A preference to spread the pods evenly across the values of a node label (maxSkew 1, ScheduleAnyway). */
export function spreadAcross(topologyKey: string, labels: k8s.Labels): k8s.TopologySpreadConstraint {
  if (!isLabelKey(topologyKey)) {
    throw invalid('spreadAcross', `spreadAcross ('${topologyKey}') is not a node label key; e.g. 'topology.kubernetes.io/zone'.`);
  }
  return {
    maxSkew: 1,
    topologyKey,
    whenUnsatisfiable: 'ScheduleAnyway',
    labelSelector: { matchLabels: { 'app.kubernetes.io/name': labels['app.kubernetes.io/name'] } },
  };
}
