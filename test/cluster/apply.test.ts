/**
 * Every object the example app writes (`npm run example`) is accepted by the real apiserver
 * with server-side apply and strict field validation, the YAML sent exactly as cdk8s wrote it.
 */
import * as fs from 'fs';
import { describe, it } from 'node:test';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { expect } from 'expect';
import { parse } from 'yaml';
import { ApiError, Cluster, splitDocuments } from './util/cluster';
import { teamFraudDistributed } from '../../examples/distributed';
import { teamFraud } from '../../examples/team-fraud';
import { contextFor, evaluate } from '../../src/findings/evaluate';
import { pathText } from '../../src/k8s/paths';
import { expectConformant } from '../util/conformance';

const cluster = Cluster.fromEnv();

describe('server-side apply with fieldValidation=Strict', () => {
  it('the example app: every object of every file is accepted', async () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cluster-example-'));
    const app = new App({ outdir });
    teamFraud(app);
    teamFraudDistributed(app);
    app.synth();

    const files = fs.readdirSync(outdir).filter((f) => f.endsWith('.yaml')).sort();
    expect(files).toEqual(['team-fraud-distributed.k8s.yaml', 'team-fraud.k8s.yaml']);
    const ns = await cluster.namespace('example');
    const kinds: string[] = [];
    for (const file of files) {
      const text = fs.readFileSync(path.join(outdir, file), 'utf8');
      expectConformant(splitDocuments(text).map((d) => parse(d)));
      for (const doc of splitDocuments(text)) {
        const obj = await cluster.apply(doc, ns);
        kinds.push(obj.kind);
        expect(obj.metadata.uid).toBeDefined();
      }
    }
    expect(kinds.sort()).toEqual(['ConfigMap', 'CronJob', 'Job', 'Job', 'PersistentVolumeClaim', 'PyTorchJob', 'PyTorchJob']);
  });

  it('control: the same apply refuses an unknown field and a duplicate field', async () => {
    const ns = await cluster.namespace('strict');
    const configMap = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: probe\ndata:\n  a: "1"\n';
    await expect(cluster.apply(configMap, ns)).resolves.toMatchObject({ kind: 'ConfigMap' });
    const unknown = configMap + 'dataa:\n  b: "2"\n';
    await expect(cluster.apply(unknown, ns)).rejects.toThrow(/\.dataa: field not declared in schema/);
    const duplicate = configMap + 'data:\n  b: "2"\n';
    const refused = await cluster.apply(duplicate, ns).catch((e) => e);
    expect(refused).toBeInstanceOf(ApiError);
    expect(String(refused.message)).toMatch(/duplicate|already set/i);
  });
});

/** A Job whose pod runs one container `main`: `pod` fields on its pod spec, `container` fields on the container. */
function probeJob(pod: any = {}, container: any = {}): any {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'probe' },
    spec: { template: { spec: { restartPolicy: 'Never', ...pod, containers: [{ name: 'main', image: 'busybox:1.36', command: ['true'], ...container }] } } },
  };
}

/** What rule `ruleId` reports for one object (against the apiserver's minor). */
function ruleMessages(ruleId: string, object: any): string[] {
  return evaluate([object], contextFor([object], 36)).filter((f) => f.ruleId === ruleId).map((f) => f.message);
}

/** Where rule `ruleId` points for one object: each finding's field path, as text. */
function rulePaths(ruleId: string, object: any): string[] {
  return evaluate([object], contextFor([object], 36)).filter((f) => f.ruleId === ruleId).map((f) => pathText(f.path));
}

/**
 * Both refuse the same field: rule `ruleId` points at `spec.template.spec.<ruleField>` and the
 * apiserver refuses with a message matching `apiserver` that names `spec.template.spec.<apiserverField>`
 * (the same field unless a case says otherwise; null where its message names none).
 */
async function expectRefusedAtSameField(ruleId: string, object: any, namespacePrefix: string, ruleField: string,
  apiserverField: string | null, apiserver: RegExp, status?: number): Promise<void> {
  expect(rulePaths(ruleId, object)).toContain(`spec.template.spec.${ruleField}`);
  const message = await refusalOf(object, namespacePrefix, apiserver, status);
  if (apiserverField !== null) expect(message).toContain(`spec.template.spec.${apiserverField}:`);
}

