/**
 * #13 items 1-2: on-demand placement is positive per provider, and the GPU-model label is the
 * cluster's, not the spot preset's.
 */
import { Chart, Size, Testing } from 'cdk8s';
import {
  Accelerator, CloudProvider, DistributedPyTorchJob, GpuNodeLabels, SpotScheduling, SpotTolerantTrainingJob,
} from '../src';
import { newChart, only, rwxCheckpoints, synth } from './util/synth';

const trainer = {
  image: 'registry.example.com/trainer:v1',
  memory: Size.gibibytes(8),
  checkpoint: { storage: rwxCheckpoints() },
};

function replicas(objects: any[]): { master: any; worker: any } {
  const specs = only(objects, 'PyTorchJob').spec.pytorchReplicaSpecs;
  return { master: specs.Master.template.spec, worker: specs.Worker.template.spec };
}

const requiredTerms = (pod: any) => pod.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;

/**
 * An H100 as the cluster labels it: GKE's accelerator type, Karpenter's and EKS Auto Mode's GPU
 * name, elsewhere NVIDIA GPU feature discovery's device name.
 */
const h100 = (spot: SpotScheduling) => (spot.name.startsWith('gke') ? 'nvidia-h100-80gb'
  : ['karpenter-spot', 'eks-auto-mode-spot'].includes(spot.name) ? 'h100' : 'NVIDIA-H100-80GB-HBM3');

function ddp(spot: SpotScheduling, extra: object = {}): any[] {
  const { chart } = newChart();
  new DistributedPyTorchJob(chart, 'ddp', {
    ...trainer,
    name: 'ddp',
    script: ['train.py'],
    nodes: 3,
    spot,
    onDemandMaster: true,
    accelerator: Accelerator.nvidiaGpu(8, { product: h100(spot) }),
    ...extra,
  });
  return synth(chart);
}

describe('on-demand placement', () => {
  test.each([
    ['GKE spot', SpotScheduling.gke(), [
      { key: 'cloud.google.com/gke-spot', operator: 'NotIn', values: ['true'] },
      { key: 'cloud.google.com/gke-preemptible', operator: 'NotIn', values: ['true'] },
    ]],
    ['GKE preemptible', SpotScheduling.gkePreemptible(), [
      { key: 'cloud.google.com/gke-spot', operator: 'NotIn', values: ['true'] },
      { key: 'cloud.google.com/gke-preemptible', operator: 'NotIn', values: ['true'] },
    ]],
    // EKS managed node groups carry no spot taint and Karpenter taints only draining nodes:
    // without the affinity the scheduler may put the Master on spot capacity.
    ['EKS spot', SpotScheduling.eksSpot(), [
      { key: 'eks.amazonaws.com/capacityType', operator: 'NotIn', values: ['SPOT'] },
      { key: 'karpenter.sh/capacity-type', operator: 'NotIn', values: ['spot'] },
    ]],
    ['Karpenter spot', SpotScheduling.karpenterSpot(), [
      { key: 'eks.amazonaws.com/capacityType', operator: 'NotIn', values: ['SPOT'] },
      { key: 'karpenter.sh/capacity-type', operator: 'NotIn', values: ['spot'] },
    ]],
    ['AKS spot', SpotScheduling.aksSpot(), [
      { key: 'kubernetes.azure.com/scalesetpriority', operator: 'NotIn', values: ['spot'] },
    ]],
    // EKS Auto Mode's spot nodes are Karpenter's label: one exclusion, not two.
    ['EKS Auto Mode spot', SpotScheduling.eksAutoModeSpot(), [
      { key: 'eks.amazonaws.com/capacityType', operator: 'NotIn', values: ['SPOT'] },
      { key: 'karpenter.sh/capacity-type', operator: 'NotIn', values: ['spot'] },
    ]],
  ])('onDemandMaster on %s: the Master requires nodes off the provider\'s spot capacity; Workers select spot', (_, spot, expressions) => {
    const { master, worker } = replicas(ddp(spot));
    expect(requiredTerms(master)).toEqual([{ matchExpressions: expressions }]);
    expect(master.tolerations.map((t: any) => t.key)).toEqual(['nvidia.com/gpu']);
    expect(requiredTerms(worker)).toBeUndefined();
    expect(worker.nodeSelector).toMatchObject(spot.nodeSelector);
  });

  test('CloudProvider.setDefault on the app keeps an on-demand SpotTolerantTrainingJob off spot nodes', () => {
    const app = Testing.app();
    CloudProvider.setDefault(app, CloudProvider.aws());
    const chart = new Chart(app, 'test', { namespace: 'ml' });
    new SpotTolerantTrainingJob(chart, 'train', { ...trainer, name: 'train', command: ['python', 'train.py'] });
    const pod = only(synth(chart), 'Job').spec.template.spec;
    expect(requiredTerms(pod)).toEqual([{
      matchExpressions: [
        { key: 'eks.amazonaws.com/capacityType', operator: 'NotIn', values: ['SPOT'] },
        { key: 'karpenter.sh/capacity-type', operator: 'NotIn', values: ['spot'] },
      ],
    }]);
  });

  test('the provider prop on a construct does the same, and an unknown provider adds no affinity', () => {
    const { chart } = newChart();
    new SpotTolerantTrainingJob(chart, 'a', { ...trainer, checkpoint: { ...trainer.checkpoint, subPath: 'a' }, name: 'a', command: ['python', 'a.py'], provider: CloudProvider.aks() });
    new SpotTolerantTrainingJob(chart, 'b', { ...trainer, checkpoint: { ...trainer.checkpoint, subPath: 'b' }, name: 'b', command: ['python', 'b.py'] });
    const jobs = synth(chart).filter((o) => o.kind === 'Job');
    expect(requiredTerms(jobs.find((j) => j.metadata.name === 'a').spec.template.spec)).toEqual([{
      matchExpressions: [
        { key: 'kubernetes.azure.com/scalesetpriority', operator: 'NotIn', values: ['spot'] },
      ],
    }]);
    expect(jobs.find((j) => j.metadata.name === 'b').spec.template.spec.affinity).toBeUndefined();
  });

  test('a spot preset of another provider is refused, naming both and the fix', () => {
    const { chart } = newChart();
    expect(() => new SpotTolerantTrainingJob(chart, 'x', {
      ...trainer, command: ['python', 'x.py'], spot: SpotScheduling.gke(), provider: CloudProvider.aws(),
    })).toThrow('spot (gke-spot) is GKE capacity, but the provider is EKS (provider prop); no node of the cluster carries its label. Use the EKS spot preset, or set provider to CloudProvider.gke().');
  });

  test('setDefault after a chart exists says to call it first', () => {
    const app = Testing.app();
    new Chart(app, 'first');
    expect(() => CloudProvider.setDefault(app, CloudProvider.gke())).toThrow(/call it before adding charts or constructs to this scope \(it already has 'first'\)/);
  });
});

