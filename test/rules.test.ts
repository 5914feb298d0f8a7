import * as fs from 'fs';
import * as path from 'path';
import { expectConformant } from './util/conformance';
import { renderRulesReference } from '../src/cli/rules-reference';
import { contextFor, evaluate } from '../src/findings/evaluate';
import { ALL_RULES } from '../src/rules';
import { Rule } from '../src/rules/rule';

/** A hand-written Job that complies with every rule: the baseline each case mutates. */
function compliantJob(): any {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'train', labels: { 'app': 'train', 'kueue.x-k8s.io/queue-name': 'gpu' } },
    spec: {
      backoffLimit: 2,
      activeDeadlineSeconds: 3600,
      ttlSecondsAfterFinished: 86400,
      podFailurePolicy: {
        rules: [
          { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
          { action: 'Ignore', onExitCodes: { containerName: 'trainer', operator: 'In', values: [143] }, onPodConditions: [] },
        ],
      },
      template: {
        metadata: { labels: { app: 'train' } },
        spec: {
          restartPolicy: 'Never',
          terminationGracePeriodSeconds: 30,
          nodeSelector: { 'cloud.google.com/gke-spot': 'true' },
          tolerations: [
            { key: 'cloud.google.com/gke-spot', operator: 'Equal', value: 'true', effect: 'NoSchedule' },
            { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' },
          ],
          containers: [{
            name: 'trainer',
            image: 'trainer:v1',
            env: [{ name: 'CHECKPOINT_DIR', value: '/checkpoints' }, { name: 'PREEMPTION_EXIT_CODE', value: '143' }],
            resources: {
              requests: { 'cpu': '4', 'memory': '16Gi', 'nvidia.com/gpu': 1 },
              limits: { 'cpu': '4', 'memory': '16Gi', 'nvidia.com/gpu': 1 },
            },
            volumeMounts: [{ name: 'checkpoints', mountPath: '/checkpoints' }, { name: 'dshm', mountPath: '/dev/shm' }],
          }],
          volumes: [
            { name: 'checkpoints', persistentVolumeClaim: { claimName: 'ckpt' } },
            { name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '4Gi' } },
          ],
        },
      },
    },
  };
}

/** A topology spread constraint over zones, with `fields` changed. */
function spread(fields: any): any {
  return { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'train' } }, ...fields };
}

/** The first required node affinity term of the Job's pod (created empty if there is none). */
function requiredTerm(job: any): any {
  const spec = job.spec.template.spec;
  spec.affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{}] } } };
  return spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0];
}

function compliantClaim(mode = 'ReadWriteMany'): any {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'ckpt' },
    spec: { accessModes: [mode], resources: { requests: { storage: '1Ti' } }, storageClassName: 'standard-rwx' },
  };
}

/** A compliant CronJob around the compliant Job's spec. */
function compliantCronJob(): any {
  const job = compliantJob();
  // Each run checkpoints to its own folder, named after its Job.
  const trainer = job.spec.template.spec.containers[0];
  trainer.env.push({ name: 'RUN', valueFrom: { fieldRef: { fieldPath: "metadata.labels['batch.kubernetes.io/job-name']" } } });
  trainer.volumeMounts[0].subPathExpr = 'retrain/$(RUN)';
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'retrain' },
    spec: {
      schedule: '0 2 * * 0',
      timeZone: 'Etc/UTC',
      concurrencyPolicy: 'Forbid',
      startingDeadlineSeconds: 3600,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
      jobTemplate: { metadata: { labels: job.metadata.labels }, spec: job.spec },
    },
  };
}

/** A compliant PyTorchJob with the compliant Job's pod template on Master and Worker. */
function compliantPyTorchJob(): any {
  const template = () => {
    const t = compliantJob().spec.template;
    t.spec.containers[0].name = 'pytorch';
    t.spec.containers[0].command = ['torchrun', '--master_addr=$(MASTER_ADDR)', '--master_port=$(MASTER_PORT)', 'train.py'];
    return t;
  };
  return {
    apiVersion: 'kubeflow.org/v1',
    kind: 'PyTorchJob',
    metadata: { name: 'ddp', labels: { 'kueue.x-k8s.io/queue-name': 'gpu' } },
    spec: {
      nprocPerNode: '1',
      runPolicy: { cleanPodPolicy: 'Running', ttlSecondsAfterFinished: 86400, activeDeadlineSeconds: 3600, backoffLimit: 3 },
      pytorchReplicaSpecs: {
        Master: { replicas: 1, restartPolicy: 'ExitCode', template: template() },
        Worker: { replicas: 3, restartPolicy: 'ExitCode', template: template() },
      },
    },
  };
}

/** A compliant JobSet: one Indexed Job of 4 nodes with the compliant Job's pod template. */
function compliantJobSet(): any {
  const job = compliantJob();
  return {
    apiVersion: 'jobset.x-k8s.io/v1alpha2',
    kind: 'JobSet',
    metadata: { name: 'ddp', labels: job.metadata.labels },
    spec: {
      failurePolicy: {
        maxRestarts: 3,
        rules: [
          { name: 'preemption', action: 'RestartJobSetAndIgnoreMaxRestarts', onJobFailureReasons: ['PodFailurePolicy'] },
          { name: 'config_error', action: 'FailJobSet', onJobFailureReasons: ['PodFailurePolicy'], targetReplicatedJobs: ['node'] },
        ],
      },
      replicatedJobs: [{
        name: 'node',
        replicas: 1,
        template: { spec: { ...job.spec, completionMode: 'Indexed', completions: 4, parallelism: 4, backoffLimit: 0 } },
      }],
    },
  };
}

type Mutation = (job: any) => void;
const pod = (job: any) => job.spec.template.spec;
const trainer = (job: any) => pod(job).containers[0];