/** The apiserver accepts `object` and rule `ruleId` is silent. */
async function expectAcceptedByBoth(ruleId: string, object: any, namespacePrefix: string): Promise<void> {
  const ns = await cluster.namespace(namespacePrefix);
  expect(ruleMessages(ruleId, object)).toEqual([]);
  await expect(cluster.apply(JSON.stringify(object), ns)).resolves.toMatchObject({ kind: 'Job' });
}

/** The apiserver refuses `object` with HTTP `status` and a message matching `apiserver`; returns that message. */
async function refusalOf(object: any, namespacePrefix: string, apiserver: RegExp, status = 422): Promise<string> {
  const ns = await cluster.namespace(namespacePrefix);
  const error = await cluster.apply(JSON.stringify(object), ns).catch((e) => e);
  expect(error).toBeInstanceOf(ApiError);
  expect({ status: error.status, message: error.message }).toMatchObject({ status });
  expect(error.message).toMatch(apiserver);
  return error.message;
}

describe('containers: the containers rule refuses what the apiserver refuses (ports, pull and message policies)', () => {
  it('accepts numbered, named ports with a protocol and known pull and message policies; the rule is silent', async () => {
    await expectAcceptedByBoth('containers', probeJob({}, {
      ports: [{ containerPort: 8080, name: 'metrics' }, { containerPort: 9000, name: 'a-1', protocol: 'UDP', hostPort: 9000 }],
      imagePullPolicy: 'IfNotPresent',
      terminationMessagePolicy: 'FallbackToLogsOnError',
    }), 'ports-ok');
  });

  // Each case: what is wrong, the ports, the field both the apiserver and the rule name, the apiserver's message.
  const refused: Array<[string, string, any[], RegExp, any?]> = [
    ['port 0', 'ports[0].containerPort', [{ containerPort: 0 }], /ports\[0\]\.containerPort: Required value/],
    ['port 65536', 'ports[0].containerPort', [{ containerPort: 65536 }], /ports\[0\]\.containerPort: Invalid value: 65536/],
    ['hostPort 70000', 'ports[0].hostPort', [{ containerPort: 80, hostPort: 70000 }], /ports\[0\]\.hostPort: Invalid value: 70000/],
    ['a 16-character name', 'ports[0].name', [{ containerPort: 80, name: 'prometheus-stats' }], /ports\[0\]\.name: Invalid value: "prometheus-stats"/],
    ['an upper-case name', 'ports[0].name', [{ containerPort: 80, name: 'Metrics' }], /ports\[0\]\.name: Invalid value: "Metrics"/],
    ['a name of digits', 'ports[0].name', [{ containerPort: 80, name: '8080' }], /ports\[0\]\.name: Invalid value: "8080"/],
    ['a name with --', 'ports[0].name', [{ containerPort: 80, name: 'a--b' }], /ports\[0\]\.name: Invalid value: "a--b"/],
    ['a name ending in -', 'ports[0].name', [{ containerPort: 80, name: 'metrics-' }], /ports\[0\]\.name: Invalid value: "metrics-"/],
    ['a name used twice', 'ports[1].name', [{ containerPort: 80, name: 'http' }, { containerPort: 81, name: 'http' }], /ports\[1\]\.name: Duplicate value: "http"/],
    ['protocol tcp', 'ports[0].protocol', [{ containerPort: 80, protocol: 'tcp' }], /ports\[0\]\.protocol: Unsupported value: "tcp"/],
    ['imagePullPolicy always', 'imagePullPolicy', [], /imagePullPolicy: Unsupported value: "always"/, { imagePullPolicy: 'always' }],
    ['terminationMessagePolicy Logs', 'terminationMessagePolicy', [], /terminationMessagePolicy: Unsupported value: "Logs"/, { terminationMessagePolicy: 'Logs' }],
  ];
  for (const [name, field, ports, apiserver, container] of refused) {
    it(`refuses ${name}, and so does the rule`, async () => {
      const bad = probeJob({}, { ports, ...container });
      expect(ruleMessages('containers', bad).join('\n')).toContain(`container 'main' ${field}`);
      expect(await refusalOf(bad, 'ports-bad', apiserver)).toContain(`spec.template.spec.containers[0].${field}`);
    });
  }
});