describe('the GPU-model label is the provider\'s', () => {
  test('GKE spot Workers and the on-demand Master both select cloud.google.com/gke-accelerator', () => {
    const { master, worker } = replicas(ddp(SpotScheduling.gke()));
    for (const pod of [master, worker]) {
      expect(pod.nodeSelector[GpuNodeLabels.GKE_ACCELERATOR]).toBe('nvidia-h100-80gb');
      expect(pod.nodeSelector[GpuNodeLabels.NVIDIA_GPU_PRODUCT]).toBeUndefined();
    }
  });

  test('an on-demand GKE job with a product selects cloud.google.com/gke-accelerator', () => {
    const app = Testing.app();
    CloudProvider.setDefault(app, CloudProvider.gke());
    const chart = new Chart(app, 'test', { namespace: 'ml' });
    new SpotTolerantTrainingJob(chart, 'train', {
      ...trainer, name: 'train', command: ['python', 'train.py'], accelerator: Accelerator.nvidiaGpu(1, { product: 'nvidia-l4' }),
    });
    expect(only(synth(chart), 'Job').spec.template.spec.nodeSelector).toEqual({ [GpuNodeLabels.GKE_ACCELERATOR]: 'nvidia-l4' });
  });

  test('EKS selects nvidia.com/gpu.product; productLabel still wins', () => {
    const { master, worker } = replicas(ddp(SpotScheduling.eksSpot()));
    expect(master.nodeSelector[GpuNodeLabels.NVIDIA_GPU_PRODUCT]).toBe('NVIDIA-H100-80GB-HBM3');
    expect(worker.nodeSelector[GpuNodeLabels.NVIDIA_GPU_PRODUCT]).toBe('NVIDIA-H100-80GB-HBM3');
    const own = replicas(ddp(SpotScheduling.eksSpot(), {
      accelerator: Accelerator.nvidiaGpu(8, { product: 'a100', productLabel: 'karpenter.k8s.aws/instance-gpu-name' }),
    }));
    expect(own.master.nodeSelector['karpenter.k8s.aws/instance-gpu-name']).toBe('a100');
  });
});

test('a nodeSelector that picks the provider\'s spot nodes on an on-demand job is refused', () => {
  const { chart } = newChart();
  expect(() => new SpotTolerantTrainingJob(chart, 'x', {
    ...trainer, command: ['python', 'x.py'], provider: CloudProvider.gke(), nodeSelector: { 'cloud.google.com/gke-spot': 'true' },
  })).toThrow("nodeSelector: 'cloud.google.com/gke-spot=true' selects GKE spot capacity, but the pods are on-demand (spot is not set); no node can match both. Set spot to the spot preset instead, e.g. SpotScheduling.gke().");
});

