/**
 * lint on manifests nobody wrote for it (#26): the false-positive classes found on public Job,
 * CronJob, PyTorchJob and JobSet manifests, each with a case that the rules used to get wrong
 * and a control that shows the rule still fires where it should.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DEFAULT_CONFIG } from '../src/findings/config';
import { LintFinding, loadFile } from '../src/findings/manifests';
import { checkLoaded } from '../src/findings/report';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-training-world-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The findings lint makes on `yaml` (a file of its own), at Kubernetes 1.32. */
function lint(yaml: string, name = 'manifest.yaml'): LintFinding[] {
  const file = path.join(dir, name);
  fs.writeFileSync(file, yaml);
  const problems: LintFinding[] = [];
  const loaded = loadFile(file, problems, () => Buffer.alloc(0));
  return [...problems, ...checkLoaded(loaded, { kubernetesMinor: 32, config: DEFAULT_CONFIG }).findings];
}
const rulesOf = (findings: LintFinding[]) => [...new Set(findings.map((f) => f.ruleId))].sort();

/** A Job whose one container is `container` (YAML lines, indented for it), with `volumes`. */
function job(container: string, volumes = '', podMeta = '', meta = ''): string {
  return `apiVersion: batch/v1
kind: Job
metadata:
  name: example
${meta}spec:
  backoffLimit: 0
  template:
${podMeta}    spec:
      restartPolicy: Never
      containers:
      - name: main
${container}
${volumes}`;
}

const GPU = `        resources:
          limits:
            nvidia.com/gpu: 1`;