/** For each rule: mutations of the compliant Job that must each be reported, with the message. */
const VIOLATIONS: { [ruleId: string]: Array<[string, Mutation, RegExp]> } = {
  'literal-secret': [
    ['HF_TOKEN as a literal', (j) => { trainer(j).env.push({ name: 'HF_TOKEN', value: 'hf_abcdefghijklmnopqrstuvwxyzABCDEFGH' }); }, /has the credential HF_TOKEN as a literal value/],
  ],
  'floating-code': [
    ['the tag latest', (j) => { trainer(j).image = 'trainer:latest'; }, /image 'trainer:latest' has the tag latest/],
    ['git clone of a branch at start', (j) => { trainer(j).command = ['sh', '-c', 'git clone https://github.com/o/r && exec python r/train.py']; },
      /fetches code at start from a moving ref \(git clone of a branch\)/],
  ],
  'field-types': [
    ['tolerations as a string', (j) => { pod(j).tolerations = 'nvidia.com/gpu'; }, /spec.template.spec.tolerations is a string \("nvidia.com\/gpu"\); Kubernetes expects a list there/],
    ['env as a map', (j) => { trainer(j).env = { LR: '3e-4' }; }, /spec.template.spec.containers\[0\].env is an object; Kubernetes expects a list there/],
    ['a command with a number', (j) => { trainer(j).command = ['python', 3]; }, /containers\[0\].command is a list; Kubernetes expects a list of strings there/],
    ['podFailurePolicy rules as a string', (j) => { j.spec.podFailurePolicy.rules = 'Ignore'; }, /spec.podFailurePolicy.rules is a string \("Ignore"\)/],
  ],
  'job-restart-policy': [
    ['restartPolicy omitted', (j) => { delete pod(j).restartPolicy; }, /not set \(defaults to Always\)/],
    ['restartPolicy Always', (j) => { pod(j).restartPolicy = 'Always'; }, /'Always'; a Job needs Never or OnFailure/],
    ['OnFailure with a podFailurePolicy', (j) => { pod(j).restartPolicy = 'OnFailure'; }, /only "Never" is supported/],
  ],
  'job-counts': [
    ['negative backoffLimit', (j) => { j.spec.backoffLimit = -1; }, /backoffLimit \(-1\) must be a whole number >= 0/],
    ['zero activeDeadlineSeconds', (j) => { j.spec.activeDeadlineSeconds = 0; }, /activeDeadlineSeconds \(0\) must be a whole number > 0/],
    ['Indexed without completions', (j) => { j.spec.completionMode = 'Indexed'; }, /Indexed requires completions/],
  ],
  'job-pod-failure-policy': [
    ['both onExitCodes and onPodConditions', (j) => { j.spec.podFailurePolicy.rules[1].onPodConditions = [{ type: 'DisruptionTarget' }]; }, /exactly one of onExitCodes and onPodConditions/],
    ['exit code 0 with In', (j) => { j.spec.podFailurePolicy.rules[1].onExitCodes.values = [0, 143]; }, /must not contain 0 with operator In/],
    ['codes not ascending', (j) => { j.spec.podFailurePolicy.rules[1].onExitCodes.values = [143, 2]; }, /strictly ascending/],
    ['unknown container', (j) => { j.spec.podFailurePolicy.rules[1].onExitCodes.containerName = 'main'; }, /'main' names no container/],
    ['unknown action', (j) => { j.spec.podFailurePolicy.rules[0].action = 'Retry'; }, /action 'Retry' must be one of/],
    ['FailIndex without backoffLimitPerIndex', (j) => { j.spec.podFailurePolicy.rules[0].action = 'FailIndex'; }, /FailIndex needs backoffLimitPerIndex/],
  ],
  'job-selector': [
    ['a manual selector', (j) => { j.spec.selector = { matchLabels: { app: 'train' } }; j.spec.manualSelector = true; }, /spec.selector is set/],
    ['a job-name label', (j) => { j.spec.template.metadata.labels['job-name'] = 'train'; }, /'job-name' belongs to the Job controller/],
  ],
  'job-name-length': [
    ['a 64-character name', (j) => { j.metadata.name = 'a'.repeat(64); }, /has 64 characters; the job-name label allows 63/],
    ['an Indexed hostname over 63', (j) => { j.metadata.name = 'a'.repeat(60); j.spec.completionMode = 'Indexed'; j.spec.completions = 1000; }, /pod hostname 'a{60}-999' has 64 characters/],
  ],
  'version-gated-fields': [
    ['podReplacementPolicy on 1.28', (j) => { j.spec.podReplacementPolicy = 'Failed'; }, /spec.podReplacementPolicy needs Kubernetes 1.29\+/],
    ['successPolicy on 1.28', (j) => { j.spec.successPolicy = { rules: [] }; }, /spec.successPolicy needs Kubernetes 1.31\+/],
    ['a native sidecar on 1.28', (j) => { j.spec.template.spec.initContainers = [{ name: 'log-shipper', image: 'shipper:v1', restartPolicy: 'Always' }]; },
      /initContainers\[\]\.restartPolicy Always \(a native sidecar\) needs Kubernetes 1.29\+; a 1.28 apiserver drops it silently/],
  ],
  'job-ttl': [
    ['no ttlSecondsAfterFinished', (j) => { delete j.spec.ttlSecondsAfterFinished; }, /ttlSecondsAfterFinished is not set/],
  ],
  'job-deadline': [
    // What an escape hatch removing the constructs' deadline leaves.
    ['Ignore rules without a deadline', (j) => { delete j.spec.activeDeadlineSeconds; },
      /spec.activeDeadlineSeconds is not set, but the podFailurePolicy ignores some failures: those are retried without end/],
  ],
  'gpu-resources': [
    ['1.5 GPUs', (j) => { trainer(j).resources.requests['nvidia.com/gpu'] = '1.5'; trainer(j).resources.limits['nvidia.com/gpu'] = '1.5'; }, /request \(1.5\) must be a whole number/],
    ['request differs from limit', (j) => { trainer(j).resources.requests['nvidia.com/gpu'] = 2; }, /must be equal to nvidia.com\/gpu limit of 1/],
    ['request without a limit', (j) => { delete trainer(j).resources.limits['nvidia.com/gpu']; }, /has a request \(1\) without a limit/],
  ],
  'resource-quantities': [
    ['memory 512m', (j) => { trainer(j).resources.limits.memory = '512m'; trainer(j).resources.requests.memory = '512m'; }, /'512m'\) is in millibytes/],
    ['not a quantity', (j) => { trainer(j).resources.limits.cpu = 'four'; }, /'four'\) is not a Kubernetes quantity/],
    // `nvidia.com/gpu:` with nothing after it (a public FSDP example): accepted, as 0 GPUs.
    ['a GPU count left empty (null)', (j) => { trainer(j).resources.limits['nvidia.com/gpu'] = null; trainer(j).resources.requests['nvidia.com/gpu'] = null; },
      /limits.nvidia.com\/gpu has no value \(null\), which the apiserver reads as 0: the container asks for no nvidia.com\/gpu/],
    ['request above limit', (j) => { trainer(j).resources.requests.cpu = '8'; }, /cpu request \(8\) exceeds its limit \(4\)/],
    ['unknown resource name', (j) => { trainer(j).resources.limits.gpu = 1; }, /'gpu' is not a resource Kubernetes knows/],
  ],
  'env-vars': [
    ['an invalid name', (j) => { trainer(j).env.push({ name: '1LR', value: 'x' }); }, /env '1LR': not a valid environment variable name/],
    ['value and valueFrom', (j) => { trainer(j).env.push({ name: 'T', value: 'x', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }); }, /mutually exclusive/],
    ['a fieldRef the downward API does not expose', (j) => { trainer(j).env.push({ name: 'PHASE', valueFrom: { fieldRef: { fieldPath: 'status.phase' } } }); },
      /env 'PHASE': valueFrom.fieldRef fieldPath 'status.phase' is not a pod field an env var can read/],
    ['an annotation without its quotes', (j) => { trainer(j).env.push({ name: 'RANK', valueFrom: { fieldRef: { fieldPath: 'metadata.annotations[batch.kubernetes.io/job-completion-index]' } } }); },
      /fieldPath 'metadata.annotations\[batch.kubernetes.io\/job-completion-index\]' is not a pod field/],
    ['all labels at once', (j) => { trainer(j).env.push({ name: 'L', valueFrom: { fieldRef: { fieldPath: 'metadata.labels' } } }); }, /reads all of them, which an env var cannot/],
    ['a subscript on another field', (j) => { trainer(j).env.push({ name: 'N', valueFrom: { fieldRef: { fieldPath: "spec.nodeSelector['zone']" } } }); }, /only metadata.labels and metadata.annotations take a \['key'\]/],
    ['a fieldRef apiVersion other than v1', (j) => { trainer(j).env.push({ name: 'N', valueFrom: { fieldRef: { apiVersion: 'v2', fieldPath: 'metadata.name' } } }); }, /apiVersion 'v2' must be v1/],
    ['a GPU count by resourceFieldRef', (j) => { trainer(j).env.push({ name: 'G', valueFrom: { resourceFieldRef: { resource: 'limits.nvidia.com/gpu' } } }); },
      /resourceFieldRef resource 'limits.nvidia.com\/gpu' is not one an env var can read/],
  ],
  'shell-syntax': [
    ["the seed's $(date ...) in args", (j) => { trainer(j).args = ['--data-start-date=$(date -d "30 days ago" +%Y-%m-%d)']; },
      /args "--data-start-date=\$\(date -d "30 days ago" \+%Y-%m-%d\)" has shell syntax that no shell will run: '\$\(date -d "30 days ago" \+%Y-%m-%d\)'/],
    ['an undefined $(VAR)', (j) => { trainer(j).args = ['--out=$(OUTPUT_DIR)']; }, /'\$\(OUTPUT_DIR\)' \(a command substitution or an undefined variable/],
    ['backticks', (j) => { trainer(j).args = ['--run=`hostname`']; }, /backticks/],
    ['${VAR}', (j) => { trainer(j).args = ['--dir=${CHECKPOINT_DIR}']; }, /'\$\{CHECKPOINT_DIR\}'/],
    ['$VAR', (j) => { trainer(j).command = ['python', 'train.py', '--dir=$CHECKPOINT_DIR']; }, /'\$CHECKPOINT_DIR'/],
    ['&&', (j) => { trainer(j).command = ['pip install x && python train.py']; }, /'&&' \/ '\|\|'/],
    ['a pipe token', (j) => { trainer(j).args = ['train.py', '|', 'tee', 'log']; }, /a '\|' or ';' separator/],
    ['a trailing ;', (j) => { trainer(j).command = ['python', 'prepare.py;', 'python', 'train.py']; }, /a '\|' or ';' separator/],
    ['sh -c without exec', (j) => { trainer(j).command = ['/bin/sh', '-c', 'cd /app && python train.py']; }, /runs a sh script that does not exec its last command/],
  ],
  'preemption-exit-code': [
    ['exit code 0', (j) => { trainer(j).env[1].value = '0'; }, /PREEMPTION_EXIT_CODE \(0\) must be an exit code from 1 to 255: exit 0 marks an unfinished Job Succeeded/],
    ['a code the policy does not ignore', (j) => { trainer(j).env[1].value = '99'; }, /exits 99 after its emergency checkpoint, but the podFailurePolicy does not ignore 99/],
  ],
  'acknowledgement': [
    ['an unknown rule id', (j) => { j.metadata.annotations = { 'acknowledge.cdk8s-training.io/no-such-rule': 'x' }; }, /names no rule/],
    ['an empty reason', (j) => { j.metadata.annotations = { 'acknowledge.cdk8s-training.io/job-ttl': ' ' }; }, /has no reason; the rule still applies/],
  ],
  'containers': [
    ['a duplicated name', (j) => { pod(j).containers.push({ name: 'trainer', image: 'x' }); }, /'trainer' is used twice/],
    ['no image', (j) => { delete trainer(j).image; }, /container 'trainer' has no image/],
    ['an uppercase name', (j) => { trainer(j).name = 'Trainer'; j.spec.podFailurePolicy.rules[1].onExitCodes.containerName = 'Trainer'; }, /'Trainer' is not a DNS-1123 label/],
    ['port 0', (j) => { trainer(j).ports = [{ containerPort: 0 }]; }, /container 'trainer' ports\[0\]\.containerPort \(0\) must be a port number from 1 to 65535/],
    ['a port above 65535', (j) => { trainer(j).ports = [{ containerPort: 70000 }]; }, /ports\[0\]\.containerPort \(70000\) must be a port number/],
    ['a port without a number', (j) => { trainer(j).ports = [{ name: 'metrics' }]; }, /ports\[0\]\.containerPort \(undefined\) must be a port number/],
    ['a bad hostPort', (j) => { trainer(j).ports = [{ containerPort: 80, hostPort: -1 }]; }, /ports\[0\]\.hostPort \(-1\) must be a port number/],
    ['a port name longer than 15', (j) => { trainer(j).ports = [{ containerPort: 80, name: 'prometheus-metrics' }]; }, /name 'prometheus-metrics' is longer than 15 characters/],
    ['an upper-case port name', (j) => { trainer(j).ports = [{ containerPort: 80, name: 'Metrics' }]; }, /name 'Metrics' may contain only lower-case letters, digits and '-'/],
    ['a port name of digits', (j) => { trainer(j).ports = [{ containerPort: 80, name: '8080' }]; }, /name '8080' must contain a letter/],
    ['a port name with --', (j) => { trainer(j).ports = [{ containerPort: 80, name: 'a--b' }]; }, /name 'a--b' must not contain '--'/],
    ['a port name used twice', (j) => { trainer(j).ports = [{ containerPort: 80, name: 'http' }, { containerPort: 81, name: 'http' }]; }, /ports\[1\]\.name 'http' is used twice in the container/],
    ['an unknown protocol', (j) => { trainer(j).ports = [{ containerPort: 80, protocol: 'tcp' }]; }, /protocol 'tcp' must be one of TCP, UDP, SCTP/],
    ['imagePullPolicy in lower case', (j) => { trainer(j).imagePullPolicy = 'always'; }, /container 'trainer' imagePullPolicy 'always' must be one of Always, IfNotPresent, Never/],
    ['an unknown terminationMessagePolicy', (j) => { trainer(j).terminationMessagePolicy = 'Logs'; }, /terminationMessagePolicy 'Logs' must be one of File, FallbackToLogsOnError/],
  ],
  'volumes': [
    ['a mount of an undeclared volume', (j) => { trainer(j).volumeMounts.push({ name: 'data', mountPath: '/data' }); }, /mount 'data' names no declared volume/],
    ['a volume with two sources', (j) => { pod(j).volumes[1].hostPath = { path: '/x' }; }, /exactly one source, found 2/],
    ['an escaping subPath', (j) => { trainer(j).volumeMounts[0].subPath = '../other'; }, /subPath '..\/other' must be relative without '..'/],
    ['a repeated mountPath', (j) => { trainer(j).volumeMounts[1].mountPath = '/checkpoints'; }, /repeats mountPath '\/checkpoints'/],
  ],
  'unschedulable-placement': [
    ['spot selected and excluded', (j) => {
      requiredTerm(j).matchExpressions = [{ key: 'cloud.google.com/gke-spot', operator: 'NotIn', values: ['true'] }];
    }, /spec.template.spec.affinity: no node can match cloud.google.com\/gke-spot=true \(nodeSelector\) and cloud.google.com\/gke-spot NotIn \(true\) \(nodeSelectorTerms\[0\].matchExpressions\[0\]\), so every pod stays Pending/],
    ['In and NotIn of the same value in one term', (j) => {
      requiredTerm(j).matchExpressions = [{ key: 'zone', operator: 'In', values: ['a'] }, { key: 'zone', operator: 'NotIn', values: ['a'] }];
    }, /zone In \(a\) \(nodeSelectorTerms\[0\].matchExpressions\[0\]\) and zone NotIn \(a\) \(nodeSelectorTerms\[0\].matchExpressions\[1\]\)/],
    ['Exists and DoesNotExist', (j) => {
      requiredTerm(j).matchExpressions = [{ key: 'gpu', operator: 'Exists' }, { key: 'gpu', operator: 'DoesNotExist' }];
    }, /gpu Exists .* and gpu DoesNotExist/],
    ['Gt 8 and Lt 9 (no integer between)', (j) => {
      requiredTerm(j).matchExpressions = [{ key: 'gpu-count', operator: 'Gt', values: ['8'] }, { key: 'gpu-count', operator: 'Lt', values: ['9'] }];
    }, /gpu-count Gt \(8\) .* and gpu-count Lt \(9\)/],
    ['disjoint In sets', (j) => {
      requiredTerm(j).matchExpressions = [{ key: 'zone', operator: 'In', values: ['a', 'b'] }, { key: 'zone', operator: 'In', values: ['c'] }];
    }, /zone In \(a, b\) .* and zone In \(c\)/],
    ['every one of two terms contradicts the selector', (j) => {
      requiredTerm(j).matchExpressions = [{ key: 'cloud.google.com/gke-spot', operator: 'DoesNotExist' }];
      j.spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms.push(
        { matchExpressions: [{ key: 'cloud.google.com/gke-spot', operator: 'In', values: ['false'] }] });
    }, /gke-spot DoesNotExist \(nodeSelectorTerms\[0\].matchExpressions\[0\]\); nor cloud.google.com\/gke-spot=true \(nodeSelector\) and cloud.google.com\/gke-spot In \(false\) \(nodeSelectorTerms\[1\]/],
  ],
  'gpu-model-label': [
    ['GKE\'s accelerator name under the feature-discovery label', (j) => { pod(j).nodeSelector['nvidia.com/gpu.product'] = 'nvidia-tesla-a100'; },
      /spec.template.spec.nodeSelector selects nvidia.com\/gpu.product=nvidia-tesla-a100, a lower-case \(GKE\) accelerator name/],
    ['a device name under the GKE label, in a required term', (j) => {
      requiredTerm(j).matchExpressions = [{ key: 'cloud.google.com/gke-accelerator', operator: 'In', values: ['nvidia-l4', 'NVIDIA-L4'] }];
    }, /nodeSelectorTerms\[0\].matchExpressions\[0\] selects cloud.google.com\/gke-accelerator=NVIDIA-L4, which has upper case/],
    ['a GKE accelerator type under Karpenter\'s label', (j) => { pod(j).nodeSelector['karpenter.k8s.aws/instance-gpu-name'] = 'nvidia-tesla-a100'; },
      /selects karpenter.k8s.aws\/instance-gpu-name=nvidia-tesla-a100; its values are the instance type's GPU name in lower case \(a100, h100, l40s, a10g, t4\), so no node matches and Karpenter provisions none/],
  ],
  'node-selection': [
    ['a nodeSelector value with a space', (j) => { pod(j).nodeSelector['cloud.google.com/gke-accelerator'] = 'nvidia tesla a100'; },
      /nodeSelector 'cloud.google.com\/gke-accelerator' value 'nvidia tesla a100' is not a valid label value/],
    ['an operator in lower case', (j) => { requiredTerm(j).matchExpressions = [{ key: 'cloud.google.com/gke-accelerator', operator: 'in', values: ['nvidia-h100-80gb'] }]; },
      /nodeSelectorTerms\[0\]\.matchExpressions\[0\]\.operator 'in' must be one of In, NotIn, Exists, DoesNotExist, Gt, Lt/],
    ['In without values', (j) => { requiredTerm(j).matchExpressions = [{ key: 'zone', operator: 'In' }]; }, /operator In needs values/],
    ['Exists with values', (j) => { requiredTerm(j).matchExpressions = [{ key: 'gpu', operator: 'Exists', values: ['true'] }]; }, /operator Exists takes no values \(found 1\)/],
    ['Gt with two values', (j) => { requiredTerm(j).matchExpressions = [{ key: 'gpu-count', operator: 'Gt', values: ['1', '2'] }]; }, /operator Gt takes exactly one value/],
    ['a required value with a slash', (j) => { requiredTerm(j).matchExpressions = [{ key: 'zone', operator: 'In', values: ['us-central1/a'] }]; },
      /values\[0\] 'us-central1\/a' is not a valid label value/],
    ['a matchField other than metadata.name', (j) => { requiredTerm(j).matchFields = [{ key: 'spec.nodeName', operator: 'In', values: ['n1'] }]; },
      /matchFields\[0\]\.key 'spec.nodeName' must be metadata.name/],
    ['no terms', (j) => { pod(j).affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } } }; }, /has no nodeSelectorTerms/],
    ['a preferred weight of 0', (j) => {
      pod(j).affinity = { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 0, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] } }] } };
    }, /preferredDuringSchedulingIgnoredDuringExecution\[0\]\.weight \(0\) must be from 1 to 100/],
    ['a spread with maxSkew 0', (j) => { pod(j).topologySpreadConstraints = [spread({ maxSkew: 0 })]; }, /topologySpreadConstraints\[0\]\.maxSkew \(0\) must be a whole number of at least 1/],
    ['a spread without a topologyKey', (j) => { pod(j).topologySpreadConstraints = [spread({ topologyKey: '' })]; }, /topologySpreadConstraints\[0\] has no topologyKey/],
    ['whenUnsatisfiable in lower case', (j) => { pod(j).topologySpreadConstraints = [spread({ whenUnsatisfiable: 'doNotSchedule' })]; },
      /whenUnsatisfiable 'doNotSchedule' must be one of DoNotSchedule, ScheduleAnyway/],
    ['the same key and action twice', (j) => { pod(j).topologySpreadConstraints = [spread({}), spread({ maxSkew: 2 })]; }, /topologySpreadConstraints\[1\] repeats \{topology.kubernetes.io\/zone, DoNotSchedule\}/],
    ['minDomains with ScheduleAnyway', (j) => { pod(j).topologySpreadConstraints = [spread({ whenUnsatisfiable: 'ScheduleAnyway', minDomains: 2 })]; },
      /minDomains needs whenUnsatisfiable DoNotSchedule, not ScheduleAnyway/],
    ['an unknown nodeTaintsPolicy', (j) => { pod(j).topologySpreadConstraints = [spread({ nodeTaintsPolicy: 'honor' })]; }, /nodeTaintsPolicy 'honor' must be Honor or Ignore/],
  ],
  'security-context': [
    ['seccomp runtime/default', (j) => { pod(j).securityContext = { seccompProfile: { type: 'runtime/default' } }; },
      /spec.template.spec.securityContext.seccompProfile.type 'runtime\/default' must be one of RuntimeDefault, Localhost, Unconfined/],
    ['Localhost without a profile', (j) => { trainer(j).securityContext = { seccompProfile: { type: 'Localhost' } }; }, /container 'trainer' securityContext.seccompProfile.localhostProfile is required with type Localhost/],
    ['an absolute localhostProfile', (j) => { pod(j).securityContext = { seccompProfile: { type: 'Localhost', localhostProfile: '/var/lib/kubelet/seccomp/x.json' } }; },
      /localhostProfile '\/var\/lib\/kubelet\/seccomp\/x.json' must be a path relative/],
    ['a localhostProfile with RuntimeDefault', (j) => { pod(j).securityContext = { seccompProfile: { type: 'RuntimeDefault', localhostProfile: 'x.json' } }; },
      /localhostProfile is only for type Localhost, not RuntimeDefault/],
    ['an AppArmor type in lower case', (j) => { trainer(j).securityContext = { appArmorProfile: { type: 'runtimeDefault' } }; }, /appArmorProfile.type 'runtimeDefault' must be one of/],
    ['a negative runAsUser', (j) => { pod(j).securityContext = { runAsUser: -1 }; }, /securityContext.runAsUser \(-1\) must be a whole number from 0 to 2147483647/],
    ['an id left as a template placeholder', (j) => { pod(j).securityContext = { runAsUser: { '{runAsUser}': null } }; }, /runAsUser \(\{"\{runAsUser\}":null\}\) must be a whole number/],
    ['a supplemental group too large', (j) => { pod(j).securityContext = { supplementalGroups: [4294967295] }; }, /supplementalGroups\[0\] \(4294967295\) must be a whole number/],
    ['fsGroupChangePolicy in lower case', (j) => { pod(j).securityContext = { fsGroup: 1000, fsGroupChangePolicy: 'onRootMismatch' }; }, /fsGroupChangePolicy 'onRootMismatch' must be one of OnRootMismatch, Always/],
    ['an unknown procMount', (j) => { trainer(j).securityContext = { procMount: 'Masked' }; }, /procMount 'Masked' must be one of Default, Unmasked/],
    ['privileged without escalation', (j) => { trainer(j).securityContext = { privileged: true, allowPrivilegeEscalation: false }; }, /allowPrivilegeEscalation false and privileged true/],
    ['CAP_SYS_ADMIN without escalation', (j) => { trainer(j).securityContext = { allowPrivilegeEscalation: false, capabilities: { add: ['CAP_SYS_ADMIN'] } }; },
      /allowPrivilegeEscalation false and adds CAP_SYS_ADMIN/],
  ],
  'tolerations': [
    ['Exists with a value', (j) => { pod(j).tolerations[1].value = 'present'; }, /operator Exists takes no value/],
    ['tolerationSeconds without NoExecute', (j) => { pod(j).tolerations[1].tolerationSeconds = 60; }, /tolerationSeconds is only allowed with effect NoExecute/],
    ['an unknown effect', (j) => { pod(j).tolerations[1].effect = 'NoRun'; }, /effect 'NoRun' must be one of/],
  ],
  'labels': [
    ['a label value over 63', (j) => { j.metadata.labels.experiment = 'x'.repeat(64); }, /label 'experiment' value 'x{64}' is not a valid label value/],
    ['a bad pod template label key', (j) => { j.spec.template.metadata.labels['bad key'] = 'x'; }, /label key 'bad key' is not a valid label key/],
  ],
  'priority': [
    ['spec.priority set by hand', (j) => { pod(j).priority = 1000; }, /priority is set; set priorityClassName instead/],
    ['a bad priorityClassName', (j) => { pod(j).priorityClassName = 'High'; }, /priorityClassName 'High' is not a DNS subdomain/],
  ],
  'shared-memory': [
    ['a GPU container without /dev/shm', (j) => { trainer(j).volumeMounts.pop(); pod(j).volumes.pop(); }, /uses GPUs without a memory-backed \/dev\/shm/],
  ],
  'shared-rwo-claim': [
    ['a ReadWriteOnce claim with parallelism 4', (j) => { j.spec.parallelism = 4; j.spec.completions = 4; j.__claim = 'ReadWriteOnce'; }, /mounts claim 'ckpt' \(ReadWriteOnce\) from up to 4 pods at once/],
  ],
  'spot-grace': [
    ['EKS spot with the default 30 s grace', (j) => { pod(j).nodeSelector = { 'eks.amazonaws.com/capacityType': 'SPOT' }; pod(j).tolerations.shift(); },
      /terminationGracePeriodSeconds \(30\) is below the EKS spot notice of 120 seconds/],
    ['GKE spot with a 10 s grace', (j) => { pod(j).terminationGracePeriodSeconds = 10; }, /\(10\) is below the GKE spot notice of 30 seconds/],
  ],
  'spot-selection': [
    ['a spot toleration without the selector', (j) => { delete pod(j).nodeSelector; }, /tolerates the GKE spot taint but does not select cloud.google.com\/gke-spot=true/],
    // AKS always taints its spot pools; GKE only where the pool's operator asked (see below).
    ['an AKS spot selector without the toleration', (j) => {
      pod(j).nodeSelector = { 'kubernetes.azure.com/scalesetpriority': 'spot' };
      pod(j).tolerations.shift();
      pod(j).terminationGracePeriodSeconds = 30;
    }, /selects AKS spot nodes but does not tolerate their kubernetes.azure.com\/scalesetpriority taint/],
  ],
  'kueue-labels': [
    // Moved from the Job to its pod template (a copy on both is where Kueue reads it: no finding).
    ['the queue label on the pod template', (j) => { delete j.metadata.labels['kueue.x-k8s.io/queue-name']; j.spec.template.metadata.labels['kueue.x-k8s.io/queue-name'] = 'gpu'; }, /has the Kueue label 'kueue.x-k8s.io\/queue-name'/],
  ],
  'checkpoint-volume': [
    ['no claim mounted', (j) => { trainer(j).volumeMounts.shift(); pod(j).volumes.shift(); }, /mounts no persistent volume \(a PersistentVolumeClaim, NFS or a storage CSI volume\) for checkpoints/],
    ['CHECKPOINT_DIR where no volume is mounted (a typo)', (j) => { trainer(j).env[0].value = '/checkpoint'; },
      /container 'trainer' saves checkpoints to CHECKPOINT_DIR \/checkpoint, which is on no mounted volume \(the container's own filesystem\): the checkpoints are lost with the pod/],
    ['CHECKPOINT_DIR on an emptyDir', (j) => { trainer(j).env[0].value = '/dev/shm/ckpt'; },
      /CHECKPOINT_DIR \/dev\/shm\/ckpt, which is on volume 'dshm', which is not persistent/],
    ['a volume mounted inside CHECKPOINT_DIR', (j) => {
      pod(j).volumes.push({ name: 'scratch', emptyDir: {} });
      trainer(j).volumeMounts.push({ name: 'scratch', mountPath: '/checkpoints/tmp/' });
    }, /mounts volume 'scratch' at \/checkpoints\/tmp\/, inside CHECKPOINT_DIR \/checkpoints: checkpoints saved under it go to that volume, not to the claim/],
    ["the seed's --checkpoint-dir left in after the claim moved", (j) => {
      trainer(j).volumeMounts[0].mountPath = '/ckpt';
      trainer(j).env[0].value = '/ckpt';
      trainer(j).command = ['python', 'train.py', '--checkpoint-dir=/checkpoints'];
    }, /container 'trainer' is told to save checkpoints to \/checkpoints \(--checkpoint-dir in its command\), which is on no mounted volume \(the container's own filesystem\): the checkpoints are lost with the pod/],
    ['a checkpoint option in the sh -c script, on /tmp', (j) => {
      pod(j).volumes.push({ name: 'tmp', emptyDir: {} });
      trainer(j).volumeMounts.push({ name: 'tmp', mountPath: '/tmp' });
      trainer(j).command = ['/bin/sh', '-c', 'cd /app && exec python train.py --ckpt_dir "/tmp/ckpt"'];
    }, /is told to save checkpoints to \/tmp\/ckpt \(--ckpt_dir in its shell script\), which is on volume 'tmp', which is not persistent/],
    ['a checkpoint env of its own (CKPT_DIR)', (j) => { trainer(j).env.push({ name: 'CKPT_DIR', value: '/models' }); },
      /is told to save checkpoints to \/models \(env CKPT_DIR\)/],
  ],
  'preemption-policy': [
    ['no Ignore rule for DisruptionTarget', (j) => {
      j.spec.podFailurePolicy.rules = j.spec.podFailurePolicy.rules.filter((r: any) => !r.onPodConditions?.length);
    }, /spec has no podFailurePolicy rule that ignores DisruptionTarget: every reclaimed node or drain counts against backoffLimit/],
    // One finding for the one change (a policy with both rules), not one per rule it lacks.
    ['no podFailurePolicy at all', (j) => { delete j.spec.podFailurePolicy; },
      /^spec has no podFailurePolicy rule that ignores DisruptionTarget: every reclaimed node or drain counts against backoffLimit \(\d+\), so a few preemptions fail a healthy run; nor one that ignores exit 143, so a trainer that exits 143 after its emergency checkpoint \(SIGTERM at preemption\) counts too/],
  ],
};

const CRONJOB_VIOLATIONS: { [ruleId: string]: Array<[string, Mutation, RegExp]> } = {
  'served-api-version': [
    ['batch/v1beta1 on the target 1.28', (c) => { c.apiVersion = 'batch/v1beta1'; }, /batch\/v1beta1 CronJob is not served since Kubernetes 1\.25 \(the target is 1\.28\)/],
  ],
  'cronjob-schedule': [
    ['day-of-week 7', (c) => { c.spec.schedule = '0 2 * * 7'; }, /end of range \(7\) above maximum \(6\)/],
    ['four fields', (c) => { c.spec.schedule = '0 2 * *'; }, /expected exactly 5 fields, found 4/],
    ['30 February', (c) => { c.spec.schedule = '0 0 30 2 *'; }, /never runs: no month of 2 has day 30/],
    ['TZ= in the schedule', (c) => { c.spec.schedule = 'TZ=UTC 0 2 * * 0'; }, /use the timeZone field/],
    ['a zero step', (c) => { c.spec.schedule = '*/0 * * * *'; }, /step of range should be a positive number/],
    ['an unknown descriptor', (c) => { c.spec.schedule = '@fortnightly'; }, /unrecognized descriptor/],
    ['an unknown month name', (c) => { c.spec.schedule = '0 0 1 foo *'; }, /failed to parse int from foo/],
    ['timeZone Local', (c) => { c.spec.timeZone = 'Local'; }, /'Local', which Kubernetes rejects/],
    ['an empty timeZone', (c) => { c.spec.timeZone = ''; }, /timeZone '' is empty/],
    ['an unknown timeZone', (c) => { c.spec.timeZone = 'Mars/Olympus_Mons'; }, /is not an IANA time zone this runtime knows/],
  ],
  'cronjob-policy': [
    ['no concurrencyPolicy', (c) => { delete c.spec.concurrencyPolicy; }, /not set \(defaults to Allow\); training runs would overlap/],
    ['Allow', (c) => { c.spec.concurrencyPolicy = 'Allow'; }, /concurrencyPolicy is Allow/],
    ['an unknown policy', (c) => { c.spec.concurrencyPolicy = 'Queue'; }, /'Queue' must be one of Allow, Forbid, Replace/],
    ['a negative history limit', (c) => { c.spec.failedJobsHistoryLimit = -1; }, /failedJobsHistoryLimit \(-1\) must be a whole number >= 0/],
  ],
  'cronjob-deadline': [
    ['a deadline as long as the hourly interval', (c) => { c.spec.schedule = '@hourly'; c.spec.jobTemplate.spec.activeDeadlineSeconds = 3600; },
      /activeDeadlineSeconds \(3600, 1 hour\) is at least the shortest interval between runs of '@hourly' \(3600 seconds, 1 hour\)/],
    ['weekdays at 09:00 with a 2-day deadline', (c) => { c.spec.schedule = '0 9 * * 1-5'; c.spec.jobTemplate.spec.activeDeadlineSeconds = 172800; },
      /shortest interval between runs of '0 9 \* \* 1-5' \(86400 seconds, 1 day\)/],
  ],
  'cronjob-starting-deadline': [
    ['no startingDeadlineSeconds', (c) => { delete c.spec.startingDeadlineSeconds; },
      /startingDeadlineSeconds is not set: a missed start \(a controller outage, a Forbid run still active\) runs however late the controller can start it \(past 100 missed starts it records TooManyMissedTimes and still starts the most recent\)/],
  ],
  'cronjob-daylight-saving': [
    ['Sundays 02:00 in Europe/Berlin', (c) => { c.spec.timeZone = 'Europe/Berlin'; },
      /on \d{4}-03-\d\d the clock goes forward from 02:00 to 03:00, so the 02:00 run is not started that day; on \d{4}-10-\d\d it goes back from 03:00 to 02:00, so the 02:00 run starts twice/],
    ['every 20 minutes from 01:00 to 03:00 in America/New_York', (c) => { c.spec.schedule = '*/20 1-3 * * *'; c.spec.timeZone = 'America/New_York'; },
      /so the 02:00, 02:20, 02:40 runs are not started that day; on \d{4}-11-0\d it goes back from 02:00 to 01:00, so the 01:00, 01:20, 01:40 runs start twice/],
  ],
};

const PYTORCHJOB_VIOLATIONS: { [ruleId: string]: Array<[string, Mutation, RegExp]> } = {
  'torchrun-nnodes': [
    ['--nnodes=2 in the Workers\' script of a 4-node job', (p) => {
      p.spec.pytorchReplicaSpecs.Worker.template.spec.containers[0].command = ['sh', '-c', 'exec torchrun --nnodes=2 train.py'];
    }, /Worker container 'pytorch' runs torchrun --nnodes=2 in its shell script, but the PyTorchJob runs 4 nodes/],
  ],
  'pytorchjob': [
    ['a name starting with a digit', (p) => { p.metadata.name = '4ddp'; }, /name '4ddp' must be a DNS-1035 label/],
    ['an unknown replica role', (p) => { p.spec.pytorchReplicaSpecs.Chief = p.spec.pytorchReplicaSpecs.Master; }, /key 'Chief' must be Master or Worker/],
    ['two Masters', (p) => { p.spec.pytorchReplicaSpecs.Master.replicas = 2; }, /Master replicas \(2\) must be written as exactly 1/],
    ['Master replicas omitted', (p) => { delete p.spec.pytorchReplicaSpecs.Master.replicas; }, /Master replicas \(unset\) must be written as exactly 1/],
    ['zero Workers', (p) => { p.spec.pytorchReplicaSpecs.Worker.replicas = 0; }, /Worker replicas \(0\) must be at least 1/],
    ['no pytorch container', (p) => { p.spec.pytorchReplicaSpecs.Worker.template.spec.containers[0].name = 'trainer'; }, /Worker has no container named 'pytorch'/],
    ['restartPolicy Always', (p) => { p.spec.pytorchReplicaSpecs.Worker.restartPolicy = 'Always'; }, /Worker restartPolicy Always/],
    ['elastic without Workers', (p) => { delete p.spec.pytorchReplicaSpecs.Worker; p.spec.elasticPolicy = { minReplicas: 1, maxReplicas: 2 }; }, /elasticPolicy needs a Worker replica spec/],
    ['elastic min above max', (p) => { p.spec.elasticPolicy = { minReplicas: 4, maxReplicas: 2 }; }, /minReplicas \(4\) exceeds maxReplicas \(2\)/],
    ['Workers outside the elastic bounds', (p) => { p.spec.elasticPolicy = { minReplicas: 1, maxReplicas: 2 }; }, /Worker replicas \(3\) lie outside elasticPolicy min\/max \(1..2\)/],
    ['the deprecated nProcPerNode with nprocPerNode', (p) => { p.spec.elasticPolicy = { nProcPerNode: 1 }; }, /nProcPerNode is deprecated and conflicts with spec.nprocPerNode/],
    ['hard-coded --nproc_per_node', (p) => { p.spec.pytorchReplicaSpecs.Worker.template.spec.containers[0].command.splice(1, 0, '--nproc_per_node=8'); }, /passes '--nproc_per_node=8' to torchrun/],
    ['an unknown cleanPodPolicy', (p) => { p.spec.runPolicy.cleanPodPolicy = 'Some'; }, /cleanPodPolicy 'Some' is not one of/],
    ['a bad managedBy', (p) => { p.spec.runPolicy.managedBy = 'me'; }, /managedBy 'me' must be/],
    ['a worker pod name over 63', (p) => { p.metadata.name = 'p'.repeat(55); }, /pod name 'p{55}-worker-2' has 64 characters/],
  ],
  'pytorchjob-cleanup': [
    ['cleanPodPolicy None', (p) => { p.spec.runPolicy.cleanPodPolicy = 'None'; }, /cleanPodPolicy is None: pods still running when the job ends \(workers after the Master succeeded, the rest after one failed\) keep running and hold their GPUs until deleted/],
    ['neither set: one finding for the one change to runPolicy', (p) => { p.spec.runPolicy = {}; },
      /^runPolicy.cleanPodPolicy is None \(the operator's default\) and runPolicy.ttlSecondsAfterFinished is not set: pods still running .* hold their GPUs until deleted, and the finished PyTorchJob and its pods stay until someone deletes them.$/],
    ['cleanPodPolicy left to the default on a CPU job', (p) => {
      delete p.spec.runPolicy.cleanPodPolicy;
      for (const replica of Object.values<any>(p.spec.pytorchReplicaSpecs)) {
        for (const c of replica.template.spec.containers) delete c.resources;
      }
    }, /cleanPodPolicy is None \(the operator's default\): .* keep running and hold their nodes' CPU and memory until deleted/],
    ['no TTL', (p) => { delete p.spec.runPolicy.ttlSecondsAfterFinished; }, /ttlSecondsAfterFinished is not set: the finished PyTorchJob and its pods stay until someone deletes them/],
  ],
};

const JOBSET_VIOLATIONS: { [ruleId: string]: Array<[string, Mutation, RegExp]> } = {
  'jobset-admission': [
    ["a rule name with '-' (the webhook's format)", (j) => { j.spec.failurePolicy.rules[1].name = 'configuration-error'; },
      /rules\[1\]\.name 'configuration-error' is refused by the webhook/],
    ['an unnamed rule whose default name (failurePolicyRule1) another rule has', (j) => {
      j.spec.failurePolicy.rules[0].name = 'failurePolicyRule1';
      delete j.spec.failurePolicy.rules[1].name;
    }, /rules\[1\]\.name 'failurePolicyRule1' \(the webhook's default for an unnamed rule\) repeats rules\[0\]/],
    ['two rules with one name', (j) => { j.spec.failurePolicy.rules[1].name = 'preemption'; }, /'preemption' repeats rules\[0\]/],
    ['an unknown Job failure reason', (j) => { j.spec.failurePolicy.rules[0].onJobFailureReasons = ['Evicted']; }, /'Evicted'; the webhook knows only/],
    ['a missing target', (j) => { j.spec.failurePolicy.rules[1].targetReplicatedJobs = ['workers']; }, /names 'workers', which is not a replicated job/],
    ['pod names over 63 characters', (j) => { j.metadata.name = 'd'.repeat(50); }, /pod names such as 'd{50}-node-0-3-abcde' exceed 63/],
  ],
  // Refused only while the gate is off (as JobSet ships): an error a gate-enabled cluster can acknowledge.
  'jobset-feature-gates': [
    ['a feature-gated action', (j) => { j.spec.failurePolicy.rules[0].action = 'RestartJob'; }, /rules\[0\]\.action RestartJob needs the JobSet RestartJob feature gate \(alpha, off by default\): a default JobSet install refuses the JobSet/],
  ],
};

function run(rule: Rule, objects: any[], minor = 28): string[] {
  return evaluate(objects, contextFor(objects, minor), new Set(), [rule]).map((f) => f.message);
}

describe('the compliant baseline', () => {
  test('passes every rule and the strict 1.28 schema', () => {
    expectConformant([compliantJob(), compliantCronJob(), compliantPyTorchJob(), compliantJobSet(), compliantClaim()]);
    expect(evaluate([compliantJob(), compliantClaim()], contextFor([compliantClaim()], 28))).toEqual([]);
  });
});

describe.each(ALL_RULES.filter((rule) => rule.id !== 'pvc' && rule.id !== 'configmap').map((rule) => [rule.id, rule] as [string, Rule]))('rule %s', (id, rule) => {
  test('has a what, a why and a fix', () => {
    expect(rule.what.length).toBeGreaterThan(10);
    expect(rule.why.length).toBeGreaterThan(10);
    expect(rule.fix.length).toBeGreaterThan(10);
  });

  test('accepts the compliant Job, CronJob, PyTorchJob and JobSet', () => {
    expect(run(rule, [compliantJob(), compliantCronJob(), compliantPyTorchJob(), compliantJobSet(), compliantClaim()])).toEqual([]);
  });

  const cases = CRONJOB_VIOLATIONS[id] ?? PYTORCHJOB_VIOLATIONS[id] ?? JOBSET_VIOLATIONS[id] ?? VIOLATIONS[id] ?? [];
  const baseline = CRONJOB_VIOLATIONS[id] ? compliantCronJob : PYTORCHJOB_VIOLATIONS[id] ? compliantPyTorchJob
    : JOBSET_VIOLATIONS[id] ? compliantJobSet : compliantJob;
  test('has at least one violation case', () => {
    expect(cases.length).toBeGreaterThan(0);
  });

  test.each(cases)('reports %s', (_name, mutate, message) => {
    const job = baseline();
    mutate(job);
    const claim = compliantClaim(job.__claim ?? 'ReadWriteMany');
    delete job.__claim;
    const messages = run(rule, [job, claim]);
    expect(messages.join('\n')).toMatch(message);
  });
});

describe('rule pvc', () => {
  test('accepts a ReadWriteMany claim with storage', () => {
    expect(run(ALL_RULES.find((r) => r.id === 'pvc')!, [compliantClaim()])).toEqual([]);
  });

  test.each([
    ['no access modes', (c: any) => { c.spec.accessModes = []; }, /accessModes is empty/],
    ['ReadWriteOncePod with another mode', (c: any) => { c.spec.accessModes = ['ReadWriteOncePod', 'ReadWriteOnce']; }, /ReadWriteOncePod cannot be combined/],
    ['zero storage', (c: any) => { c.spec.resources.requests.storage = '0'; }, /storage \(0\) must be a positive quantity/],
    ['no storage', (c: any) => { delete c.spec.resources; }, /storage \(unset\) must be a positive quantity/],
  ])('reports %s', (_name, mutate, message) => {
    const claim = compliantClaim();
    mutate(claim);
    expect(run(ALL_RULES.find((r) => r.id === 'pvc')!, [claim]).join('\n')).toMatch(message);
  });
});

test('rule spot-selection: a GKE spot selector alone schedules (Standard pools are tainted only on request; Autopilot adds the toleration)', () => {
  const rule = ALL_RULES.find((r) => r.id === 'spot-selection')!;
  const job = compliantJob();
  pod(job).tolerations.shift();
  expect(pod(job).nodeSelector).toEqual(expect.objectContaining({ 'cloud.google.com/gke-spot': 'true' }));
  expect(run(rule, [job])).toEqual([]);
  // The reverse still holds everywhere: a toleration alone lands on spot or on-demand by chance.
  delete pod(job).nodeSelector;
  pod(job).tolerations.unshift({ key: 'cloud.google.com/gke-spot', operator: 'Equal', value: 'true', effect: 'NoSchedule' });
  expect(run(rule, [job]).join('\n')).toMatch(/tolerates the GKE spot taint but does not select/);
});

describe('rule unschedulable-placement accepts what some node can match', () => {
  const rule = ALL_RULES.find((r) => r.id === 'unschedulable-placement')!;
  test.each<[string, any[], any[] | undefined]>([
    ['the selector and an expression on another key', [{ key: 'zone', operator: 'In', values: ['a'] }], undefined],
    ['In and NotIn of other values', [{ key: 'cloud.google.com/gke-spot', operator: 'In', values: ['true', 'false'] }, { key: 'cloud.google.com/gke-spot', operator: 'NotIn', values: ['false'] }], undefined],
    ['NotIn and DoesNotExist on a key the selector does not set (an absent label)', [{ key: 'pool', operator: 'NotIn', values: ['a'] }, { key: 'pool', operator: 'DoesNotExist' }], undefined],
    ['Gt 7 and Lt 9', [{ key: 'gpu-count', operator: 'Gt', values: ['7'] }, { key: 'gpu-count', operator: 'Lt', values: ['9'] }], undefined],
    ['Exists with NotIn', [{ key: 'gpu', operator: 'Exists' }, { key: 'gpu', operator: 'NotIn', values: ['a', 'b'] }], undefined],
    ['an unknown operator (left to node-selection)', [{ key: 'cloud.google.com/gke-spot', operator: 'in', values: ['false'] }], undefined],
    ['one contradicting term and one that matches', [{ key: 'cloud.google.com/gke-spot', operator: 'NotIn', values: ['true'] }], [{ key: 'zone', operator: 'In', values: ['a'] }]],
  ])('%s', (_name, expressions, second) => {
    const job = compliantJob();
    requiredTerm(job).matchExpressions = expressions;
    const terms = job.spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms;
    if (second) terms.push({ matchExpressions: second });
    expect(run(rule, [job])).toEqual([]);
  });
});

describe('rule checkpoint-volume: where CHECKPOINT_DIR is', () => {
  const rule = ALL_RULES.find((r) => r.id === 'checkpoint-volume')!;
  test.each<[string, (job: any) => void]>([
    ['a directory inside the claim mount', (j) => { trainer(j).env[0].value = '/checkpoints/run-1/'; }],
    ['the claim mounted at / of a path holding other mounts', (j) => {
      trainer(j).volumeMounts[0].mountPath = '/mnt';
      trainer(j).env[0].value = '/mnt/ckpt';
      pod(j).volumes.push({ name: 'data', emptyDir: {} });
      trainer(j).volumeMounts.push({ name: 'data', mountPath: '/mnt/data' });
    }],
    ['a sibling that only shares the prefix', (j) => {
      pod(j).volumes.push({ name: 'scratch', emptyDir: {} });
      trainer(j).volumeMounts.push({ name: 'scratch', mountPath: '/checkpoints-scratch' });
    }],
    ['a $(VAR) reference, expanded by the kubelet', (j) => { trainer(j).env[0].value = '$(HOME)/ckpt'; }],
    ['CHECKPOINT_DIR from a ConfigMap', (j) => { trainer(j).env[0] = { name: 'CHECKPOINT_DIR', valueFrom: { configMapKeyRef: { name: 'c', key: 'dir' } } }; }],
    ['--checkpoint-dir on the claim, as two words', (j) => { trainer(j).args = ['--checkpoint-dir', '/checkpoints/run-1']; }],
    ['--checkpoint-dir=$(CHECKPOINT_DIR), expanded by the kubelet', (j) => { trainer(j).args = ['--checkpoint-dir=$(CHECKPOINT_DIR)']; }],
    ['"$CHECKPOINT_DIR" in a script, expanded by the shell', (j) => { trainer(j).command = ['sh', '-c', 'exec python train.py --checkpoint-dir "$CHECKPOINT_DIR"']; }],
    ['an option that is not about checkpoints', (j) => { trainer(j).args = ['--data-dir=/data', '--log-dir', '/tmp/logs']; }],
  ])('accepts %s', (_name, mutate) => {
    const job = compliantJob();
    mutate(job);
    expect(run(rule, [job])).toEqual([]);
  });

  test('a CronJob whose runs all checkpoint to one folder (each would resume the last); a folder per run is fine', () => {
    const cron = compliantCronJob();
    expect(run(rule, [cron])).toEqual([]);
    const mount = cron.spec.jobTemplate.spec.template.spec.containers[0].volumeMounts[0];
    delete mount.subPathExpr;
    mount.subPath = 'retrain';
    const [finding] = evaluate([cron], contextFor([cron], 28), new Set(), [rule]);
    expect(finding.message).toMatch(/container 'trainer' checkpoints every run of the CronJob to the same folder \(volume 'checkpoints', subPath retrain\): each run finds the previous run's final checkpoint in CHECKPOINT_DIR, resumes from it and has nothing left to train/);
    expect(finding.fix).toBe("Give each run its own folder: env RUN from fieldRef metadata.labels['batch.kubernetes.io/job-name'] and subPathExpr: retrain/$(RUN) on the checkpoint mount (ScheduledRetrain does this).");
    // A Job with the same fixed folder is one run: nothing to report.
    expect(run(rule, [compliantJob()])).toEqual([]);
  });

  test('each finding carries its own fix and no finding is repeated for a pod with no claim at all', () => {
    const job = compliantJob();
    trainer(job).env[0].value = '/ckpt';
    const [finding] = evaluate([job], contextFor([job], 28), new Set(), [rule]);
    expect(finding.fix).toBe('Mount the checkpoint claim at /ckpt, or set CHECKPOINT_DIR to where the claim is mounted.');
    trainer(job).volumeMounts.shift();
    pod(job).volumes.shift();
    expect(run(rule, [job])).toEqual(['spec.template.spec mounts no persistent volume (a PersistentVolumeClaim, NFS or a storage CSI volume) for checkpoints.']);
  });
});

describe('rule env-vars accepts the fields and resources the downward API gives an env var', () => {
  const rule = ALL_RULES.find((r) => r.id === 'env-vars')!;
  test.each([
    ['metadata.name', { fieldRef: { fieldPath: 'metadata.name' } }],
    ['the completion index annotation', { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } }],
    ['a label, with apiVersion v1', { fieldRef: { apiVersion: 'v1', fieldPath: "metadata.labels['app']" } }],
    ['status.podIPs', { fieldRef: { fieldPath: 'status.podIPs' } }],
    ['spec.host (read as spec.nodeName)', { fieldRef: { fieldPath: 'spec.host' } }],
    ['limits.memory', { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } }],
    ['requests.hugepages-2Mi', { resourceFieldRef: { resource: 'requests.hugepages-2Mi' } }],
  ])('%s', (_name, valueFrom) => {
    const job = compliantJob();
    trainer(job).env.push({ name: 'FROM_POD', valueFrom });
    expect(run(rule, [job])).toEqual([]);
  });
});

describe('rule shell-syntax accepts what Kubernetes does expand', () => {
  const rule = ALL_RULES.find((r) => r.id === 'shell-syntax')!;
  test.each([
    ['a defined $(VAR)', (j: any) => { trainer(j).args = ['--dir=$(CHECKPOINT_DIR)']; }],
    ['an escaped $$', (j: any) => { trainer(j).args = ['--price=$$5']; }],
    ['a regex with a pipe inside an argument', (j: any) => { trainer(j).args = ['--filter=train|eval']; }],
    ['a python -c program (Python, not shell)', (j: any) => { trainer(j).command = ['python3', '-u', '-c', 'import sys; print("$HOME", sys.argv); a = (1 | 2)']; }],
    ['sh -c with exec', (j: any) => { trainer(j).command = ['/bin/sh', '-c', 'export D=$(date +%F); exec python train.py --date "$D"']; }],
  ])('%s', (_name, mutate) => {
    const job = compliantJob();
    mutate(job);
    expect(run(rule, [job])).toEqual([]);
  });
});

describe('rule configmap', () => {
  const rule = ALL_RULES.find((r) => r.id === 'configmap')!;
  const compliant = () => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'grid' }, data: { 'axis-0.json': '"lr": "1"\n' } as any, binaryData: {} as any });
  test('accepts a small ConfigMap', () => {
    expectConformant([compliant()]);
    expect(run(rule, [compliant()])).toEqual([]);
  });
  test.each([
    ['a bad key', (c: any) => { c.data['bad/key'] = 'x'; }, /key 'bad\/key' is not a valid ConfigMap key/],
    ['a key in data and binaryData', (c: any) => { c.binaryData['axis-0.json'] = 'eA=='; }, /in both data and binaryData/],
    ['over 1 MiB', (c: any) => { c.data.big = 'x'.repeat(1048576); }, /holds \d+ bytes; at most 1048576/],
  ])('reports %s', (_name, mutate, message) => {
    const object = compliant();
    mutate(object);
    expect(run(rule, [object]).join('\n')).toMatch(message);
  });
});

describe('rule shell-syntax knows what the Training Operator injects', () => {
  test('$(MASTER_ADDR) is fine in a PyTorchJob and flagged in a Job', () => {
    const rule = ALL_RULES.find((r) => r.id === 'shell-syntax')!;
    expect(run(rule, [compliantPyTorchJob()])).toEqual([]);
    const job = compliantJob();
    trainer(job).args = ['--master_addr=$(MASTER_ADDR)'];
    expect(run(rule, [job]).join('\n')).toMatch(/'\$\(MASTER_ADDR\)'/);
  });

  test('every variable the operator sets (its envvar.go, master.go, elastic.go) is expandable in a PyTorchJob', () => {
    const rule = ALL_RULES.find((r) => r.id === 'shell-syntax')!;
    const pytorch = compliantPyTorchJob();
    const args = ['$(PET_MASTER_ADDR)', '$(PET_START_METHOD)', '$(PET_MONITOR_INTERVAL)', '$(PET_STANDALONE)'];
    pytorch.spec.pytorchReplicaSpecs.Worker.template.spec.containers[0].args = args;
    expect(run(rule, [pytorch])).toEqual([]);
    pytorch.spec.pytorchReplicaSpecs.Worker.template.spec.containers[0].args = ['$(PET_NOT_SET_BY_ANYONE)'];
    expect(run(rule, [pytorch]).join('\n')).toMatch(/PET_NOT_SET_BY_ANYONE/);
  });
});

describe('the engine', () => {
  test('a native sidecar on 1.28 is reported at its restartPolicy; on 1.29 it passes; a Job without Ignore rules needs no deadline', () => {
    const job = compliantJob();
    job.spec.template.spec.initContainers = [{ name: 'init', image: 'init:v1' }, { name: 'log-shipper', image: 'shipper:v1', restartPolicy: 'Always' }];
    const gated = ALL_RULES.find((r) => r.id === 'version-gated-fields')!;
    const findings = evaluate([job], contextFor([job], 28), new Set(), [gated]);
    expect(findings.map((f) => f.path)).toEqual([['spec', 'template', 'spec', 'initContainers', 1, 'restartPolicy']]);
    expect(run(gated, [job], 29)).toEqual([]);
    const deadline = ALL_RULES.find((r) => r.id === 'job-deadline')!;
    const counted = compliantJob();
    delete counted.spec.activeDeadlineSeconds;
    counted.spec.podFailurePolicy.rules = [{ action: 'FailJob', onExitCodes: { containerName: 'trainer', operator: 'In', values: [2] } }];
    expect(run(deadline, [counted])).toEqual([]);
  });

  test('cronjob-policy: each finding carries the fix for its own setting, not a list of every setting', () => {
    const cron = compliantCronJob();
    delete cron.spec.concurrencyPolicy;
    delete cron.spec.startingDeadlineSeconds;
    cron.spec.failedJobsHistoryLimit = -1;
    const rule = ALL_RULES.find((r) => r.id === 'cronjob-policy')!;
    const fixes = evaluate([cron], contextFor([cron], 28), new Set(), [rule]).map((f) => [f.path.join('.'), f.fix]);
    expect(fixes).toEqual([
      ['spec.concurrencyPolicy', 'Set spec.concurrencyPolicy: Forbid (or Replace, if a new run should stop the running one).'],
      ['spec.failedJobsHistoryLimit', 'Set spec.failedJobsHistoryLimit to a whole number >= 0, e.g. 3.'],
    ]);
  });

  test('version-gated fields pass on a newer target', () => {
    const job = compliantJob();
    job.spec.podReplacementPolicy = 'Failed';
    expect(run(ALL_RULES.find((r) => r.id === 'version-gated-fields')!, [job], 29)).toEqual([]);
  });

  test('an annotation with a reason opts one object out of one rule', () => {
    const job = compliantJob();
    delete job.spec.ttlSecondsAfterFinished;
    job.metadata.annotations = { 'acknowledge.cdk8s-training.io/job-ttl': 'deleted by the pipeline that created it' };
    expect(evaluate([job], contextFor([job], 28))).toEqual([]);
    job.metadata.annotations = { 'acknowledge.cdk8s-training.io/job-ttl': '' };
    expect(evaluate([job], contextFor([job], 28)).map((f) => f.ruleId).sort()).toEqual(['acknowledgement', 'job-ttl']);
  });

  test('acknowledged rules are skipped', () => {
    const job = compliantJob();
    delete job.spec.ttlSecondsAfterFinished;
    const objects = [job, compliantClaim()];
    expect(evaluate(objects, contextFor(objects, 28)).map((f) => f.ruleId)).toEqual(['job-ttl']);
    expect(evaluate(objects, contextFor(objects, 28), new Set(['job-ttl']))).toEqual([]);
  });

  test('a malformed object is a finding, never a crash', () => {
    const objects = [{ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'x' }, spec: { template: { spec: { containers: 'oops' } } } }, null, 42];
    expect(() => evaluate(objects as any[], contextFor([], 28))).not.toThrow();
  });

  test('a wrong-typed field is reported at the field, and the rules that cannot read the object skip it (#27 item 10)', () => {
    const job = compliantJob();
    pod(job).tolerations = 'gpu';
    trainer(job).env = 'x';
    const findings = evaluate([job], contextFor([job], 28));
    expect(findings.map((f) => [f.ruleId, f.path.join('.')])).toEqual([
      ['field-types', 'spec.template.spec.tolerations'],
      ['field-types', 'spec.template.spec.containers.0.env'],
    ]);
    expect(findings[0].fix).toBe('Write spec.template.spec.tolerations as a list (kubectl explain job.spec.template.spec.tolerations).');
    expect(findings.some((f) => /could not read/.test(f.message))).toBe(false);
  });

  test('rule ids are unique kebab-case', () => {
    const ids = ALL_RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });
});

describe('the rules table users read (docs/rules.md)', () => {
  test('lists every rule with its severity', () => {
    const reference = fs.readFileSync(path.join(__dirname, '..', 'docs', 'rules.md'), 'utf8');
    for (const rule of ALL_RULES) {
      expect(reference).toContain(`| [\`${rule.id}\`](#${rule.id}) | ${rule.severity} |`);
    }
  });
});

describe('the rules reference', () => {
  test('docs/rules.md is what the rule definitions generate', () => {
    expect(fs.readFileSync(path.join(__dirname, '..', 'docs', 'rules.md'), 'utf8')).toBe(renderRulesReference());
  });

  test('every rule has an example', () => {
    for (const rule of ALL_RULES) expect(rule.example.length).toBeGreaterThan(10);
  });
});

describe('preemption-policy on the other kinds', () => {
  const rule = ALL_RULES.find((r) => r.id === 'preemption-policy')!;

  test('a JobSet whose failurePolicy restarts preemptions against maxRestarts', () => {
    const jobSet = compliantJobSet();
    jobSet.spec.failurePolicy.rules = jobSet.spec.failurePolicy.rules.filter((r: any) => r.action !== 'RestartJobSetAndIgnoreMaxRestarts');
    expect(run(rule, [jobSet])).toEqual(['spec.failurePolicy has no RestartJobSetAndIgnoreMaxRestarts rule: a child Job fails with its first failed pod (backoffLimit 0), ' +
      'and each failed child Job restarts the whole set, at most 3 times (maxRestarts 3); a preemption fails the preempted pod and, in a distributed run, its peers: ' +
      'a few reclaimed nodes fail the run.']);
    // The numbers are the JobSet's own: children's backoffLimit (6 when unset: neither JobSet nor Trainer defaults it) and maxRestarts (0 when unset).
    delete jobSet.spec.failurePolicy;
    delete jobSet.spec.replicatedJobs[0].template.spec.backoffLimit;
    expect(run(rule, [jobSet]).join('\n')).toMatch(/^spec.failurePolicy has no RestartJobSetAndIgnoreMaxRestarts rule: a child Job fails once 7 of its pods have failed \(backoffLimit 6\), and that fails the JobSet \(maxRestarts 0\)/);
    jobSet.spec.replicatedJobs[0].template.spec.backoffLimit = 0;
    expect(run(rule, [jobSet]).join('\n')).toMatch(/one failed pod fails its child Job \(backoffLimit 0\) and with it the JobSet \(maxRestarts 0\): a single reclaimed node fails the run/);
  });

  test('a PyTorchJob replica on OnFailure (the operator default) survives preemption: no finding; Never is reported', () => {
    // The operator recreates a failed OnFailure pod; shown beyond backoffLimit in test/cluster/pytorchjob.test.ts.
    const job = compliantPyTorchJob();
    delete job.spec.pytorchReplicaSpecs.Worker.restartPolicy;
    expect(run(rule, [job])).toEqual([]);
    job.spec.pytorchReplicaSpecs.Worker.restartPolicy = 'Never';
    expect(run(rule, [job])).toEqual([expect.stringMatching(/^spec.pytorchReplicaSpecs.Worker.restartPolicy is Never: one preempted Worker pod fails the whole PyTorchJob/)]);
  });
});

describe('shell-syntax: what a shell runs in place of itself (#14 false positives)', () => {
  const rule = ALL_RULES.find((r) => r.id === 'shell-syntax')!;
  test.each([
    // The shells' behaviour behind these is measured in test/shell.test.ts.
    ['bash: a single plain command (bash runs it in its place)', ['bash', '-c', 'python train.py --lr=3e-4'], 0],
    // Newer bash releases run the last command of a list in place (this machine's does), older ones fork for it (#27 item 10).
    ['bash: a list ending in a plain command (only newer bash hands it over)', ['/bin/bash', '-c', 'cd /app && python train.py'], 1],
    ['bash: the same list with exec', ['/bin/bash', '-c', 'cd /app && exec python train.py'], 0],
    ['bash -c -- script', ['bash', '-c', '--', 'cd /app; exec python train.py'], 0],
    ['bash with options before -c', ['bash', '-o', 'pipefail', '-ec', 'cd /app; exec python train.py'], 0],
    ['bash with options before -c, without exec', ['bash', '-o', 'pipefail', '-ec', 'cd /app; python train.py'], 1],
    ['sh: a single command (dash forks for it)', ['/bin/sh', '-c', 'python train.py --lr=3e-4'], 1],
    ['sh: a list ending in the trainer', ['/bin/sh', '-c', 'cd /app; python train.py'], 1],
    ['sh: exec', ['/bin/sh', '-c', 'cd /app && exec python train.py'], 0],
    ['bash: a pipeline', ['bash', '-c', 'python train.py | tee /tmp/log'], 1],
    ['bash: a redirection on the last command', ['bash', '-c', 'python train.py > /tmp/log'], 1],
    ['bash: a trap set', ['bash', '-c', 'trap "echo bye" TERM; python train.py'], 1],
    ['bash: a compound last command', ['bash', '-c', 'if true; then python train.py; fi'], 1],
    ['exec with only a redirection', ['/bin/sh', '-c', 'exec > /tmp/log; python train.py'], 1],
  ])('%s', (_name, command, count) => {
    const job = compliantJob();
    trainer(job).command = command;
    expect(run(rule, [job]).filter((m) => /does not exec its last command/.test(m))).toHaveLength(count as number);
  });

  test('after a python -c program, its arguments are still literal', () => {
    const job = compliantJob();
    trainer(job).command = ['python3', '-c', 'import sys; print(sys.argv)', '--date=$(date +%F)'];
    expect(run(rule, [job])).toEqual([expect.stringMatching(/"--date=\$\(date \+%F\)" has shell syntax that no shell will run/)]);
  });

  test('a script that is not valid shell is reported with the parser\'s message', () => {
    const job = compliantJob();
    trainer(job).command = ['bash', '-c', 'exec python train.py --name="unterminated'];
    expect(run(rule, [job])).toEqual([expect.stringMatching(/runs a bash script that is not valid shell \(1:\d+: reached EOF without closing quote "\)/)]);
  });

  test('what a shell would leave alone is not shell syntax: quoted text, a pattern, an apostrophe', () => {
    const job = compliantJob();
    trainer(job).args = ["--glob='$HOME/*.pt'", '--filter=train|eval', "--name=it's", '--sql=SELECT 1'];
    expect(run(rule, [job])).toEqual([]);
  });

  test('a pod that does not train is not told about SIGTERM reaching its shell', () => {
    const debugPod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'debug' }, spec: { containers: [{ name: 'c', image: 'busybox:1.36', command: ['sh', '-c', 'set && ls /dev'] }] } };
    expect(run(rule, [debugPod])).toEqual([]);
  });
});

test('a Trainer runtime: volumeClaimPolicies declare the claims its pods mount; initializers need no checkpoints (#14 false positives)', () => {
  const replicated = (name: string, gpu: boolean) => ({
    spec: {
      template: {
        spec: {
          restartPolicy: 'Never',
          containers: [{
            name,
            image: `ghcr.io/kubeflow/trainer/${name}:v2.3.0`,
            volumeMounts: [{ name: 'initializer', mountPath: '/workspace' }],
            ...(gpu ? { resources: { limits: { 'nvidia.com/gpu': 1 } } } : {}),
          }],
        },
      },
    },
  });
  const runtime = {
    apiVersion: 'trainer.kubeflow.org/v1alpha1',
    kind: 'ClusterTrainingRuntime',
    metadata: { name: 'torchtune' },
    spec: {
      template: {
        spec: {
          volumeClaimPolicies: [{ templates: [{ metadata: { name: 'initializer' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '20Gi' } } } }] }],
          replicatedJobs: [
            { name: 'dataset-initializer', template: replicated('dataset-initializer', false) },
            { name: 'node', template: replicated('node', true) },
          ],
        },
      },
    },
  };
  const ids = (id: string) => run(ALL_RULES.find((r) => r.id === id)!, [runtime]);
  expect(ids('volumes')).toEqual([]);
  expect(ids('checkpoint-volume')).toEqual([]);

  // Trainer's own label decides before the name: an initializer by label under another name
  // needs no checkpoints; a job labelled as the trainer does, whatever its name.
  const step = (name: string, ancestor: string, gpu: boolean) => {
    const job: any = replicated(name, gpu);
    job.metadata = { labels: { 'trainer.kubeflow.org/trainjob-ancestor-step': ancestor } };
    job.spec.template.spec.containers[0].volumeMounts = [];
    return { name, template: job };
  };
  const labelled = JSON.parse(JSON.stringify(runtime));
  labelled.spec.template.spec.volumeClaimPolicies = [];
  labelled.spec.template.spec.replicatedJobs = [step('fetch-data', 'dataset-initializer', false), step('model-initializer', 'trainer', true)];
  const checkpoint = run(ALL_RULES.find((r) => r.id === 'checkpoint-volume')!, [labelled]);
  expect(checkpoint).toEqual([expect.stringMatching(/^spec\.template\.spec\.replicatedJobs\[1\]\.template\.spec\.template\.spec mounts no persistent volume/)]);
});

test('each pytorchjob finding carries the fix for that finding only (#14)', () => {
  const job = compliantPyTorchJob();
  job.spec.pytorchReplicaSpecs.Master.replicas = 2;
  job.spec.pytorchReplicaSpecs.Worker.template.spec.containers[0].name = 'trainer';
  const findings = evaluate([job], contextFor([job], 28), new Set(), [ALL_RULES.find((r) => r.id === 'pytorchjob')!]);
  expect(findings.map((f) => f.fix)).toEqual([
    'Set spec.pytorchReplicaSpecs.Master.replicas: 1 (add Workers for more nodes).',
    "Name the trainer container 'pytorch': the operator injects its env and reads its exit code only there.",
  ]);
});

describe('findings of the apiserver-checked container and env fields carry the fix for that finding', () => {
  test.each([
    ['a port name', (j: any) => { trainer(j).ports = [{ containerPort: 8080, name: 'Metrics' }]; }, 'containers', /name them with at most 15 lower-case letters/],
    ['a pull policy', (j: any) => { trainer(j).imagePullPolicy = 'always'; }, 'containers', /Write imagePullPolicy as Kubernetes spells it \(Always, IfNotPresent, Never\)/],
    ['a fieldRef', (j: any) => { trainer(j).env.push({ name: 'P', valueFrom: { fieldRef: { fieldPath: 'status.phase' } } }); }, 'env-vars', /with its key quoted/],
    ['a resourceFieldRef', (j: any) => { trainer(j).env.push({ name: 'G', valueFrom: { resourceFieldRef: { resource: 'limits.nvidia.com/gpu' } } }); }, 'env-vars', /pass a GPU count as a plain value/],
  ])('%s', (_name, mutate, ruleId, fix) => {
    const job = compliantJob();
    mutate(job);
    const findings = evaluate([job], contextFor([job], 32)).filter((f) => f.ruleId === ruleId);
    expect(findings).toHaveLength(1);
    expect(findings[0].fix).toMatch(fix);
  });
});

describe('rule cronjob-daylight-saving (the cluster suite checks clockChanges against the controller\'s cron library)', () => {
  const rule = ALL_RULES.find((x) => x.id === 'cronjob-daylight-saving')!;

  test('the rule warns for a daily 02:30 in Europe/Berlin, and not in Etc/UTC or for an hourly schedule', () => {
    const cron = (schedule: string, timeZone: string) => ({
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'retrain' },
      spec: { schedule, timeZone, concurrencyPolicy: 'Forbid', jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'i:v1' }] } } } } },
    });
    const findings = (object: any) => evaluate([object], contextFor([object], 32), new Set(), [rule]);
    const [berlin] = findings(cron('30 2 * * *', 'Europe/Berlin'));
    expect(berlin.message).toMatch(/spec.schedule '30 2 \* \* \*' in Europe\/Berlin: on \d{4}-03-\d\d the clock goes forward from 02:00 to 03:00, so the 02:30 run is not started that day; on \d{4}-10-\d\d it goes back from 03:00 to 02:00, so the 02:30 run starts twice \(under Forbid the second is skipped if the first is still running\)/);
    expect(findings(cron('30 2 * * *', 'Etc/UTC'))).toEqual([]);
    expect(findings(cron('30 * * * *', 'Europe/Berlin'))).toEqual([]);
  });
});