describe('env fieldRef and resourceFieldRef: the env-vars rule refuses what the apiserver refuses', () => {
  const job = (valueFrom: any) => probeJob({}, { env: [{ name: 'FROM_POD', valueFrom }], resources: { limits: { memory: '64Mi' } } });

  const accepted: Array<[string, any]> = [
    ['the completion index annotation', { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } }],
    ['a label with apiVersion v1', { fieldRef: { apiVersion: 'v1', fieldPath: "metadata.labels['app']" } }],
    ['spec.host', { fieldRef: { fieldPath: 'spec.host' } }],
    ['status.podIPs', { fieldRef: { fieldPath: 'status.podIPs' } }],
    ['limits.memory', { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } }],
  ];
  for (const [name, valueFrom] of accepted) {
    it(`accepts ${name}; the rule is silent`, async () => {
      await expectAcceptedByBoth('env-vars', job(valueFrom), 'env-ok');
    });
  }

  // Each case: what is wrong, the valueFrom, the field both name (under containers[0].env[0].valueFrom), the apiserver's message.
  const refused: Array<[string, any, string, RegExp]> = [
    ['status.phase', { fieldRef: { fieldPath: 'status.phase' } }, 'fieldRef.fieldPath', /fieldRef.fieldPath: Unsupported value: "status.phase"/],
    ['an annotation without quotes', { fieldRef: { fieldPath: 'metadata.annotations[batch.kubernetes.io/job-completion-index]' } }, 'fieldRef.fieldPath',
      /fieldPath: Invalid value.*field label not supported/],
    ['all labels', { fieldRef: { fieldPath: 'metadata.labels' } }, 'fieldRef.fieldPath', /fieldRef.fieldPath: Unsupported value: "metadata.labels"/],
    ['a subscript on another field', { fieldRef: { fieldPath: "spec.nodeSelector['zone']" } }, 'fieldRef.fieldPath', /does not support subscript/],
    ['apiVersion v2', { fieldRef: { apiVersion: 'v2', fieldPath: 'metadata.name' } }, 'fieldRef.fieldPath', /unsupported pod version: v2/],
    ['a GPU limit', { resourceFieldRef: { resource: 'limits.nvidia.com/gpu' } }, 'resourceFieldRef.resource', /resourceFieldRef.resource: Unsupported value: "limits.nvidia.com\/gpu"/],
  ];
  for (const [name, valueFrom, field, apiserver] of refused) {
    it(`refuses ${name}, and so does the rule, at the same field`, async () => {
      const at = `containers[0].env[0].valueFrom.${field}`;
      await expectRefusedAtSameField('env-vars', job(valueFrom), 'env-bad', at, at, apiserver);
    });
  }
});