describe('what makes a workload a trainer', () => {
  test('control: a container that requests nvidia.com/gpu and runs its image is a trainer (checkpoint and /dev/shm advice)', () => {
    expect(rulesOf(lint(job(`        image: pytorch/pytorch:2.5.1\n${GPU}`)))).toEqual(expect.arrayContaining(['checkpoint-volume', 'shared-memory']));
  });

  test.each([
    ['the pause image', '        image: registry.k8s.io/pause:3.10'],
    ['sleep', '        image: busybox:1.36\n        command: ["sleep", "3600"]'],
    ['sh -c "nvidia-smi; sleep infinity"', '        image: nvidia/cuda:12.4.1-base-ubuntu22.04\n        command: ["sh", "-c", "nvidia-smi; sleep infinity"]'],
    ['tail -f /dev/null', '        image: ubuntu:24.04\n        command: ["tail", "-f", "/dev/null"]'],
  ])('a container that only holds its GPU (%s) is not a trainer', (_name, container) => {
    const found = rulesOf(lint(job(`${container}\n${GPU}`)));
    expect(found).not.toContain('checkpoint-volume');
    expect(found).not.toContain('shared-memory');
    expect(found).not.toContain('preemption-policy');
  });

  test('a made-up accelerator resource (example.com/gpu) is not an accelerator', () => {
    const found = rulesOf(lint(job('        image: app:v1\n        resources:\n          limits:\n            example.com/gpu: 1')));
    expect(found).not.toContain('checkpoint-volume');
    expect(found).not.toContain('shared-memory');
  });

  test('a Job that mounts a claim is not a trainer for that alone (a database backup)', () => {
    const found = rulesOf(lint(job('        image: postgres:16\n        command: ["pg_dump", "-f", "/backup/db.sql"]\n        volumeMounts:\n        - {name: backup, mountPath: /backup}',
      '      volumes:\n      - {name: backup, persistentVolumeClaim: {claimName: backups}}')));
    expect(found).not.toContain('preemption-policy');
    expect(found).not.toContain('checkpoint-volume');
  });

  test('a trainer command without GPUs is a trainer (torchrun, python train.py)', () => {
    for (const command of ['["torchrun", "--nproc-per-node=1", "train.py"]', '["python", "/app/train.py"]', '["python3", "-m", "torch.distributed.run", "main.py"]']) {
      expect(rulesOf(lint(job(`        image: app:v1\n        command: ${command}`)))).toContain('preemption-policy');
    }
    expect(rulesOf(lint(job('        image: app:v1\n        command: ["python", "report.py"]')))).not.toContain('preemption-policy');
  });

  test('checkpoint storage is asked of trainers costly to restart: with accelerators or on spot, not a CPU trainer on on-demand nodes', () => {
    const cpu = '        image: app:v1\n        command: ["torchrun", "train.py"]';
    expect(rulesOf(lint(job(cpu)))).not.toContain('checkpoint-volume');
    expect(rulesOf(lint(job(`${cpu}\n${GPU}`)))).toContain('checkpoint-volume');
    const onSpot = '      nodeSelector: {cloud.google.com/gke-spot: "true"}\n      terminationGracePeriodSeconds: 25\n';
    expect(rulesOf(lint(job(cpu).replace('      restartPolicy: Never\n', `      restartPolicy: Never\n${onSpot}`)))).toContain('checkpoint-volume');
    // Told where to save and saving where it is lost: said to any trainer, CPU or not.
    const told = lint(job('        image: app:v1\n        command: ["torchrun", "train.py", "--checkpoint-dir=/ckpt"]\n        volumeMounts:\n        - {name: ckpt, mountPath: /ckpt}\n        - {name: data, mountPath: /data}',
      '      volumes:\n      - {name: ckpt, emptyDir: {}}\n      - {name: data, persistentVolumeClaim: {claimName: data}}'));
    expect(told.filter((f) => f.ruleId === 'checkpoint-volume').map((f) => f.message)).toEqual([expect.stringMatching(/is told to save checkpoints to \/ckpt .* not persistent/)]);
  });

  test('a workload with several pod templates gets one storage finding, and none when one of them keeps checkpoints', () => {
    const pytorch = (workerVolumes: string) => `apiVersion: kubeflow.org/v1
kind: PyTorchJob
metadata: {name: ddp}
spec:
  pytorchReplicaSpecs:
    Master:
      replicas: 1
      template:
        spec:
          containers:
          - {name: pytorch, image: trainer:v1, resources: {limits: {nvidia.com/gpu: 1}}}
    Worker:
      replicas: 2
      template:
        spec:
${workerVolumes}          containers:
          - {name: pytorch, image: trainer:v1, resources: {limits: {nvidia.com/gpu: 1}}, volumeMounts: [{name: ckpt, mountPath: /ckpt}]}
`;
    const none = lint(pytorch('          volumes: [{name: ckpt, emptyDir: {}}]\n'), 'ddp.yaml').filter((f) => f.ruleId === 'checkpoint-volume');
    expect(none.map((f) => f.message)).toEqual([
      'spec.pytorchReplicaSpecs.Master.template.spec and spec.pytorchReplicaSpecs.Worker.template.spec mount no persistent volume ' +
      '(a PersistentVolumeClaim, NFS or a storage CSI volume) for checkpoints.',
    ]);
    const workers = lint(pytorch('          volumes: [{name: ckpt, persistentVolumeClaim: {claimName: ckpt}}]\n'), 'ddp.yaml');
    expect(workers.filter((f) => f.ruleId === 'checkpoint-volume')).toEqual([]);
  });

  test('a user states it: cdk8s-training.io/training "false" silences the training advice, "true" asks for it', () => {
    const gpuJob = `        image: pytorch/pytorch:2.5.1\n${GPU}`;
    const silenced = rulesOf(lint(job(gpuJob, '', '', '  annotations: {cdk8s-training.io/training: "false"}\n')));
    expect(silenced).not.toContain('checkpoint-volume');
    expect(silenced).not.toContain('shared-memory');
    const asked = rulesOf(lint(job('        image: app:v1', '', '    metadata:\n      annotations: {cdk8s-training.io/training: "true"}\n')));
    expect(asked).toContain('checkpoint-volume');
  });
});