describe('the GPU model in the form of the label it is matched against', () => {
  const job = (accelerator: Accelerator, extra: object = {}) => () => new SpotTolerantTrainingJob(newChart().chart, 'train', {
    ...trainer, name: 'train', command: ['python', 'train.py'], accelerator, ...extra,
  });

  test('GKE\'s lower-case accelerator type on EKS (nvidia.com/gpu.product) is refused: no node carries it', () => {
    expect(job(Accelerator.nvidiaGpu(1, { product: 'nvidia-l4' }), { spot: SpotScheduling.eksSpot() })).toThrow(
      "accelerator product ('nvidia-l4') is all lower case, the form of GKE's accelerator names, but on EKS the model is matched against " +
      "nvidia.com/gpu.product, which NVIDIA GPU feature discovery writes from the device name: 'NVIDIA-A100-SXM4-80GB', 'NVIDIA-L4', 'Tesla-T4'.");
  });

  test('without a provider the message says how to select GKE', () => {
    expect(job(Accelerator.nvidiaGpu(1, { product: 'nvidia-tesla-a100' }))).toThrow(/without a provider .* set CloudProvider.gke\(\) if this is GKE/);
  });

  test('a feature-discovery name on GKE (cloud.google.com/gke-accelerator) is refused', () => {
    expect(job(Accelerator.nvidiaGpu(1, { product: 'NVIDIA-L4' }), { spot: SpotScheduling.gke() })).toThrow(
      /accelerator product \('NVIDIA-L4'\) has upper case, but on GKE the model is matched against cloud.google.com\/gke-accelerator/);
  });

  test('on Karpenter and EKS Auto Mode spot the model goes to the label the provisioner writes and can provision for (#27 item 1)', () => {
    const selectorOf = (spot: SpotScheduling, product: string, productLabel?: string) => {
      const { chart } = newChart();
      new SpotTolerantTrainingJob(chart, 'train', { ...trainer, name: 'train', command: ['python', 'train.py'], accelerator: Accelerator.nvidiaGpu(8, { product, productLabel }), spot });
      return only(synth(chart), 'Job').spec.template.spec.nodeSelector;
    };
    expect(selectorOf(SpotScheduling.karpenterSpot(), 'h100')).toEqual({ 'karpenter.k8s.aws/instance-gpu-name': 'h100', 'karpenter.sh/capacity-type': 'spot' });
    expect(selectorOf(SpotScheduling.eksAutoModeSpot(), 'a100')).toEqual({ 'eks.amazonaws.com/instance-gpu-name': 'a100', 'karpenter.sh/capacity-type': 'spot' });
    // Managed node groups: feature discovery's label, which the GPU operator writes.
    expect(selectorOf(SpotScheduling.eksSpot(), 'NVIDIA-H100-80GB-HBM3')).toEqual({ 'eks.amazonaws.com/capacityType': 'SPOT', 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3' });
    // An explicit label wins.
    expect(selectorOf(SpotScheduling.karpenterSpot(), 'NVIDIA-H100-80GB-HBM3', GpuNodeLabels.NVIDIA_GPU_PRODUCT)['nvidia.com/gpu.product']).toBe('NVIDIA-H100-80GB-HBM3');
    // The form of another label is refused, with the short name read from it.
    expect(job(Accelerator.nvidiaGpu(1, { product: 'NVIDIA-A100-SXM4-80GB' }), { spot: SpotScheduling.karpenterSpot() })).toThrow(
      "accelerator product ('NVIDIA-A100-SXM4-80GB') is matched against karpenter.k8s.aws/instance-gpu-name, whose values are the instance type's GPU name in lower case: " +
      "'a100', 'h100', 'l40s', 'a10g', 't4'. No node carries it, so the pods would stay Pending (and Karpenter provisions nothing for them). Use 'a100', " +
      'or set productLabel to the label your nodes carry the model in.');
    expect(job(Accelerator.nvidiaGpu(1, { product: 'nvidia-l4' }), { spot: SpotScheduling.eksAutoModeSpot() })).toThrow(/Use 'l4', or set productLabel/);
  });

  test('each form is accepted on its own label, and an explicit productLabel is taken as written', () => {
    expect(job(Accelerator.nvidiaGpu(1, { product: 'NVIDIA-L4' }), { spot: SpotScheduling.aksSpot() })).not.toThrow();
    expect(job(Accelerator.nvidiaGpu(1, { product: 'nvidia-l4' }), { spot: SpotScheduling.gke() })).not.toThrow();
    expect(job(Accelerator.nvidiaGpu(1, { product: 'nvidia-tesla-v100', productLabel: GpuNodeLabels.EKS_ACCELERATOR }), { spot: SpotScheduling.eksSpot() })).not.toThrow();
    expect(job(Accelerator.nvidiaGpu(1, { product: 'custom-model', productLabel: GpuNodeLabels.NVIDIA_GPU_PRODUCT }))).not.toThrow();
  });
});
