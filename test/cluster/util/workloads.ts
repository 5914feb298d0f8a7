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