describe('where checkpoints and shared memory can be', () => {
  const trainer = `        image: pytorch/pytorch:2.5.1\n        command: ["python", "train.py", "--checkpoint-dir=/ckpt"]\n${GPU}\n        volumeMounts:\n        - {name: ckpt, mountPath: /ckpt}\n        - {name: dshm, mountPath: /dev/shm}`;
  const checkpointFindings = (volume: string) => lint(job(trainer, `      volumes:\n      - ${volume}\n      - {name: dshm, emptyDir: {medium: Memory}}`))
    .filter((f) => f.ruleId === 'checkpoint-volume');

  test.each([
    ['a CSI volume (GCS FUSE)', '{name: ckpt, csi: {driver: gcsfuse.csi.storage.gke.io, volumeAttributes: {bucketName: ckpts}}}'],
    ['an NFS volume', '{name: ckpt, nfs: {server: 10.0.0.2, path: /exports/ckpt}}'],
    ['a PersistentVolumeClaim', '{name: ckpt, persistentVolumeClaim: {claimName: ckpt}}'],
  ])('checkpoints on %s persist', (_name, volume) => {
    expect(checkpointFindings(volume)).toEqual([]);
  });

  test.each([
    ['an emptyDir', '{name: ckpt, emptyDir: {}}'],
    ['a generic ephemeral volume (its claim is deleted with the pod)', '{name: ckpt, ephemeral: {volumeClaimTemplate: {spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}}}}'],
    ['a secrets-store CSI volume', '{name: ckpt, csi: {driver: secrets-store.csi.k8s.io}}'],
  ])('control: checkpoints on %s are lost with the pod', (_name, volume) => {
    expect(checkpointFindings(volume).length).toBeGreaterThan(0);
  });

  test('the node\'s /dev/shm by hostPath is shared memory', () => {
    const withHostShm = lint(job(`        image: pytorch/pytorch:2.5.1\n${GPU}\n        volumeMounts:\n        - {name: dshm, mountPath: /dev/shm}`,
      '      volumes:\n      - {name: dshm, hostPath: {path: /dev/shm}}'));
    expect(rulesOf(withHostShm)).not.toContain('shared-memory');
    const withDisk = lint(job(`        image: pytorch/pytorch:2.5.1\n${GPU}\n        volumeMounts:\n        - {name: dshm, mountPath: /dev/shm}`,
      '      volumes:\n      - {name: dshm, hostPath: {path: /mnt/scratch}}'));
    expect(rulesOf(withDisk)).toContain('shared-memory');
  });
});

describe('Kueue labels', () => {
  const container = '        image: app:v1';
  test('a queue label on the workload and copied to its pod template is where Kueue reads it', () => {
    const found = lint(job(container, '', '    metadata:\n      labels: {kueue.x-k8s.io/queue-name: team}\n', '  labels: {kueue.x-k8s.io/queue-name: team}\n'));
    expect(rulesOf(found)).not.toContain('kueue-labels');
  });
  test('control: on the pod template only, it is reported', () => {
    const found = lint(job(container, '', '    metadata:\n      labels: {kueue.x-k8s.io/queue-name: team}\n'));
    expect(rulesOf(found)).toContain('kueue-labels');
  });
});