describe('node placement: the node-selection rule refuses what the apiserver refuses', () => {
  const required = (...matchExpressions: any[]) => ({
    affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions }] } } },
  });
  const spread = (fields: any) => ({
    maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'train' } }, ...fields,
  });

  it('accepts GPU selection by label and affinity, a preferred value no label could have, and zone spreads; the rule is silent', async () => {
    const ok = probeJob({
      nodeSelector: { 'cloud.google.com/gke-accelerator': 'nvidia-h100-80gb' },
      topologySpreadConstraints: [spread({ minDomains: 2, nodeTaintsPolicy: 'Honor' }), spread({ whenUnsatisfiable: 'ScheduleAnyway', nodeAffinityPolicy: 'Ignore' })],
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{
              matchExpressions: [{ key: 'cloud.google.com/gke-spot', operator: 'NotIn', values: ['true'] }, { key: 'gpu-count', operator: 'Gt', values: ['3'] }],
              matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['node-a'] }],
            }],
          },
          // The apiserver lets preferred terms name values that are not label values.
          preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['us-central1/a'] }] } }],
        },
      },
    });
    await expectAcceptedByBoth('node-selection', ok, 'placement-ok');
  });

  // Each case: what is wrong, the pod spec fields, the field the rule points at and the one the
  // apiserver names (null: its message names none), the apiserver's message and HTTP status (422 unless said).
  const req = 'affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution';
  const expr = `${req}.nodeSelectorTerms[0].matchExpressions[0]`;
  const pref = 'affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight';
  const spreadAt = (field: string) => `topologySpreadConstraints[0].${field}`;
  const refused: Array<[string, any, string, string | null, RegExp, number?]> = [
    // The apiserver names the map; the rule the key whose value is wrong.
    ['a nodeSelector value with spaces', { nodeSelector: { 'cloud.google.com/gke-accelerator': 'nvidia tesla a100' } },
      'nodeSelector.cloud.google.com/gke-accelerator', 'nodeSelector', /nodeSelector: Invalid value: "nvidia tesla a100"/],
    ["operator 'in'", required({ key: 'zone', operator: 'in', values: ['a'] }), `${expr}.operator`, `${expr}.operator`,
      /matchExpressions\[0\]\.operator: Invalid value: "in": not a valid selector operator/],
    ['In without values', required({ key: 'zone', operator: 'In' }), `${expr}.values`, `${expr}.values`, /matchExpressions\[0\]\.values: Required value/],
    ['Exists with a value', required({ key: 'gpu', operator: 'Exists', values: ['true'] }), `${expr}.values`, `${expr}.values`, /matchExpressions\[0\]\.values: Forbidden/],
    ['Gt with two values', required({ key: 'gpu-count', operator: 'Gt', values: ['1', '2'] }), `${expr}.values`, `${expr}.values`,
      /matchExpressions\[0\]\.values: Required value: must be specified single value/],
    ['a required value with a slash', required({ key: 'zone', operator: 'In', values: ['us-central1/a'] }), `${expr}.values[0]`, `${expr}.values[0]`,
      /matchExpressions\[0\]\.values\[0\]: Invalid value: "us-central1\/a"/],
    ['a matchField on spec.nodeName',
      { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'spec.nodeName', operator: 'In', values: ['n1'] }] }] } } } },
      `${req}.nodeSelectorTerms[0].matchFields[0].key`, `${req}.nodeSelectorTerms[0].matchFields[0].key`, /matchFields\[0\]\.key: Invalid value: "spec.nodeName"/],
    ['no terms', { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } } } },
      `${req}.nodeSelectorTerms`, `${req}.nodeSelectorTerms`, /nodeSelectorTerms: Required value/],
    ['a preferred weight of 0',
      { affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 0, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] } }] } } },
      pref, pref, /preferredDuringSchedulingIgnoredDuringExecution\[0\]\.weight: Invalid value: 0/],
    ['a spread with maxSkew 0', { topologySpreadConstraints: [spread({ maxSkew: 0 })] }, spreadAt('maxSkew'), spreadAt('maxSkew'), /topologySpreadConstraints\[0\]\.maxSkew: Invalid value: 0/],
    ['a spread without a topologyKey', { topologySpreadConstraints: [spread({ topologyKey: '' })] }, spreadAt('topologyKey'), spreadAt('topologyKey'),
      /topologySpreadConstraints\[0\]\.topologyKey: Required value/],
    ['whenUnsatisfiable doNotSchedule', { topologySpreadConstraints: [spread({ whenUnsatisfiable: 'doNotSchedule' })] }, spreadAt('whenUnsatisfiable'), spreadAt('whenUnsatisfiable'),
      /whenUnsatisfiable: Unsupported value: "doNotSchedule"/],
    // Server-side apply refuses it before validation (the list is a map keyed by {topologyKey,
    // whenUnsatisfiable}), naming the key, not a field; the rule points at the repeated entry.
    ['the same key and action twice', { topologySpreadConstraints: [spread({}), spread({ maxSkew: 2 })] }, 'topologySpreadConstraints[1]', null, /duplicate entries for key/, 500],
    ['minDomains with ScheduleAnyway', { topologySpreadConstraints: [spread({ whenUnsatisfiable: 'ScheduleAnyway', minDomains: 2 })] }, spreadAt('minDomains'), spreadAt('minDomains'),
      /minDomains: Invalid value: 2: can only use minDomains if whenUnsatisfiable=DoNotSchedule/],
    ['nodeTaintsPolicy honor', { topologySpreadConstraints: [spread({ nodeTaintsPolicy: 'honor' })] }, spreadAt('nodeTaintsPolicy'), spreadAt('nodeTaintsPolicy'),
      /nodeTaintsPolicy: Unsupported value: "honor"/],
  ];
  for (const [name, podSpec, ruleField, apiserverField, apiserver, status] of refused) {
    it(`refuses ${name}, and so does the rule, at the same field`, async () => {
      await expectRefusedAtSameField('node-selection', probeJob(podSpec), 'placement-bad', ruleField, apiserverField, apiserver, status);
    });
  }
});

