import { Duration, JsonPatch, Size, Testing } from 'cdk8s';
import { parse } from 'yaml';
import { teamFraudDistributed } from '../examples/distributed';
import {
  Accelerator,
  CheckpointStorage,
  CleanPodPolicy,
  Cpu,
  DistributedPyTorchJob,
  DistributedPyTorchJobProps,
  PersistentVolumeAccessMode,
  RendezvousBackend,
  ReplicaRestartPolicy,
  SpotScheduling,
} from '../src';
import { expectConformant } from './util/conformance';
import { newChart, only, rwxCheckpoints, synth, warningsOf } from './util/synth';

function ddp(overrides: Partial<DistributedPyTorchJobProps> = {}) {
  const { chart } = newChart();
  const construct = new DistributedPyTorchJob(chart, 'ddp', {
    name: 'fraud-ddp',
    image: 'trainer:v3',
    script: ['train_distributed.py', '--epochs=50'],
    nodes: 4,
    accelerator: Accelerator.nvidiaGpu(4),
    memory: Size.gibibytes(128),
    checkpoint: { storage: rwxCheckpoints() },
    ...overrides,
  });
  return { chart, construct };
}

function synthDdp(overrides: Partial<DistributedPyTorchJobProps> = {}) {
  const { chart, construct } = ddp(overrides);
  const objects = synth(chart);
  expectConformant(objects);
  const job = only(objects, 'PyTorchJob');
  return { chart, construct, objects, job, replicas: job.spec.pytorchReplicaSpecs };
}