describe('templates', () => {
  test('envsubst placeholders are one finding per file, not one per field', () => {
    const found = lint(`apiVersion: kubeflow.org/v1
kind: PyTorchJob
metadata:
  name: $JOB_NAME
spec:
  pytorchReplicaSpecs:
    Worker:
      replicas: \${NUM_NODES}
      restartPolicy: OnFailure
      template:
        spec:
          containers:
          - name: pytorch
            image: \${IMAGE}
            command: ["sh", "-c", "torchrun --nnodes=$NUM_NODES train.py"]
            resources:
              limits:
                nvidia.com/gpu: $GPU_PER_NODE
`, 'pytorchjob.yaml');
    const template = found.filter((f) => f.ruleId === 'template');
    expect(template).toHaveLength(1);
    expect(template[0].message).toMatch(/^is a template: \d+ findings? about fields its placeholders fill in \(.*\$GPU_PER_NODE.*\) were left out/);
    expect(template[0].fix).toMatch(/envsubst < file.yaml \| cdk8s-training lint -/);
    // Nothing is said of a placeholder's field itself (replicas, image, the GPU count); the
    // script's own $NUM_NODES is the shell's, and its missing exec is still reported.
    const aboutFields = found.filter((f) => ['replicas', 'image', 'nvidia.com/gpu'].includes(String(f.path?.[f.path.length - 1])));
    expect(aboutFields).toEqual([]);
    expect(rulesOf(found)).toContain('shell-syntax');
  });

  test('control: the same manifest rendered gets those findings', () => {
    const found = lint(job('        image: app:v1\n        resources:\n          limits:\n            nvidia.com/gpu: "1.5"'));
    expect(found.some((f) => f.ruleId === 'gpu-resources')).toBe(true);
    expect(found.some((f) => f.ruleId === 'template')).toBe(false);
  });

  test('the kubelet\'s $(VAR) is not a placeholder', () => {
    const found = lint(job('        image: app:v1\n        env:\n        - {name: A, value: "$(B)/x"}'));
    expect(found.some((f) => f.ruleId === 'template')).toBe(false);
  });
});

describe('real problems lint used to miss', () => {
  test('an API version the target no longer serves: batch/v1beta1 CronJob on 1.32 is an error at apiVersion; batch/v1 is not', () => {
    const cron = (apiVersion: string) => `apiVersion: ${apiVersion}
kind: CronJob
metadata:
  name: nightly
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
          - {name: main, image: app:v1}
`;
    const old = lint(cron('batch/v1beta1')).filter((f) => f.ruleId === 'served-api-version');
    expect(old).toEqual([expect.objectContaining({
      severity: 'error',
      line: 1,
      column: 13,
      message: 'batch/v1beta1 CronJob is not served since Kubernetes 1.25 (the target is 1.32): kubectl apply fails with "no matches for kind".',
      fix: 'Use apiVersion batch/v1 (the same fields).',
    })]);
    expect(lint(cron('batch/v1')).filter((f) => f.ruleId === 'served-api-version')).toEqual([]);
  });

  test('a credential as a literal env value is an error; from a Secret, empty, or a flag it is not', () => {
    const env = (entries: string) => lint(job(`        image: app:v1\n        env:\n${entries}`)).filter((f) => f.ruleId === 'literal-secret');
    expect(env('        - {name: HF_TOKEN, value: hf_abcdefghijklmnopqrstuvwxyzABCDEFGH}').map((f) => f.message))
      .toEqual(["spec.template.spec container 'main' has the credential HF_TOKEN as a literal value."]);
    expect(env('        - {name: WANDB_API_KEY, value: 0123456789abcdef0123456789abcdef01234567}')).toHaveLength(1);
    expect(env('        - {name: SOME_VAR, value: AKIAABCDEFGHIJKLMNOP}')).toHaveLength(1);
    expect(env('        - name: HF_TOKEN\n          valueFrom: {secretKeyRef: {name: hf, key: token}}')).toEqual([]);
    expect(env('        - {name: HF_TOKEN, value: ""}\n        - {name: TOKENIZERS_PARALLELISM, value: "false"}\n        - {name: WANDB_API_KEY, value: $WANDB_API_KEY}')).toEqual([]);
  });

  test('a training Job\'s floating images and code fetched from a moving branch at start are warnings; a sleep container\'s are not', () => {
    const found = (container: string) => lint(job(`${container}\n${GPU}`)).filter((f) => f.ruleId === 'floating-code').map((f) => f.message);
    expect(found('        image: busybox\n        command: ["sleep", "60"]')).toEqual([]);
    expect(lint(job('        image: postgres\n        command: ["pg_dump"]')).filter((f) => f.ruleId === 'floating-code')).toEqual([]);
    expect(found('        image: pytorch/pytorch:latest')).toEqual([expect.stringMatching(/image 'pytorch\/pytorch:latest' has the tag latest/)]);
    expect(found('        image: pytorch/pytorch')).toEqual([expect.stringMatching(/has no tag \(so :latest\)/)]);
    expect(found('        image: registry.local:5000/trainer')).toEqual([expect.stringMatching(/has no tag/)]);
    expect(found('        image: pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime')).toEqual([]);
    expect(found('        image: app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef')).toEqual([]);
    const script = (text: string) => found(`        image: app:v1\n        command: ["sh", "-c", ${JSON.stringify(text)}]`);
    expect(script('git clone https://github.com/org/repo && exec python repo/train.py')).toEqual([expect.stringMatching(/moving ref \(git clone of a branch\)/)]);
    expect(script('pip install git+https://github.com/org/lib.git && exec python train.py')).toEqual([expect.stringMatching(/pip install git\+/)]);
    expect(script('git clone --branch v1.2.0 https://github.com/org/repo && exec python repo/train.py')).toEqual([]);
    expect(script('git clone https://github.com/org/repo && cd repo && git checkout 3f2a9c1 && exec python train.py')).toEqual([]);
    expect(script('pip install git+https://github.com/org/lib.git@v0.4.2 && exec python train.py')).toEqual([]);
  });

  test('torchrun --nnodes in a shell script that disagrees with the replicas is an error; one that agrees is not', () => {
    const pytorchJob = (script: string) => `apiVersion: kubeflow.org/v1
kind: PyTorchJob
metadata:
  name: ddp
spec:
  pytorchReplicaSpecs:
    Master:
      replicas: 1
      restartPolicy: ExitCode
      template:
        spec:
          containers:
          - {name: pytorch, image: app:v1, command: ["sh", "-c", ${JSON.stringify(script)}]}
    Worker:
      replicas: 3
      restartPolicy: ExitCode
      template:
        spec:
          containers:
          - {name: pytorch, image: app:v1, command: ["sh", "-c", ${JSON.stringify(script)}]}
`;
    const wrong = lint(pytorchJob('cd /app && exec torchrun --nnodes=2 --nproc-per-node=8 train.py')).filter((f) => f.ruleId === 'torchrun-nnodes');
    expect(wrong.map((f) => f.message)).toEqual([
      "Master container 'pytorch' runs torchrun --nnodes=2 in its shell script, but the PyTorchJob runs 4 nodes.",
      "Worker container 'pytorch' runs torchrun --nnodes=2 in its shell script, but the PyTorchJob runs 4 nodes.",
    ]);
    expect(lint(pytorchJob('exec torchrun --nnodes 4 train.py')).filter((f) => f.ruleId === 'torchrun-nnodes')).toEqual([]);
    expect(lint(pytorchJob('exec torchrun --nnodes=$PET_NNODES train.py')).filter((f) => f.ruleId === 'torchrun-nnodes')).toEqual([]);
  });
});