describe('security contexts: the security-context rule refuses what the apiserver refuses', () => {
  const job = (podContext: any, containerContext?: any) =>
    probeJob({ securityContext: podContext }, containerContext ? { securityContext: containerContext } : {});

  it('accepts the restricted profile the library writes, a Localhost seccomp profile and OnRootMismatch; the rule is silent', async () => {
    const ok = job(
      { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, fsGroupChangePolicy: 'OnRootMismatch', supplementalGroups: [0, 2147483647], seccompProfile: { type: 'RuntimeDefault' } },
      { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'Localhost', localhostProfile: 'profiles/trainer.json' }, appArmorProfile: { type: 'RuntimeDefault' } },
    );
    await expectAcceptedByBoth('security-context', ok, 'security-ok');
  });

  // Each case: what is wrong, the pod and container securityContext, the field both name, the apiserver's message.
  const pod = (field: string) => `securityContext.${field}`;
  const container = (field: string) => `containers[0].securityContext.${field}`;
  const refused: Array<[string, any, any, string, RegExp]> = [
    ['seccomp type runtime/default', { seccompProfile: { type: 'runtime/default' } }, undefined, pod('seccompProfile.type'),
      /securityContext.seccompProfile.type: Unsupported value: "runtime\/default"/],
    ['Localhost without its profile', undefined, { seccompProfile: { type: 'Localhost' } }, container('seccompProfile.localhostProfile'),
      /seccompProfile.localhostProfile: Required value/],
    ['an absolute localhostProfile', { seccompProfile: { type: 'Localhost', localhostProfile: '/x.json' } }, undefined, pod('seccompProfile.localhostProfile'),
      /localhostProfile: Invalid value: "\/x.json": must be a relative path/],
    ['a localhostProfile with RuntimeDefault', { seccompProfile: { type: 'RuntimeDefault', localhostProfile: 'x.json' } }, undefined, pod('seccompProfile.localhostProfile'),
      /localhostProfile: Invalid value.*can only be set when seccomp type is Localhost/],
    ['AppArmor type runtimeDefault', undefined, { appArmorProfile: { type: 'runtimeDefault' } }, container('appArmorProfile.type'),
      /appArmorProfile.type: Unsupported value: "runtimeDefault"/],
    ['runAsUser -1', { runAsUser: -1 }, undefined, pod('runAsUser'), /securityContext.runAsUser: Invalid value: -1/],
    ['fsGroupChangePolicy onRootMismatch', { fsGroupChangePolicy: 'onRootMismatch' }, undefined, pod('fsGroupChangePolicy'), /fsGroupChangePolicy: Unsupported value: "onRootMismatch"/],
    ['procMount Masked', undefined, { procMount: 'Masked' }, container('procMount'), /procMount: Unsupported value: "Masked"/],
    ['privileged without escalation', undefined, { privileged: true, allowPrivilegeEscalation: false }, container('privileged'),
      /cannot set `allowPrivilegeEscalation` to false and `privileged` to true/],
  ];
  for (const [name, podContext, containerContext, field, apiserver] of refused) {
    it(`refuses ${name}, and so does the rule, at the same field`, async () => {
      await expectRefusedAtSameField('security-context', job(podContext, containerContext), 'security-bad', field, field, apiserver);
    });
  }
});
