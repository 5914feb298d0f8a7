/**
 * The unschedulable-placement rule (and the constructs' requiredNodeLabels check) against the
 * scheduler's own matching: `controlplane node-affinity-match` runs what the NodeAffinity
 * filter plugin runs (nodeaffinity.GetRequiredNodeAffinity(pod).Match(node), from the
 * k8s.io/component-helpers module the pinned kube-scheduler uses). For each pod, every node
 * label set that can make a difference is tried: for each key the pod names, no label, a value
 * it does not mention, each value it mentions, and the integers around each Gt/Lt bound.
 * The rule reports a pod exactly when the scheduler admits it to none of them. The apiserver
 * accepts such a pod: nothing but the scheduler's silence would tell.
 */
import { describe, it } from 'node:test';
import { App, Chart } from 'cdk8s';
import { expect } from 'expect';
import { Cluster, controlplane } from './util/cluster';
import {
  Accelerator, CheckpointStorage, CloudProvider, PersistentVolumeAccessMode, SpotScheduling, SpotTolerantTrainingJob, SpotTolerantTrainingJobProps,
} from '../../src';
import { contextFor, evaluate } from '../../src/findings/evaluate';

const cluster = Cluster.fromEnv();

/** Which of `nodes` (label sets) the scheduler's NodeAffinity filter admits `podSpec` to. */
function schedulerAdmits(podSpec: any, nodes: Array<{ [key: string]: string }>): boolean[] {
  return controlplane('node-affinity-match', { pod: { spec: podSpec }, nodes: nodes.map((labels) => ({ metadata: { labels } })) });
}

/** Every label set that can make a difference to `podSpec`'s required placement. */
function candidateNodes(podSpec: any): Array<{ [key: string]: string }> {
  const options = new Map<string, Set<string | undefined>>();
  const add = (key: string, values: string[]) => {
    const set = options.get(key) ?? new Set<string | undefined>([undefined, 'value-no-rule-mentions']);
    for (const value of values) {
      set.add(value);
      if (/^-?\d+$/.test(value)) [-1, 1].forEach((d) => set.add(String(Number(value) + d)));
    }
    options.set(key, set);
  };
  for (const [key, value] of Object.entries<string>(podSpec.nodeSelector ?? {})) add(key, [value]);
  for (const term of podSpec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) {
    for (const e of term.matchExpressions ?? []) add(e.key, e.values ?? []);
  }
  let nodes: Array<{ [key: string]: string }> = [{}];
  for (const [key, values] of options) {
    nodes = nodes.flatMap((labels) => [...values].map((value) => (value === undefined ? labels : { ...labels, [key]: value })));
  }
  return nodes;
}

function jobWith(podSpec: any): any {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'placement' },
    spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox:1.36', command: ['true'] }], ...podSpec } } },
  };
}

function ruleReports(podSpec: any): boolean {
  const job = jobWith(podSpec);
  return evaluate([job], contextFor([job], 36)).some((f) => f.ruleId === 'unschedulable-placement');
}

const required = (...terms: any[][]) => ({
  nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms.map((matchExpressions) => ({ matchExpressions })) } },
});
const expr = (key: string, operator: string, values?: string[]) => ({ key, operator, ...(values ? { values } : {}) });

