import * as fs from 'fs';
import * as path from 'path';
import { expectConformant, SHARED_AVAILABLE, schemaErrors } from './util/conformance';
import { ALL_RULES, contextFor, evaluate } from '../src/rules/engine';
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
            env: [{ name: 'CHECKPOINT_DIR', value: '/checkpoints' }],
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

function compliantClaim(mode = 'ReadWriteMany'): any {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'ckpt' },
    spec: { accessModes: [mode], resources: { requests: { storage: '1Ti' } }, storageClassName: 'standard-rwx' },
  };
}

type Mutation = (job: any) => void;
const pod = (job: any) => job.spec.template.spec;
const trainer = (job: any) => pod(job).containers[0];

/** For each rule: mutations of the compliant Job that must each be reported, with the message. */
const VIOLATIONS: { [ruleId: string]: Array<[string, Mutation, RegExp]> } = {
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
  ],
  'job-ttl': [
    ['no ttlSecondsAfterFinished', (j) => { delete j.spec.ttlSecondsAfterFinished; }, /ttlSecondsAfterFinished is not set/],
  ],
  'gpu-resources': [
    ['1.5 GPUs', (j) => { trainer(j).resources.requests['nvidia.com/gpu'] = '1.5'; trainer(j).resources.limits['nvidia.com/gpu'] = '1.5'; }, /request \(1.5\) must be a whole number/],
    ['request differs from limit', (j) => { trainer(j).resources.requests['nvidia.com/gpu'] = 2; }, /must be equal to nvidia.com\/gpu limit of 1/],
    ['request without a limit', (j) => { delete trainer(j).resources.limits['nvidia.com/gpu']; }, /has a request \(1\) without a limit/],
  ],
  'resource-quantities': [
    ['memory 512m', (j) => { trainer(j).resources.limits.memory = '512m'; trainer(j).resources.requests.memory = '512m'; }, /'512m'\) is in millibytes/],
    ['not a quantity', (j) => { trainer(j).resources.limits.cpu = 'four'; }, /'four'\) is not a Kubernetes quantity/],
    ['request above limit', (j) => { trainer(j).resources.requests.cpu = '8'; }, /cpu request \(8\) exceeds its limit \(4\)/],
    ['unknown resource name', (j) => { trainer(j).resources.limits.gpu = 1; }, /'gpu' is not a resource Kubernetes knows/],
  ],
  'env-vars': [
    ['an invalid name', (j) => { trainer(j).env.push({ name: '1LR', value: 'x' }); }, /env '1LR': not a valid environment variable name/],
    ['value and valueFrom', (j) => { trainer(j).env.push({ name: 'T', value: 'x', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }); }, /mutually exclusive/],
  ],
  'containers': [
    ['a duplicated name', (j) => { pod(j).containers.push({ name: 'trainer', image: 'x' }); }, /'trainer' is used twice/],
    ['no image', (j) => { delete trainer(j).image; }, /container 'trainer' has no image/],
    ['an uppercase name', (j) => { trainer(j).name = 'Trainer'; j.spec.podFailurePolicy.rules[1].onExitCodes.containerName = 'Trainer'; }, /'Trainer' is not a DNS-1123 label/],
  ],
  'volumes': [
    ['a mount of an undeclared volume', (j) => { trainer(j).volumeMounts.push({ name: 'data', mountPath: '/data' }); }, /mount 'data' names no declared volume/],
    ['a volume with two sources', (j) => { pod(j).volumes[1].hostPath = { path: '/x' }; }, /exactly one source, found 2/],
    ['an escaping subPath', (j) => { trainer(j).volumeMounts[0].subPath = '../other'; }, /subPath '..\/other' must be relative without '..'/],
    ['a repeated mountPath', (j) => { trainer(j).volumeMounts[1].mountPath = '/checkpoints'; }, /repeats mountPath '\/checkpoints'/],
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
    ['a spot selector without the toleration', (j) => { pod(j).tolerations.shift(); }, /selects GKE spot nodes but does not tolerate their cloud.google.com\/gke-spot taint/],
  ],
  'kueue-labels': [
    ['the queue label on the pod template', (j) => { j.spec.template.metadata.labels['kueue.x-k8s.io/queue-name'] = 'gpu'; }, /has the Kueue label 'kueue.x-k8s.io\/queue-name'/],
  ],
  'checkpoint-volume': [
    ['no claim mounted', (j) => { trainer(j).volumeMounts.shift(); pod(j).volumes.shift(); }, /mounts no PersistentVolumeClaim for checkpoints/],
  ],
};