describe('precision on the public corpus (classes found there)', () => {
  test('a RestartJob action is an error a cluster with the gate on can acknowledge; a webhook refusal cannot be', () => {
    const jobSet = (annotations: string, name = 'restart_one') => `apiVersion: jobset.x-k8s.io/v1alpha2
kind: JobSet
metadata:
  name: js
${annotations}spec:
  failurePolicy:
    maxRestarts: 3
    rules:
    - {name: ${name}, action: RestartJob, onJobFailureReasons: [PodFailurePolicy]}
  replicatedJobs:
  - name: workers
    template:
      spec:
        template:
          spec:
            containers: [{name: w, image: busybox:1.36, command: [echo, hi]}]
`;
    const gated = (yaml: string) => lint(yaml, 'js.yaml').filter((f) => f.ruleId.startsWith('jobset-')).map((f) => [f.ruleId, f.severity]);
    expect(gated(jobSet(''))).toEqual([['jobset-feature-gates', 'error']]);
    expect(gated(jobSet('  annotations: {acknowledge.cdk8s-training.io/jobset-feature-gates: "our JobSet runs with RestartJob=true"}\n'))).toEqual([]);
    // A name the webhook refuses whatever its gates: not acknowledgeable.
    expect(gated(jobSet('  annotations: {acknowledge.cdk8s-training.io/jobset-admission: "we think it is fine"}\n', 'restart-one')))
      .toEqual(expect.arrayContaining([['jobset-admission', 'error']]));
  });

  test('a bash list ending in the trainer is a warning (the image\'s bash release decides); a trainer before the last command, or sh, is an error', () => {
    const sigterm = (command: string) => lint(job(`        image: trainer:v1\n        command: ${command}\n${GPU}`))
      .filter((f) => f.ruleId === 'shell-syntax').map((f) => [f.severity, f.message.replace(/^.*SIGTERM would stop at the shell/, '')]);
    expect(sigterm('["bash", "-c", "cd /app; pip install -r requirements.txt; python train.py"]')).toEqual([
      ['warning', ", unless the image's bash is a newer release (5.2 is), which runs the last command of a list in place of itself."],
    ]);
    expect(sigterm('["bash", "-c", "python train.py\\nsleep 10"]')).toEqual([['error', '.']]);
    expect(sigterm('["sh", "-c", "cd /app; python train.py"]')).toEqual([['error', " (dash, Debian's and Ubuntu's sh, forks even for a script of one command)."]]);
    expect(sigterm('["bash", "-c", "cd /app; exec python train.py"]')).toEqual([]);
  });

  test('a Trainer runtime\'s initializers fetch data, not the code that resumes: no floating-code for their images; the trainer\'s own is reported', () => {
    const runtime = (nodeImage: string) => `apiVersion: trainer.kubeflow.org/v1alpha1
kind: ClusterTrainingRuntime
metadata: {name: torch}
spec:
  mlPolicy: {numNodes: 1, torch: {numProcPerNode: auto}}
  template:
    spec:
      replicatedJobs:
      - name: dataset-initializer
        template:
          spec:
            template:
              spec:
                containers:
                - {name: dataset-initializer, image: ghcr.io/kubeflow/trainer/dataset-initializer}
      - name: node
        template:
          spec:
            template:
              spec:
                containers:
                - {name: node, image: ${nodeImage}, command: [torchrun, train.py]}
`;
    const floating = (image: string) => lint(runtime(image), 'runtime.yaml').filter((f) => f.ruleId === 'floating-code').map((f) => f.message);
    expect(floating('pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime')).toEqual([]);
    expect(floating('pytorch/pytorch')).toEqual([expect.stringMatching(/replicatedJobs\[1\].* container 'node' image 'pytorch\/pytorch' has no tag/)]);
  });

  test('a GPU Job named for inference, conversion or download is not a trainer unless its command trains', () => {
    const converter = lint(job(`        image: us-docker.pkg.dev/cloud-tpu-images/inference/jetstream-pytorch-server:v0.2.4\n        command: ["python", "convert_checkpoints.py"]\n${GPU}`, '', '', ''));
    expect(rulesOf(converter).filter((id) => ['checkpoint-volume', 'shared-memory', 'preemption-policy', 'job-ttl'].includes(id))).toEqual([]);
    const trains = lint(job(`        image: us-docker.pkg.dev/x/inference-tools:v1\n        command: ["torchrun", "train.py"]\n${GPU}`));
    expect(rulesOf(trains)).toContain('checkpoint-volume');
  });

  test('a TPU trainer gets no /dev/shm advice (DataLoader shared memory is a GPU trainer\'s), a GPU trainer does', () => {
    const tpu = lint(job('        image: python:3.11\n        command: ["python", "train.py"]\n        resources:\n          limits:\n            google.com/tpu: 4'));
    expect(rulesOf(tpu)).not.toContain('shared-memory');
    expect(rulesOf(tpu)).toContain('checkpoint-volume');
  });

  test('the sleep image is idle', () => {
    expect(rulesOf(lint(job(`        image: gcr.io/k8s-staging-perf-tests/sleep:v0.1.0\n${GPU}`)))).not.toContain('shared-memory');
  });

  test('CronJob concurrency, starting deadline and Job TTL are training advice: a backup CronJob gets none', () => {
    const cron = (container: string) => `apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
          - name: main
${container}
`;
    const backup = rulesOf(lint(cron('            image: google/cloud-sdk:500.0.0\n            command: ["gsutil", "rsync", "/data", "gs://b"]')));
    expect(backup).not.toContain('cronjob-policy');
    expect(backup).not.toContain('cronjob-starting-deadline');
    const retrain = rulesOf(lint(cron('            image: trainer:v1\n            command: ["python", "train.py"]')));
    expect(retrain).toEqual(expect.arrayContaining(['cronjob-policy', 'cronjob-starting-deadline']));
  });

  test('an envsubst placeholder in a plain argv entry is a template placeholder; in a sh -c script it is the shell\'s', () => {
    const argv = lint(job('        image: trainer:v1\n        command: ["torchrun", "--nnodes=$NUM_NODES", "train.py"]'), 'argv.yaml');
    expect(argv.filter((f) => f.ruleId === 'shell-syntax')).toEqual([]);
    expect(argv.filter((f) => f.ruleId === 'template').map((f) => f.message)).toEqual([expect.stringMatching(/\$NUM_NODES/)]);
    const script = lint(job('        image: trainer:v1\n        command: ["sh", "-c", "torchrun --nnodes=$NUM_NODES train.py"]'), 'script.yaml');
    expect(script.filter((f) => f.ruleId === 'template')).toEqual([]);
  });

  test('a multi-line script is quoted by its last line, not pasted whole', () => {
    const script = 'set -ex\npip install -U jax\n# the run\npython train.py --steps=100\n';
    const [finding] = lint(job(`        image: trainer:v1\n        command: ["bash", "-c", ${JSON.stringify(script)}]`)).filter((f) => f.ruleId === 'shell-syntax');
    expect(finding.message).toContain('does not exec its last command: "python train.py --steps=100" (the last of its 3 lines)');
    expect(finding.message).not.toContain('pip install');
  });
});