const CASES: Array<[string, any, boolean]> = [
  ['spot selected and excluded', { nodeSelector: { 'eks.amazonaws.com/capacityType': 'SPOT' }, affinity: required([expr('eks.amazonaws.com/capacityType', 'NotIn', ['SPOT'])]) }, true],
  ['In and NotIn of one value', { affinity: required([expr('zone', 'In', ['a']), expr('zone', 'NotIn', ['a'])]) }, true],
  ['Exists and DoesNotExist', { affinity: required([expr('gpu', 'Exists'), expr('gpu', 'DoesNotExist')]) }, true],
  ['a selector value outside In', { nodeSelector: { zone: 'c' }, affinity: required([expr('zone', 'In', ['a', 'b'])]) }, true],
  ['Gt 8 and Lt 9', { affinity: required([expr('gpu-count', 'Gt', ['8']), expr('gpu-count', 'Lt', ['9'])]) }, true],
  ['a selector value below Gt', { nodeSelector: { 'gpu-count': '4' }, affinity: required([expr('gpu-count', 'Gt', ['4'])]) }, true],
  ['two terms, each contradicting the selector', {
    nodeSelector: { 'cloud.google.com/gke-spot': 'true' },
    affinity: required([expr('cloud.google.com/gke-spot', 'DoesNotExist')], [expr('cloud.google.com/gke-spot', 'In', ['false'])]),
  }, true],
  ['In and NotIn of other values', { affinity: required([expr('zone', 'In', ['a', 'b']), expr('zone', 'NotIn', ['a'])]) }, false],
  ['NotIn and DoesNotExist (an absent label)', { affinity: required([expr('pool', 'NotIn', ['a']), expr('pool', 'DoesNotExist')]) }, false],
  ['Gt 7 and Lt 9', { affinity: required([expr('gpu-count', 'Gt', ['7']), expr('gpu-count', 'Lt', ['9'])]) }, false],
  ['Exists and NotIn', { affinity: required([expr('gpu', 'Exists'), expr('gpu', 'NotIn', ['a'])]) }, false],
  ['a contradicting term and one that matches', {
    nodeSelector: { 'cloud.google.com/gke-spot': 'true' },
    affinity: required([expr('cloud.google.com/gke-spot', 'NotIn', ['true'])], [expr('zone', 'In', ['a'])]),
  }, false],
];

describe('unschedulable-placement agrees with the scheduler\'s node affinity filter', () => {
  for (const [name, podSpec, unschedulable] of CASES) {
    it(`${name}: ${unschedulable ? 'no node matches, and the rule reports it' : 'some node matches, and the rule is silent'}`, () => {
      const nodes = candidateNodes(podSpec);
      const admits = schedulerAdmits(podSpec, nodes);
      expect({ admitted: admits.some((ok) => ok), tried: admits.length }).toEqual({ admitted: !unschedulable, tried: nodes.length });
      expect(nodes.length).toBeGreaterThan(1);
      expect(ruleReports(podSpec)).toBe(unschedulable);
    });
  }

  it('control: the apiserver accepts a pod no node can match (only the scheduler would stay silent)', async () => {
    const ns = await cluster.namespace('placement');
    const [, podSpec] = CASES[0];
    await expect(cluster.apply(JSON.stringify(jobWith(podSpec)), ns)).resolves.toMatchObject({ kind: 'Job' });
  });
});

describe('the constructs write placements some node matches, and refuse the ones none does', () => {
  const storage = CheckpointStorage.existingClaim('ckpt', PersistentVolumeAccessMode.READ_WRITE_MANY);
  const podOf = (props: Partial<SpotTolerantTrainingJobProps>) => {
    const chart = new Chart(new App(), 'placement', { namespace: 'ns' });
    new SpotTolerantTrainingJob(chart, 'job', { image: 'trainer:v1', checkpoint: { storage }, accelerator: Accelerator.nvidiaGpu(1), ...props });
    return chart.toJson().find((o: any) => o.kind === 'Job').spec.template.spec;
  };
  const accepted: Array<[string, Partial<SpotTolerantTrainingJobProps>]> = [
    ['EKS spot on H100s and a capacity type In (SPOT, ON_DEMAND)', { spot: SpotScheduling.eksSpot(), accelerator: Accelerator.nvidiaGpu(8, { product: 'NVIDIA-H100-80GB-HBM3' }), requiredNodeLabels: [{ key: 'eks.amazonaws.com/capacityType', operator: 'In', values: ['SPOT', 'ON_DEMAND'] }] }],
    ['on-demand GKE (spot nodes excluded) in one zone, on L4s', {
      provider: CloudProvider.gke(),
      accelerator: Accelerator.nvidiaGpu(1, { product: 'nvidia-l4' }),
      requiredNodeLabels: [{ key: 'topology.kubernetes.io/zone', operator: 'In', values: ['europe-west4-a'] }],
    }],
    ['on-demand AKS with a pool that is not spot', { provider: CloudProvider.aks(), requiredNodeLabels: [{ key: 'kubernetes.azure.com/scalesetpriority', operator: 'NotIn', values: ['spot', 'low'] }] }],
  ];
  for (const [name, props] of accepted) {
    it(`${name}: the scheduler admits the pod to some node`, () => {
      const podSpec = podOf(props);
      const nodes = candidateNodes(podSpec);
      expect(schedulerAdmits(podSpec, nodes).some((ok) => ok)).toBe(true);
      expect(ruleReports(podSpec)).toBe(false);
    });
  }

  const refused: Array<[string, Partial<SpotTolerantTrainingJobProps>, any]> = [
    ['EKS spot with capacity type NotIn (SPOT)', { spot: SpotScheduling.eksSpot(), requiredNodeLabels: [{ key: 'eks.amazonaws.com/capacityType', operator: 'NotIn', values: ['SPOT'] }] },
      { nodeSelector: { 'eks.amazonaws.com/capacityType': 'SPOT' }, affinity: required([expr('eks.amazonaws.com/capacityType', 'NotIn', ['SPOT'])]) }],
    ['on-demand GKE asking for gke-spot=true', { provider: CloudProvider.gke(), requiredNodeLabels: [{ key: 'cloud.google.com/gke-spot', operator: 'In', values: ['true'] }] },
      { affinity: required([expr('cloud.google.com/gke-spot', 'In', ['true']), expr('cloud.google.com/gke-spot', 'NotIn', ['true']), expr('cloud.google.com/gke-preemptible', 'NotIn', ['true'])]) }],
  ];
  for (const [name, props, written] of refused) {
    it(`${name}: refused at synth; the placement those props ask for matches no node`, () => {
      expect(() => podOf(props)).toThrow(/no node can match .* so the pods would stay Pending/);
      expect(schedulerAdmits(written, candidateNodes(written)).some((ok) => ok)).toBe(false);
    });
  }
});