describe('DistributedPyTorchJob enforced defaults', () => {
  test('is a conformant PyTorchJob: Master 1 + 3 Workers, ExitCode, the pytorch container', () => {
    const { replicas, objects, construct } = synthDdp();
    expect(objects).toMatchSnapshot();
    expect(Object.keys(replicas)).toEqual(['Master', 'Worker']);
    expect([replicas.Master.replicas, replicas.Worker.replicas]).toEqual([1, 3]);
    expect([replicas.Master.restartPolicy, replicas.Worker.restartPolicy]).toEqual(['ExitCode', 'ExitCode']);
    for (const role of ['Master', 'Worker']) {
      expect(replicas[role].template.spec.containers.map((c: any) => c.name)).toEqual(['pytorch']);
      expect(replicas[role].template.spec.restartPolicy).toBe('Never');
    }
    expect(construct.restartPolicy).toBe(ReplicaRestartPolicy.EXIT_CODE);
  });

  test('torchrun takes its sizes from the operator: nprocPerNode in the spec, master address by $(VAR)', () => {
    const { job, replicas } = synthDdp();
    expect(job.spec.nprocPerNode).toBe('4');
    const [python, flag, launcher, ...rest] = replicas.Worker.template.spec.containers[0].command;
    expect([python, flag]).toEqual(['python3', '-c']);
    expect(launcher).toContain('from torch.distributed.run import parse_args, run');
    expect(rest).toEqual(['--master_addr=$(MASTER_ADDR)', '--master_port=$(MASTER_PORT)', 'train_distributed.py', '--epochs=50']);
    const argv = replicas.Worker.template.spec.containers[0].command.join(' ');
    expect(argv).not.toMatch(/--nnodes|--nproc[-_]per[-_]node|--master_port=\d/);
  });

  test('runPolicy: cleanPodPolicy Running, 24 h TTL, 8 h deadline, backoffLimit 3; Kueue label on the PyTorchJob', () => {
    const { job, replicas } = synthDdp({ queue: 'gpu' });
    expect(job.spec.runPolicy).toEqual({ cleanPodPolicy: 'Running', ttlSecondsAfterFinished: 86400, activeDeadlineSeconds: 28800, backoffLimit: 3 });
    expect(job.metadata.labels['kueue.x-k8s.io/queue-name']).toBe('gpu');
    expect(replicas.Worker.template.metadata.labels['kueue.x-k8s.io/queue-name']).toBeUndefined();
  });

  test('the trainer pod on both templates: checkpoint, /dev/shm, GPU toleration, grace period, contract env', () => {
    const { replicas } = synthDdp({ spot: SpotScheduling.eksSpot() });
    for (const role of ['Master', 'Worker']) {
      const pod = replicas[role].template.spec;
      expect(pod.volumes.map((v: any) => v.name)).toEqual(['checkpoints', 'dshm', 'tmp']);
      expect(pod.terminationGracePeriodSeconds).toBe(120);
      expect(pod.tolerations).toContainEqual({ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' });
      expect(pod.containers[0].env).toContainEqual({ name: 'PREEMPTION_EXIT_CODE', value: '143' });
    }
  });

  test('onDemandMaster keeps the Master off spot capacity', () => {
    const { replicas, chart } = synthDdp({ spot: SpotScheduling.gke(), onDemandMaster: true });
    expect(replicas.Master.template.spec.nodeSelector).toBeUndefined();
    expect(replicas.Worker.template.spec.nodeSelector).toEqual({ 'cloud.google.com/gke-spot': 'true' });
    // Only the operator-configuration warning about init-pytorch remains, none about the Master.
    expect(warningsOf(chart)).toHaveLength(1);
    expect(warningsOf(chart)[0]).toMatch(/init-pytorch/);
  });

  test('warns when the Master can be preempted', () => {
    const { chart } = synthDdp({ spot: SpotScheduling.gke() });
    expect(warningsOf(chart).join('\n')).toMatch(/the Master runs on gke-spot capacity.*onDemandMaster: true/);
  });

  test('elastic: Workers only, min/max, c10d, maxRestarts, nprocPerNode (no PET_NPROC_PER_NODE of its own), and a warning for the rendezvous host on spot', () => {
    const { job, replicas, chart, construct } = synthDdp({ elastic: { minNodes: 2, maxNodes: 4 }, spot: SpotScheduling.gke() });
    expect(Object.keys(replicas)).toEqual(['Worker']);
    expect(replicas.Worker.replicas).toBe(4);
    expect(job.spec.elasticPolicy).toEqual({ rdzvBackend: 'c10d', minReplicas: 2, maxReplicas: 4, maxRestarts: 100 });
    expect(replicas.Worker.template.spec.containers[0].command.slice(3)).toEqual(['train_distributed.py', '--epochs=50']);
    // The operator sets PET_NPROC_PER_NODE from spec.nprocPerNode on every replica; a copy in the
    // template would be a duplicate env var.
    expect(job.spec.nprocPerNode).toBe('4');
    expect(replicas.Worker.template.spec.containers[0].env.map((e: any) => e.name)).not.toContain('PET_NPROC_PER_NODE');
    expect(construct.isElastic).toBe(true);
    expect(warningsOf(chart).join('\n')).toMatch(/c10d rendezvous host fraud-ddp-worker-0 runs on gke-spot/);
  });

  test('elastic with an etcd endpoint', () => {
    const { job } = synthDdp({ elastic: { minNodes: 1, maxNodes: 4, rendezvousBackend: RendezvousBackend.ETCD, rendezvousEndpoint: 'etcd.training:2379', maxRestarts: 5 } });
    expect(job.spec.elasticPolicy).toMatchObject({ rdzvBackend: 'etcd', rdzvHost: 'etcd.training', rdzvPort: 2379, maxRestarts: 5 });
  });

  test('gang scheduling, OnFailure, cleanPodPolicy All, suspend', () => {
    const { job, replicas } = synthDdp({
      gangScheduling: { queue: 'research', priorityClass: 'high' },
      restartPolicy: ReplicaRestartPolicy.ON_FAILURE,
      cleanPodPolicy: CleanPodPolicy.ALL,
      suspend: true,
      activeDeadline: Duration.hours(2),
    });
    expect(job.spec.runPolicy).toMatchObject({ schedulingPolicy: { minAvailable: 4, queue: 'research', priorityClass: 'high' }, cleanPodPolicy: 'All', suspend: true, activeDeadlineSeconds: 7200 });
    expect(replicas.Worker.restartPolicy).toBe('OnFailure');
    expect(replicas.Worker.template.spec.restartPolicy).toBe('OnFailure');
  });

  test('one node without elastic is refused, naming the one-node setup; elastic from one node is allowed', () => {
    expect(() => synthDdp({ nodes: 1, checkpoint: { storage: CheckpointStorage.existingClaim('rwo', PersistentVolumeAccessMode.READ_WRITE_ONCE) } }))
      .toThrow(/nodes \(1\): a distributed job of one node has no peer .* Use SpotTolerantTrainingJob with command \['torchrun', '--standalone'/);
    const { replicas } = synthDdp({ nodes: 1, elastic: { minNodes: 1, maxNodes: 3 } });
    expect(Object.keys(replicas)).toEqual(['Worker']);
  });

  test('the seed examples synthesize and conform', () => {
    const app = Testing.app();
    const objects = Testing.synth(teamFraudDistributed(app));
    expectConformant(objects);
    expect(objects.map((o) => o.metadata.name)).toEqual(['fraud-transformer-ddp', 'fraud-transformer-elastic']);
  });
});

describe("the Training Operator's published examples", () => {
  // kubeflow/trainer v1.9.4 examples/pytorch/elastic/imagenet/imagenet.yaml, the fields that matter.
  const IMAGENET = parse(`
apiVersion: kubeflow.org/v1
kind: PyTorchJob
metadata:
  name: elastic-example-imagenet
spec:
  elasticPolicy:
    rdzvBackend: c10d
    minReplicas: 1
    maxReplicas: 3
    maxRestarts: 100
  pytorchReplicaSpecs:
    Worker:
      replicas: 2
      restartPolicy: OnFailure
      template:
        spec:
          containers:
            - name: pytorch
              image: quay.io/johnugeorge/pytorch-elastic-example-imagenet:0.1
              command: [python, -m, torch.distributed.run, /workspace/examples/imagenet.py, --arch=resnet18, --epochs=1, --batch-size=32, --workers=0, /workspace/data/tiny-imagenet-200]
`);

  test('elastic ImageNet', () => {
    const { chart } = newChart();
    new DistributedPyTorchJob(chart, 'imagenet', {
      name: 'elastic-example-imagenet',
      image: 'quay.io/johnugeorge/pytorch-elastic-example-imagenet:0.1',
      python: 'python',
      script: ['/workspace/examples/imagenet.py', '--arch=resnet18', '--epochs=1', '--batch-size=32', '--workers=0', '/workspace/data/tiny-imagenet-200'],
      nodes: 2,
      elastic: { minNodes: 1, maxNodes: 3, maxRestarts: 100 },
      restartPolicy: ReplicaRestartPolicy.ON_FAILURE,
      cpu: Cpu.units(4),
      noCheckpointReason: 'the published example has no checkpoint volume',
    });
    const job = only(synth(chart), 'PyTorchJob');
    expectConformant([job]);
    expect(job.spec.elasticPolicy).toEqual(IMAGENET.spec.elasticPolicy);
    const ours = job.spec.pytorchReplicaSpecs.Worker;
    const theirs = IMAGENET.spec.pytorchReplicaSpecs.Worker;
    expect([ours.replicas, ours.restartPolicy]).toEqual([theirs.replicas, theirs.restartPolicy]);
    const [c, t] = [ours.template.spec.containers[0], theirs.template.spec.containers[0]];
    // Theirs runs `python -m torch.distributed.run <args>`; ours runs the same launcher code
    // through the library's wrapper, `python -c <launcher> <args>`.
    expect([c.name, c.image, c.command[0], c.command.slice(3)]).toEqual([t.name, t.image, t.command[0], t.command.slice(3)]);
  });

  test('simple (Master + Worker running a script directly)', () => {
    const { chart } = newChart();
    new DistributedPyTorchJob(chart, 'simple', {
      name: 'pytorch-simple',
      image: 'docker.io/kubeflowkatib/pytorch-mnist:v1beta1-45c5727',
      command: ['python3', '/opt/mnist/src/mnist.py', '--epochs=1'],
      nodes: 2,
      restartPolicy: ReplicaRestartPolicy.ON_FAILURE,
      noCheckpointReason: 'the published example has no checkpoint volume',
    });
    const job = only(synth(chart), 'PyTorchJob');
    expectConformant([job]);
    for (const role of ['Master', 'Worker']) {
      expect(job.spec.pytorchReplicaSpecs[role]).toMatchObject({ replicas: 1, restartPolicy: 'OnFailure' });
      expect(job.spec.pytorchReplicaSpecs[role].template.spec.containers[0].command).toEqual(['python3', '/opt/mnist/src/mnist.py', '--epochs=1']);
    }
  });

  test('MNIST with NCCL (1 GPU per pod, args only)', () => {
    const { chart } = newChart();
    new DistributedPyTorchJob(chart, 'mnist', {
      name: 'pytorch-dist-mnist-nccl',
      image: 'gcr.io/example/pytorch_dist_mnist:latest',
      command: ['python', '/var/mnist.py'],
      args: ['--backend', 'nccl'],
      nodes: 2,
      accelerator: Accelerator.nvidiaGpu(1),
      noCheckpointReason: 'the published example has no checkpoint volume',
    });
    const job = only(synth(chart), 'PyTorchJob');
    expectConformant([job]);
    expect(job.spec.pytorchReplicaSpecs.Worker.template.spec.containers[0]).toMatchObject({ args: ['--backend', 'nccl'], resources: { limits: { 'nvidia.com/gpu': 1 } } });
  });
});

describe('DistributedPyTorchJob bad input', () => {
  test.each<[string, Partial<DistributedPyTorchJobProps>, RegExp]>([
    ['a ReadWriteOnce claim is mounted by 4 pods', { checkpoint: { storage: CheckpointStorage.existingClaim('rwo', PersistentVolumeAccessMode.READ_WRITE_ONCE) } },
      /access modes ReadWriteOnce but up to 4 pods mount it.*ReadWriteMany/],
    ['minNodes exceeds maxNodes', { elastic: { minNodes: 4, maxNodes: 2 } }, /elastic.minNodes \(4\) must not exceed elastic.maxNodes \(2\)/],
    ['nodes lie outside the elastic bounds', { nodes: 5, elastic: { minNodes: 2, maxNodes: 4 } }, /nodes \(5\) must lie within elastic.minNodes \(2\) and elastic.maxNodes \(4\)/],
    ['etcd has no endpoint', { elastic: { minNodes: 2, maxNodes: 4, rendezvousBackend: RendezvousBackend.ETCD } }, /needs elastic.rendezvousEndpoint/],
    ['the endpoint is not host:port', { elastic: { minNodes: 2, maxNodes: 4, rendezvousEndpoint: 'etcd' } }, /must be host:port/],
    ['onDemandMaster on an elastic job', { elastic: { minNodes: 2, maxNodes: 4 }, onDemandMaster: true }, /onDemandMaster is set on an elastic job, which has no Master/],
    ['the name starts with a digit', { name: '4-node-ddp' }, /must start with a letter: a PyTorchJob name is a DNS-1035 label/],
    ['worker pod names exceed 63', { name: 'f'.repeat(55) }, /has 55 characters; a PyTorchJob name longer than 54 breaks its pod and service names such as '<name>-worker-2'/],
    ['both script and command are set', { command: ['python', 'x.py'] }, /set exactly one of script .* and command/],
    ['processesPerNode exceeds the GPUs', { processesPerNode: 8 }, /processesPerNode \(8\) exceeds the 4 GPUs per pod/],
    ['the contract exit code is below 128 under ExitCode', { preemption: { exitCode: 99 } }, /preemption.exitCode \(99\) is below 128: the ExitCode restart policy treats it as a permanent failure/],
    ['a non-retriable code is 128 or more under ExitCode', { preemption: { nonRetriableExitCodes: [200] } }, /nonRetriableExitCodes \(200\) are 128 or more/],
    ['nodes is 0', { nodes: 0 }, /nodes \(0\) must be a whole number of at least 1/],
    ['gang minAvailable exceeds the pods', { gangScheduling: { minAvailable: 5 } }, /gangScheduling.minAvailable \(5\) must be a whole number from 1 to the 4 pods/],
  ])('fails when %s', (_name, overrides, message) => {
    expect(() => ddp(overrides)).toThrow(message);
  });

  test('fails when a patch sets a replica restartPolicy Always (rule pytorchjob)', () => {
    const { chart, construct } = ddp();
    construct.apiObject.addJsonPatch(JsonPatch.replace('/spec/pytorchReplicaSpecs/Worker/restartPolicy', 'Always'));
    expect(() => synth(chart)).toThrow(/pytorchjob.*Worker restartPolicy Always/);
  });

  test('fails when a patch hard-codes --nnodes for torchrun (rule pytorchjob, K7)', () => {
    const { chart, construct } = ddp();
    construct.apiObject.addJsonPatch(JsonPatch.add('/spec/pytorchReplicaSpecs/Worker/template/spec/containers/0/command/3', '--nnodes=4'));
    expect(() => synth(chart)).toThrow(/passes '--nnodes=4' to torchrun/);
  });

  test('pod rules run on the embedded templates (G2): memory 512m in a Worker', () => {
    const { chart, construct } = ddp();
    construct.apiObject.addJsonPatch(JsonPatch.replace('/spec/pytorchReplicaSpecs/Worker/template/spec/containers/0/resources/limits/memory', '512m'));
    expect(() => synth(chart)).toThrow(/resource-quantities.*Worker.*'512m'\) is in millibytes/);
  });
});