describe('fragments and kustomize bases', () => {
  test('a kustomize patch (containers with no image) is one warning, not findings about what it leaves out', () => {
    const found = lint(`apiVersion: batch/v1
kind: Job
metadata:
  name: job-name
spec:
  template:
    spec:
      containers:
      - name: jax-worker
        resources:
          limits:
            nvidia.com/gpu: 1
`, 'job-patch.yaml');
    expect(found.map((f) => [f.ruleId, f.severity, f.message])).toEqual([
      ['input', 'warning', 'is a fragment: its containers name no image (a kustomize patch?), so no rule was run on it.'],
    ]);
  });

  test('an untagged image in a kustomization\'s resource is the overlay\'s to tag; without a kustomization it is a finding', () => {
    const trainer = job(`        image: ghcr.io/kubeflow/trainer/torchtune-trainer\n        command: ["torchrun", "train.py"]\n${GPU}`);
    const base = path.join(dir, 'base', 'runtimes');
    fs.mkdirSync(base, { recursive: true });
    fs.writeFileSync(path.join(dir, 'base', 'kustomization.yaml'), 'resources: [runtimes]\n');
    const inBase = lint(trainer, path.join('base', 'runtimes', 'runtime.yaml'));
    expect(inBase.filter((f) => f.ruleId === 'floating-code')).toEqual([]);
    expect(inBase.filter((f) => f.ruleId === 'template').map((f) => f.message)).toEqual([expect.stringMatching(/untagged images/)]);
    expect(lint(trainer, 'plain.yaml').filter((f) => f.ruleId === 'floating-code')).toHaveLength(1);
  });
});