describe('GPU model labels by provisioner, on the scheduler\'s node affinity filter (#27 items 1 and 3)', () => {
  const storage = CheckpointStorage.existingClaim('ckpt', PersistentVolumeAccessMode.READ_WRITE_MANY);
  const podOf = (props: Partial<SpotTolerantTrainingJobProps>) => {
    const chart = new Chart(new App(), 'placement', { namespace: 'ns' });
    new SpotTolerantTrainingJob(chart, 'job', { image: 'trainer:v1', checkpoint: { storage }, ...props });
    return chart.toJson().find((o: any) => o.kind === 'Job').spec.template.spec;
  };
  // Nodes as a stock provisioner labels them: Karpenter on AWS writes its well-known labels, and
  // no nvidia.com/gpu.product (only the GPU operator's feature discovery does); EKS Auto Mode its own.
  const karpenterSpotH100 = { 'karpenter.sh/capacity-type': 'spot', 'karpenter.k8s.aws/instance-gpu-name': 'h100' };
  const karpenterOnDemandH100 = { 'karpenter.sh/capacity-type': 'on-demand', 'karpenter.k8s.aws/instance-gpu-name': 'h100' };
  const autoModeSpotA100 = { 'karpenter.sh/capacity-type': 'spot', 'eks.amazonaws.com/instance-gpu-name': 'a100' };

  it('karpenterSpot() on H100s matches the node Karpenter makes; the feature-discovery label it wrote before matches none of them', () => {
    const podSpec = podOf({ spot: SpotScheduling.karpenterSpot(), accelerator: Accelerator.nvidiaGpu(8, { product: 'h100' }) });
    expect(schedulerAdmits(podSpec, [karpenterSpotH100, karpenterOnDemandH100])).toEqual([true, false]);
    const before = { ...podSpec, nodeSelector: { 'karpenter.sh/capacity-type': 'spot', 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3' } };
    expect(schedulerAdmits(before, [karpenterSpotH100, karpenterOnDemandH100])).toEqual([false, false]);
  });

  it('eksAutoModeSpot() on A100s matches the node Auto Mode makes', () => {
    const podSpec = podOf({ spot: SpotScheduling.eksAutoModeSpot(), accelerator: Accelerator.nvidiaGpu(8, { product: 'a100' }) });
    expect(schedulerAdmits(podSpec, [autoModeSpotA100, karpenterSpotH100])).toEqual([true, false]);
  });

  it('karpenterSpot().orOnDemand() may run on spot and on on-demand H100 nodes (the preference is not a filter)', () => {
    const podSpec = podOf({ spot: SpotScheduling.karpenterSpot().orOnDemand(), accelerator: Accelerator.nvidiaGpu(8, { product: 'h100' }) });
    expect(podSpec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].preference.matchExpressions)
      .toEqual([{ key: 'karpenter.sh/capacity-type', operator: 'In', values: ['spot'] }]);
    expect(schedulerAdmits(podSpec, [karpenterSpotH100, karpenterOnDemandH100, { 'karpenter.sh/capacity-type': 'spot' }])).toEqual([true, true, false]);
  });
});
