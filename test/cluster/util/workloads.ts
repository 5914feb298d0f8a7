/**
 * Synthesis for the cluster suite, and the Job-level steps the scenarios share.
 */
import { Chart } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { Cluster, eventually, K8s, Obj, splitDocuments } from './cluster';
import { KubernetesVersion } from '../../../src';
import { newChart, synth } from '../../util/synth';

/**
 * The Kubernetes minor the library is asked to target in the cluster suite: the newest it
 * knows. The control plane (cluster/go.mod) runs a newer or equal minor.
 */
export const TARGET = KubernetesVersion.V1_34;

/**
 * Builds a chart, runs the unit suite's strict conformance check on it (OpenAPI/CRD schemas
 * and rules), and returns its YAML exactly as `cdk8s synth` writes it.
 */
export function synthYaml(build: (chart: Chart) => void, version: KubernetesVersion | undefined = TARGET): string {
  const { app, chart } = newChart();
  if (version) KubernetesVersion.setTarget(chart, version);
  build(chart);
  synth(chart);
  return app.synthYaml();
}

/** Rewrites the YAML documents as a user's hand edit would (escape hatches bypass nothing here). */
export function editYaml(yamlText: string, edit: (obj: any) => void): string {
  return splitDocuments(yamlText).map((text) => {
    const doc = parseAllDocuments(text)[0];
    const obj = doc.toJS();
    edit(obj);
    return JSON.stringify(obj) + '\n';
  }).join('---\n');
}

/** The object of a kind among the applied ones. */
export function applied(objects: Obj[], kind: string): Obj {
  const found = objects.filter((o) => o.kind === kind);
  if (found.length !== 1) throw new Error(`expected one ${kind}, applied ${found.map((o) => o.kind).join(', ')}`);
  return found[0];
}

/** The Job's terminal condition (Complete or Failed), once it has one. */
export async function finished(
  cluster: Cluster, namespace: string, name: string, timeoutMs = 120_000,
): Promise<{ job: K8s.V1Job; type: string; reason?: string }> {
  return eventually(`Job ${namespace}/${name} to finish`, async () => {
    const job = await cluster.batch.readNamespacedJob({ name, namespace });
    const done = (job.status?.conditions ?? []).find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
    return done ? { job, type: done.type, reason: done.reason } : undefined;
  }, timeoutMs);
}

/** The Job's n-th pod (1-based, by creation), once the controller has created it. */
export async function nthPod(cluster: Cluster, namespace: string, job: string, n: number, timeoutMs = 120_000): Promise<K8s.V1Pod> {
  return eventually(`pod #${n} of Job ${namespace}/${job}`, async () => {
    const pods = await cluster.jobPods(namespace, job);
    return pods.length >= n ? pods[n - 1] : undefined;
  }, timeoutMs);
}

/** Waits `ms` and then returns the Job's pods: for "no further pod was created" checks. */
export async function podsAfter(cluster: Cluster, namespace: string, job: string, ms: number): Promise<K8s.V1Pod[]> {
  await new Promise((r) => setTimeout(r, ms));
  return cluster.jobPods(namespace, job);
}

/** Pods matching a label selector, oldest first. */
export async function podsBy(cluster: Cluster, namespace: string, labelSelector: string): Promise<K8s.V1Pod[]> {
  const list = await cluster.core.listNamespacedPod({ namespace, labelSelector });
  return list.items.sort((a, b) => (a.metadata!.creationTimestamp!.getTime() - b.metadata!.creationTimestamp!.getTime())
    || a.metadata!.name!.localeCompare(b.metadata!.name!));
}

/**
 * The pods matching `labelSelector` that a controller has created since `seen` (pod UIDs),
 * once there are `count` of them that are not being deleted. Their UIDs are added to `seen`.
 */
export async function newPods(
  cluster: Cluster, namespace: string, labelSelector: string, count: number, seen: Set<string>, timeoutMs = 120_000,
): Promise<K8s.V1Pod[]> {
  const pods = await eventually(`${count} new pod(s) ${labelSelector} in ${namespace}`, async () => {
    const fresh = (await podsBy(cluster, namespace, labelSelector))
      .filter((p) => !seen.has(p.metadata!.uid!) && !p.metadata!.deletionTimestamp);
    return fresh.length >= count ? fresh.slice(0, count) : undefined;
  }, timeoutMs);
  pods.forEach((p) => seen.add(p.metadata!.uid!));
  return pods;
}

/** A custom object by REST path, once `ready` holds for it. */
export async function objectWhen(cluster: Cluster, path: string, what: string, ready: (obj: any) => boolean, timeoutMs = 120_000): Promise<any> {
  return eventually(what, async () => {
    const obj = await cluster.get(path);
    return obj && ready(obj) ? obj : undefined;
  }, timeoutMs);
}

/** The status condition of a type, if it is True. */
export function conditionTrue(obj: any, type: string): any | undefined {
  return (obj?.status?.conditions ?? []).find((c: any) => c.type === type && c.status === 'True');
}

/** A container's environment as a name -> value (or valueFrom) map. */
export function envOf(container: K8s.V1Container): { [name: string]: any } {
  return Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value ?? e.valueFrom]));
}

/**
 * Applies a synthesized file as the README says: the TrainingRuntimes first (`kubectl apply
 * -l trainer.kubeflow.org/framework=torch`), then everything else, each document as written.
 */
export async function applyAsReadme(cluster: Cluster, yamlText: string, namespace: string): Promise<void> {
  const docs = splitDocuments(yamlText);
  const isRuntime = (doc: string) => /^kind: TrainingRuntime$/m.test(doc);
  for (const doc of [...docs.filter(isRuntime), ...docs.filter((d) => !isRuntime(d))]) await cluster.apply(doc, namespace);
}