test('a TPU job that installs jax and prints the device count is a check, not a trainer; one that runs a training script is', () => {
  const tpu = (script: string) => rulesOf(lint(job(`        image: python:3.11\n        command: ["bash", "-c", ${JSON.stringify(script)}]\n        resources:\n          limits:\n            google.com/tpu: 4`)));
  const check = tpu('set -ex\npip install -U jax\necho "index: $JOB_COMPLETION_INDEX"\npython -c \'import jax; print("devices:", jax.device_count())\'\n');
  expect(check).not.toContain('checkpoint-volume');
  expect(check).not.toContain('shell-syntax');
  expect(tpu('set -e\npip install -U jax\npython distributed_train.py\n')).toContain('checkpoint-volume');
});

test('fill-in tokens are placeholders: <HF_token> is no literal secret, a volume named PSTORE_PV_NAME no bad name', () => {
  const found = lint(job('        image: trainer:v1\n        command: ["torchrun", "train.py"]\n        env:\n        - {name: HF_TOKEN, value: <HF_token>}\n        volumeMounts:\n        - {name: PSTORE_PV_NAME, mountPath: /data}',
    '      volumes:\n      - {name: PSTORE_PV_NAME, persistentVolumeClaim: {claimName: PSTORE_PVC_NAME}}'), 'fill-in.yaml');
  expect(rulesOf(found)).not.toContain('literal-secret');
  expect(rulesOf(found)).not.toContain('volumes');
  expect(found.filter((f) => f.ruleId === 'template').map((f) => f.message)).toEqual([expect.stringMatching(/PSTORE_PV_NAME/)]);
});

