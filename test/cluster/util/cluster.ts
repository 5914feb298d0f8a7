/**
 * The cluster suite's client: @kubernetes/client-node against the local control plane that
 * `npm run test:cluster` starts (KUBECONFIG points at it). There is no kubelet and no
 * scheduler; `Node` below plays the node the way Kubernetes' own integration tests do, by
 * writing pod status through the status subresource.
 */
import { execFileSync } from 'child_process';
import * as https from 'https';
import { createRequire } from 'module';
import type * as K8s from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import { parseAllDocuments } from 'yaml';

// @kubernetes/client-node 1.x is ECMAScript-module only. Jest's module registry cannot require
// an ES module; Node's own require can (Node 20.19+), so the client is loaded through it.
export const k8s: typeof K8s = createRequire(__filename)('@kubernetes/client-node');

const FIELD_MANAGER = 'cdk8s-training-cluster-test';

/** A Kubernetes object as JSON. */
export type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; [k: string]: any }; [k: string]: any };

/** Discovery made public: the REST path of an object, from the apiserver's resource list. */
class ObjectPaths extends k8s.KubernetesObjectApi {
  public async pathOf(obj: Obj): Promise<string> {
    const resource = await this.resource(obj.apiVersion, obj.kind);
    if (!resource) throw new Error(`the apiserver does not serve ${obj.apiVersion} ${obj.kind}`);
    const prefix = obj.apiVersion.includes('/') ? `/apis/${obj.apiVersion}` : `/api/${obj.apiVersion}`;
    const ns = resource.namespaced ? `/namespaces/${obj.metadata.namespace}` : '';
    return `${prefix}${ns}/${resource.name}/${obj.metadata.name}`;
  }
}

/** An error the apiserver answered with: HTTP status and its Status message. */
export class ApiError extends Error {
  constructor(public readonly status: number, public readonly body: any, what: string) {
    super(`${what}: HTTP ${status}: ${body?.message ?? JSON.stringify(body)}`);
  }
}

export class Cluster {
  /** The cluster of `KUBECONFIG`, which `npm run test:cluster` sets. */
  public static fromEnv(): Cluster {
    const file = process.env.KUBECONFIG;
    if (!file) {
      throw new Error('KUBECONFIG is not set: run the cluster suite with `npm run test:cluster`, which starts the control plane');
    }
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(file);
    return new Cluster(kc);
  }

  public readonly core: K8s.CoreV1Api;
  public readonly batch: K8s.BatchV1Api;
  public readonly node: Node;
  private readonly paths: ObjectPaths;

  private constructor(public readonly kc: K8s.KubeConfig) {
    this.core = kc.makeApiClient(k8s.CoreV1Api);
    this.batch = kc.makeApiClient(k8s.BatchV1Api);
    this.paths = kc.makeApiClient(ObjectPaths);
    this.node = new Node(this);
  }

  /**
   * A fresh namespace that enforces Pod Security "restricted", as a production training
   * namespace should (or "baseline", for a hand-written manifest that sets no securityContext); resolves once the service account controller has created its
   * `default` ServiceAccount (pods are refused until then).
   */
  public async namespace(prefix: string, podSecurity: 'restricted' | 'baseline' = 'restricted'): Promise<string> {
    const name = `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
    await this.core.createNamespace({
      body: {
        metadata: {
          name,
          labels: {
            'pod-security.kubernetes.io/enforce': podSecurity,
            'pod-security.kubernetes.io/enforce-version': 'latest',
          },
        },
      },
    });
    await eventually(`ServiceAccount ${name}/default`, async () => {
      await this.core.readNamespacedServiceAccount({ name: 'default', namespace: name });
      return true;
    });
    return name;
  }

  /**
   * Server-side apply of one YAML document exactly as written (no client-side model drops
   * unknown fields), with `fieldValidation=Strict`: unknown or duplicate fields are errors.
   */
  public async apply(documentYaml: string, namespace?: string): Promise<Obj> {
    // The client reads only what it needs to find the resource; duplicate keys are left for
    // the apiserver to judge.
    const doc = parseAllDocuments(documentYaml, { uniqueKeys: false });
    if (doc.length !== 1) throw new Error(`apply takes one YAML document, got ${doc.length}`);
    const obj = doc[0].toJS() as Obj;
    let body = documentYaml;
    if (namespace !== undefined && obj.metadata.namespace !== namespace) {
      // Move the object into the test's namespace; only metadata.namespace changes.
      const moved = doc[0];
      moved.setIn(['metadata', 'namespace'], namespace);
      body = moved.toString();
      obj.metadata.namespace = namespace;
    }
    const path = await this.paths.pathOf(obj);
    return this.request('PATCH', `${path}?fieldManager=${FIELD_MANAGER}&fieldValidation=Strict&force=true`, body,
      'application/apply-patch+yaml', `apply ${obj.kind} ${obj.metadata.name}`);
  }

  /** Every document of a multi-document YAML file, applied in order. */
  public async applyAll(yamlText: string, namespace?: string): Promise<Obj[]> {
    const applied: Obj[] = [];
    for (const doc of splitDocuments(yamlText)) {
      applied.push(await this.apply(doc, namespace));
    }
    return applied;
  }

  /** GET of a REST path, parsed; undefined on 404. */
  public async get(path: string): Promise<any | undefined> {
    try {
      return await this.request('GET', path, undefined, undefined, `get ${path}`);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return undefined;
      throw e;
    }
  }

  /** The pods of a Job, oldest first. */
  public async jobPods(namespace: string, jobName: string): Promise<K8s.V1Pod[]> {
    const list = await this.core.listNamespacedPod({ namespace, labelSelector: `batch.kubernetes.io/job-name=${jobName}` });
    return list.items.sort((a, b) => (a.metadata!.creationTimestamp!.getTime() - b.metadata!.creationTimestamp!.getTime())
      || a.metadata!.name!.localeCompare(b.metadata!.name!));
  }

  /** Events about an object, by reason. */
  public async events(namespace: string, name: string): Promise<K8s.CoreV1Event[]> {
    const list = await this.core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${name}` });
    return list.items;
  }

  private async request(method: string, path: string, body: string | undefined, contentType: string | undefined, what: string): Promise<any> {
    const server = new URL(this.kc.getCurrentCluster()!.server);
    const options: https.RequestOptions = {
      method,
      hostname: server.hostname,
      port: server.port,
      path,
      headers: { Accept: 'application/json', ...(contentType ? { 'Content-Type': contentType } : {}) },
    };
    await this.kc.applyToHTTPSOptions(options);
    return new Promise((resolve, reject) => {
      const req = https.request(options, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: any = text;
          try { parsed = JSON.parse(text); } catch { /* not JSON */ }
          if (res.statusCode! >= 300) reject(new ApiError(res.statusCode!, parsed, what));
          else resolve(parsed);
        });
      });
      req.on('error', reject);
      req.setTimeout(30_000, () => req.destroy(new Error(`${what}: no answer in 30s`)));
      if (body !== undefined) req.write(body);
      req.end();
    });
  }
}