function run(rule: Rule, objects: any[], minor = 28): string[] {
  return evaluate(objects, contextFor(objects, minor), new Set(), [rule]).map((f) => f.message);
}

describe('the compliant baseline', () => {
  test('passes every rule and the strict 1.28 schema', () => {
    expectConformant([compliantJob(), compliantClaim()]);
    expect(evaluate([compliantJob(), compliantClaim()], contextFor([compliantClaim()], 28))).toEqual([]);
  });
});

describe.each(ALL_RULES.filter((rule) => rule.id !== 'pvc').map((rule) => [rule.id, rule] as [string, Rule]))('rule %s', (id, rule) => {
  test('has a what, a why and a fix', () => {
    expect(rule.what.length).toBeGreaterThan(10);
    expect(rule.why.length).toBeGreaterThan(10);
    expect(rule.fix.length).toBeGreaterThan(10);
  });

  test('accepts the compliant Job', () => {
    expect(run(rule, [compliantJob(), compliantClaim()])).toEqual([]);
  });

  const cases = VIOLATIONS[id] ?? [];
  test('has at least one violation case', () => {
    expect(cases.length).toBeGreaterThan(0);
  });

  test.each(cases)('reports %s', (_name, mutate, message) => {
    const job = compliantJob();
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

describe('the engine', () => {
  test('version-gated fields pass on a newer target', () => {
    const job = compliantJob();
    job.spec.podReplacementPolicy = 'Failed';
    expect(run(ALL_RULES.find((r) => r.id === 'version-gated-fields')!, [job], 29)).toEqual([]);
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

  test('rule ids are unique kebab-case', () => {
    const ids = ALL_RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });
});

describe('the strict schema check itself', () => {
  (SHARED_AVAILABLE ? test : test.skip)('reports an unknown field', () => {
    const job = compliantJob();
    job.spec.template.spec.containers[0].gpus = 4;
    expect(schemaErrors(job).join('\n')).toMatch(/containers\/0: must NOT have additional properties 'gpus'/);
  });

  (SHARED_AVAILABLE ? test : test.skip)('reports a wrong type and an unknown kind', () => {
    const job = compliantJob();
    job.spec.backoffLimit = 'two';
    expect(schemaErrors(job).join('\n')).toMatch(/backoffLimit: must be integer/);
    expect(schemaErrors({ apiVersion: 'example.com/v1', kind: 'Nope', metadata: { name: 'x' } })).toEqual(['Nope/x: no schema for example.com/v1 Nope in ../shared']);
  });

  (SHARED_AVAILABLE ? test : test.skip)('validates a PyTorchJob against its CRD strictly', () => {
    const pytorch = {
      apiVersion: 'kubeflow.org/v1',
      kind: 'PyTorchJob',
      metadata: { name: 'ddp' },
      spec: { pytorchReplicaSpecs: { Master: { replicas: 1, template: { spec: { containers: [{ name: 'pytorch', image: 'x' }] } } } }, bogus: true },
    };
    expect(schemaErrors(pytorch).join('\n')).toMatch(/spec: must NOT have additional properties 'bogus'/);
    delete (pytorch.spec as any).bogus;
    expect(schemaErrors(pytorch)).toEqual([]);
  });
});

describe('the README rules table', () => {
  test('lists every rule with its severity', () => {
    const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
    for (const rule of ALL_RULES) {
      expect(readme).toContain(`| \`${rule.id}\` | ${rule.severity} |`);
    }
  });
});