test('a docs excerpt (# ... where fields were left out) is one warning; a device check with hl-smi is idle; job_ID_ is a fill-in', () => {
  const excerpt = lint('apiVersion: batch/v1\nkind: Job\n# ...\nspec:\n  # ...\n  template:\n    spec:\n      # ...\n', 'excerpt.yaml');
  expect(excerpt.map((f) => [f.ruleId, f.severity])).toEqual([['input', 'warning']]);
  expect(excerpt[0].message).toMatch(/is an excerpt \('# \.\.\.' where fields were left out\)/);
  const hlSmi = rulesOf(lint(job('        image: vault.habana.ai/gaudi-docker/1.5.0/ubuntu20.04/habanalabs/tensorflow-installer-tf-cpu-2.9.1\n        command: ["hl-smi"]\n        resources:\n          limits:\n            habana.ai/gaudi: 1')));
  expect(hlSmi).not.toContain('checkpoint-volume');
  const named = lint(job('        image: trainer:v1\n        command: ["torchrun", "train.py"]', '', '', '  labels: {job-name: job_ID_}\n'));
  expect(rulesOf(named)).not.toContain('labels');
});

test('a ReadWriteOnce claim from a JobSet\'s volumeClaimPolicies under several pods is an error; ReadWriteMany is not', () => {
  const jobSet = (mode: string) => `apiVersion: jobset.x-k8s.io/v1alpha2
kind: JobSet
metadata:
  name: ddp
spec:
  volumeClaimPolicies:
  - templates:
    - metadata: {name: checkpoints}
      spec: {accessModes: [${mode}], resources: {requests: {storage: 1Ti}}}
  replicatedJobs:
  - name: node
    template:
      spec:
        parallelism: 4
        completions: 4
        template:
          spec:
            restartPolicy: Never
            containers:
            - name: node
              image: trainer:v1
              command: ["torchrun", "train.py"]
              volumeMounts: [{name: checkpoints, mountPath: /ckpt}]
`;
  const rwo = lint(jobSet('ReadWriteOnce')).filter((f) => f.ruleId === 'shared-rwo-claim');
  expect(rwo.map((f) => [f.severity, f.message])).toEqual([['error',
    "spec.replicatedJobs[0].template.spec.template.spec mounts the volumeClaimPolicies claim 'checkpoints' (ReadWriteOnce) from up to 4 pods at once: a pod the scheduler places on another node than the first hangs in ContainerCreating (Multi-Attach error)."]]);
  expect(rwo[0].fix).toMatch(/Set accessModes: \[ReadWriteMany\] in its volumeClaimPolicies template/);
  expect(lint(jobSet('ReadWriteMany')).filter((f) => f.ruleId === 'shared-rwo-claim')).toEqual([]);
});