/** How a pod ended, as the kubelet would report it. */
export interface Termination {
  /** The trainer container's exit code. */
  readonly exitCode: number;
  /**
   * The `DisruptionTarget` condition a node drain, a taint eviction or a spot reclaim sets
   * before the pod is killed (its reason, e.g. `TerminationByKubelet`).
   */
  readonly disruption?: string;
}

/** The node, played by the test: pod status written through the status subresource. */
export class Node {
  constructor(private readonly cluster: Cluster) {}

  /** Marks the pod Running with all its containers started. */
  public async run(pod: K8s.V1Pod): Promise<void> {
    const now = new Date();
    await this.writeStatus(pod, (status, spec) => ({
      ...status,
      phase: 'Running',
      startTime: status.startTime ?? now,
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }],
      containerStatuses: spec.containers.map((c) => ({
        name: c.name,
        image: c.image!,
        imageID: '',
        ready: true,
        restartCount: 0,
        started: true,
        state: { running: { startedAt: now } },
      })),
    }));
  }

  /** Ends the pod: its containers terminated with `exitCode`, phase Failed or Succeeded. */
  public async terminate(pod: K8s.V1Pod, how: Termination): Promise<void> {
    const now = new Date();
    await this.writeStatus(pod, (status, spec) => ({
      ...status,
      phase: how.exitCode === 0 ? 'Succeeded' : 'Failed',
      startTime: status.startTime ?? now,
      conditions: [
        { type: 'Ready', status: 'False', lastTransitionTime: now },
        ...(how.disruption ? [{
          type: 'DisruptionTarget',
          status: 'True',
          reason: how.disruption,
          lastTransitionTime: now,
          message: 'the node is being reclaimed (spot preemption)',
        }] : []),
      ],
      containerStatuses: spec.containers.map((c) => ({
        name: c.name,
        image: c.image!,
        imageID: '',
        ready: false,
        restartCount: 0,
        started: false,
        state: {
          terminated: {
            exitCode: how.exitCode,
            reason: how.exitCode === 0 ? 'Completed' : 'Error',
            startedAt: status.startTime ?? now,
            finishedAt: now,
          },
        },
      })),
    }));
  }

  private async writeStatus(pod: K8s.V1Pod, next: (status: K8s.V1PodStatus, spec: K8s.V1PodSpec) => K8s.V1PodStatus): Promise<void> {
    const { name, namespace } = pod.metadata as { name: string; namespace: string };
    // The Job controller updates the pod too (finalizers); retry on a conflict as a kubelet would.
    for (let attempt = 0; ; attempt++) {
      const current = await this.cluster.core.readNamespacedPod({ name, namespace });
      current.status = next(current.status ?? {}, current.spec!);
      try {
        await this.cluster.core.replaceNamespacedPodStatus({ name, namespace, body: current });
        return;
      } catch (e: any) {
        if (e?.code !== 409 || attempt >= 10) throw e;
      }
    }
  }
}

/**
 * Runs a subcommand of the control plane binary that runs the scheduler's or the kubelet's code
 * (cluster/cmd/controlplane: node-affinity-match, subpath-expr) with `input` as JSON on stdin,
 * and returns its JSON answer. cluster/test.sh sets CONTROLPLANE_BIN.
 */
export function controlplane(subcommand: string, input: unknown): any {
  const bin = process.env.CONTROLPLANE_BIN;
  if (!bin) throw new Error('CONTROLPLANE_BIN is not set: run the cluster suite with `npm run test:cluster`');
  return JSON.parse(execFileSync(bin, [subcommand], { input: JSON.stringify(input), encoding: 'utf8' }));
}

/** Splits a multi-document YAML file into its documents' text, empty ones left out. */
export function splitDocuments(yamlText: string): string[] {
  return yamlText.split(/^---\s*$/m).map((d) => d.trim()).filter((d) => d.length > 0).map((d) => d + '\n');
}

/**
 * Polls `check` until it returns a value other than undefined/false, or fails after
 * `timeoutMs` with the last error seen.
 */
export async function eventually<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 60_000, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}${last ? `: ${(last as Error).message ?? last}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export type { K8s };
