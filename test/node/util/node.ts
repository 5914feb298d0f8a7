/**
 * The node suite's harness: the cluster of `npm run test:node` (a control plane, the
 * kube-scheduler and two real nodes, node-a on-demand and node-b labelled and tainted as GKE
 * spot capacity, each a kubelet on its own containerd), and what a test does to it: apply the
 * library's synthesized YAML with the substitutions the local cluster needs (each named where
 * it is made), give a claim a volume, reclaim a pod the three ways clusters do, and read what
 * the real trainer logged.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Writable } from 'stream';
import { ApiObject, App, Chart, Testing } from 'cdk8s';
import { Construct } from 'constructs';
import { Cluster, eventually, k8s, K8s, Obj } from '../../cluster/util/cluster';

/** The trainer image the suite builds (Debian's python3.11, busybox, the reference trainer): the library's image names are replaced by it. */
export const TRAINER_IMAGE = 'localhost/cdk8s-training/trainer:node-suite';
export const SPOT_NODE = 'node-b';
export const ON_DEMAND_NODE = 'node-a';

export const cluster = Cluster.fromEnv();

/**
 * The objects a chart synthesizes, as cdk8s writes them: the library's rules run at synth and
 * refuse what they find unless `validate` is false (only a control does that).
 */
export function synthesize(build: (chart: Chart) => void, options: { validate?: boolean } = {}): { objects: any[]; app: App } {
  const app = Testing.app();
  const chart = new Chart(app, 'node-suite');
  build(chart);
  if (options.validate ?? true) {
    app.synth();
    return { objects: Testing.synth(chart), app };
  }
  // Each object as it renders (its patches applied), without the chart's validations.
  return { objects: chart.node.findAll().filter(ApiObject.isApiObject).map((o) => o.toJson()), app };
}

/**
 * The substitutions the local cluster needs, and nothing else: every container image becomes
 * the suite's trainer image unless it is one the suite built under the library's own name (the
 * sweep's busybox). Returns the objects changed in place, for the test to apply.
 */
export function forTheLocalCluster(objects: any[], images: { [from: string]: string } = {}): any[] {
  for (const object of objects) {
    for (const spec of podSpecs(object)) {
      for (const container of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
        if (container.image === 'busybox:1.36.1') continue; // built under the name the library emits
        container.image = images[container.image] ?? TRAINER_IMAGE;
      }
    }
  }
  return objects;
}

/** Every pod spec of a Job, CronJob, PyTorchJob or JobSet object. */
export function podSpecs(object: any): any[] {
  switch (object.kind) {
    case 'Job': return [object.spec.template.spec];
    case 'CronJob': return [object.spec.jobTemplate.spec.template.spec];
    case 'PyTorchJob': return Object.values<any>(object.spec.pytorchReplicaSpecs).map((r) => r.template.spec);
    case 'JobSet': return object.spec.replicatedJobs.map((r: any) => r.template.spec.template.spec);
    default: return [];
  }
}

/**
 * A PersistentVolume for each PersistentVolumeClaim among `objects`, bound to it in
 * `namespace`: a folder of the suite (hostPath, on the one machine both nodes share, so it is
 * ReadWriteMany for real), with the claim's own storage class, so the claim is applied as the
 * library wrote it. The folder belongs to the pods' user and group (1000), as a provisioned
 * volume after the kubelet's fsGroup change would. Returns the folders by claim name.
 */
export async function volumesFor(objects: any[], namespace: string): Promise<{ [claim: string]: string }> {
  const folders: { [claim: string]: string } = {};
  for (const claim of objects.filter((o) => o.kind === 'PersistentVolumeClaim')) {
    folders[claim.metadata.name] = await volumeFor(namespace, claim.metadata.name, claim.spec.storageClassName ?? '', claim.spec.accessModes,
      claim.spec.resources.requests.storage);
  }
  return folders;
}

/** A PersistentVolume for claim `name` in `namespace` (see volumesFor). */
export async function volumeFor(namespace: string, name: string, storageClassName: string, accessModes: string[], size: string,
  readOnlyFolder?: string): Promise<string> {
  const folder = readOnlyFolder ?? path.join(process.env.NODE_SUITE_DIR!, 'volumes', `${namespace}-${name}`);
  if (!readOnlyFolder) {
    fs.mkdirSync(folder, { recursive: true });
    // As the kubelet's fsGroup change (pod fsGroup 1000) leaves a volume whose driver supports
    // it: group 1000, group-writable, setgid, so the folders the kubelet makes for subPath and
    // subPathExpr (root's, with the volume's mode) are the pods' group's too.
    fs.chownSync(folder, 1000, 1000);
    fs.chmodSync(folder, 0o2775);
  }
  await cluster.core.createPersistentVolume({
    body: {
      metadata: { name: `${namespace}-${name}` },
      spec: {
        capacity: { storage: size },
        accessModes,
        storageClassName,
        persistentVolumeReclaimPolicy: 'Retain',
        claimRef: { namespace, name },
        hostPath: { path: folder, type: 'Directory' },
      },
    },
  });
  return folder;
}

/** Applies each object (its namespace set to `namespace`), in order. */
export async function applyAll(objects: any[], namespace: string): Promise<Obj[]> {
  const applied: Obj[] = [];
  for (const object of objects) applied.push(await cluster.apply(JSON.stringify(object), namespace));
  return applied;
}

/** The log of a pod's container, as the kubelet kept it ('' before it started). */
export async function logOf(namespace: string, pod: string, container?: string): Promise<string> {
  try {
    return await cluster.core.readNamespacedPodLog({ name: pod, namespace, container });
  } catch {
    return '';
  }
}

/**
 * Follows a container's log from its start until it ends (the kubelet's log stream, through
 * the apiserver), so what a reclaimed pod logged is kept after the pod object is gone.
 * `ended` resolves with the whole log once the container has stopped.
 */
export class LogFollower {
  /** Starts following once the container runs. */
  public static async start(namespace: string, pod: string, container = 'trainer'): Promise<LogFollower> {
    const follower = new LogFollower();
    const sink = new Writable({ write(chunk, _encoding, next) { follower.text += chunk.toString(); next(); } });
    // The stream ends when the container stops (the client's done callback is never called: its
    // response body is piped into the sink, which finishes then).
    follower.ended = new Promise((resolve) => {
      sink.on('finish', () => resolve(follower.text));
      sink.on('error', () => resolve(follower.text));
    });
    await eventually(`the log stream of pod ${pod}`, async () => {
      try {
        await new k8s.Log(cluster.kc).log(namespace, pod, container, sink, { follow: true });
        return true;
      } catch {
        return false; // not started yet
      }
    }, 120_000, 250);
    return follower;
  }

  /** What the container has logged so far. */
  public text = '';
  /** The whole log, once the container has stopped. */
  public ended!: Promise<string>;
  private constructor() {}
}

/** The trainer's progress lines of a log: each step it finished, as a global step number. */
export function stepsIn(log: string, stepsPerEpoch: number): number[] {
  return [...log.matchAll(/^progress epoch=(\d+) step=(\d+)$/gm)].map((m) => Number(m[1]) * stepsPerEpoch + Number(m[2]));
}

/** The pod of a Job that runs now (not terminating), once there is one. */
export async function runningPod(namespace: string, jobName: string, exclude: Set<string> = new Set(), timeoutMs = 180_000): Promise<K8s.V1Pod> {
  return eventually(`a running pod of Job ${jobName}`, async () => {
    const pods = await cluster.jobPods(namespace, jobName);
    return pods.find((p) => !exclude.has(p.metadata!.name!) && p.status?.phase === 'Running' && !p.metadata!.deletionTimestamp);
  }, timeoutMs, 250);
}

/** Waits until a pod's log holds a line matching `pattern`; returns the log. */
export async function logMatching(namespace: string, pod: string, pattern: RegExp, timeoutMs = 120_000, container?: string): Promise<string> {
  return eventually(`pod ${pod} to log ${pattern}`, async () => {
    const log = await logOf(namespace, pod, container);
    return pattern.test(log) ? log : undefined;
  }, timeoutMs, 200);
}

/**
 * The pod once it has ended (Failed or Succeeded); undefined once it is gone, or replaced by a
 * pod of the same name (`uid`, for the operators' fixed pod names) before it was seen ended.
 */
export async function endedPod(namespace: string, name: string, timeoutMs = 120_000, uid?: string): Promise<K8s.V1Pod | undefined> {
  // A watch, not polling: an evicted pod of a Job can end and be deleted within one poll, and
  // its last status (the exit code) is only in the events the watch delivers.
  const isEnded = (pod: K8s.V1Pod | undefined) => pod?.status?.phase === 'Failed' || pod?.status?.phase === 'Succeeded';
  const current = await cluster.core.readNamespacedPod({ name, namespace }).catch(() => undefined);
  if (current === undefined || (uid !== undefined && current.metadata!.uid !== uid)) return undefined; // already gone or replaced
  if (isEnded(current)) return current;
  const uidOf = uid ?? current.metadata!.uid;
  return new Promise<K8s.V1Pod | undefined>((resolve, reject) => {
    let last: K8s.V1Pod | undefined;
    let request: { abort(): void } | undefined;
    const finish = (pod: K8s.V1Pod | undefined, error?: Error) => {
      clearTimeout(timer);
      request?.abort();
      if (error) reject(error); else resolve(pod);
    };
    const timer = setTimeout(() => finish(undefined, new Error(`timed out after ${timeoutMs / 1000}s waiting for pod ${name} to end`)), timeoutMs);
    new k8s.Watch(cluster.kc).watch(`/api/v1/namespaces/${namespace}/pods`,
      { fieldSelector: `metadata.name=${name}`, resourceVersion: current.metadata!.resourceVersion },
      (type: string, pod: K8s.V1Pod) => {
        if (pod.metadata?.uid !== uidOf) return;
        last = pod;
        if (isEnded(pod)) finish(pod);
        else if (type === 'DELETED') finish(isEnded(last) ? last : undefined);
      },
      (error: any) => { if (error && error.name !== 'AbortError') finish(isEnded(last) ? last : undefined); })
      .then((r: any) => { request = r; }, (error: Error) => finish(undefined, error));
  });
}

/** The exit code of a container of an ended pod. */
export function exitCodeOf(pod: K8s.V1Pod | undefined, container: string): number | undefined {
  const status = [...(pod?.status?.containerStatuses ?? []), ...(pod?.status?.initContainerStatuses ?? [])].find((s) => s.name === container);
  return status?.state?.terminated?.exitCode;
}

export async function job(namespace: string, name: string): Promise<K8s.V1Job> {
  return cluster.batch.readNamespacedJob({ name, namespace });
}

/** The Job once its controller has accounted for every ended pod (status.uncountedTerminatedPods empty). */
export async function settledJob(namespace: string, name: string): Promise<K8s.V1Job> {
  return eventually(`Job ${name} to account for its ended pods`, async () => {
    const j = await job(namespace, name);
    const uncounted = j.status?.uncountedTerminatedPods;
    return (uncounted?.failed?.length ?? 0) + (uncounted?.succeeded?.length ?? 0) === 0 ? j : undefined;
  }, 60_000, 250);
}

/** Waits for the Job to reach a terminal condition (Complete, Failed or SuccessCriteriaMet/FailureTarget first); returns it. */
export async function finishedJob(namespace: string, name: string, timeoutMs = 600_000): Promise<K8s.V1Job> {
  return eventually(`Job ${name} to finish`, async () => {
    const j = await job(namespace, name);
    const done = (j.status?.conditions ?? []).find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
    return done ? j : undefined;
  }, timeoutMs, 500);
}

export function conditionOf(j: K8s.V1Job, type: string): K8s.V1JobCondition | undefined {
  return (j.status?.conditions ?? []).find((c) => c.type === type && c.status === 'True');
}

/** How clusters take a pod from a trainer. */
export type Reclaim = 'eviction' | 'taint' | 'delete';

/**
 * Reclaims the pod as a cluster does:
 * - `eviction`: the Eviction API, what a drain and Karpenter use (the apiserver adds the
 *   DisruptionTarget condition, EvictionByEvictionAPI, then deletes the pod with its grace);
 * - `taint`: a `NoExecute` taint on its node, what a node going away gets (the taint eviction
 *   controller adds DisruptionTarget, DeletionByTaintManager, and deletes the pod); the taint is
 *   lifted once the pod is gone, as a replacement node would come up. The taint takes every pod
 *   on the node that does not tolerate it, other scenarios' too: a file that taints says
 *   `node-suite: whole node` in its header and cluster/node-test.sh runs it alone, and the
 *   taint is refused while another namespace has a pod on the node;
 * - `delete`: a plain pod delete, what a node termination handler does (no condition: only the
 *   trainer's exit code tells the Job controller what happened).
 */
export async function reclaim(pod: K8s.V1Pod, how: Reclaim): Promise<void> {
  const { name, namespace } = pod.metadata as { name: string; namespace: string };
  if (how === 'eviction') {
    await cluster.core.createNamespacedPodEviction({ name, namespace, body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace } } });
  } else if (how === 'delete') {
    await cluster.core.deleteNamespacedPod({ name, namespace });
  } else {
    const node = pod.spec!.nodeName!;
    const others = (await cluster.core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${node}` })).items
      .filter((p) => p.metadata!.namespace !== namespace && !p.metadata!.deletionTimestamp && !['Succeeded', 'Failed'].includes(p.status?.phase ?? ''));
    if (others.length > 0) {
      throw new Error(`a NoExecute taint on ${node} would also evict ${others.map((p) => `${p.metadata!.namespace}/${p.metadata!.name}`).join(', ')}: ` +
        'mark the test file \'node-suite: whole node\' so cluster/node-test.sh runs it alone');
    }
    const taint = { key: 'cdk8s-training.io/reclaimed', value: 'true', effect: 'NoExecute' };
    await setTaints(node, (taints) => [...taints, taint]);
    try {
      await eventually(`pod ${name} to go`, async () => {
        try {
          await cluster.core.readNamespacedPod({ name, namespace });
          return false;
        } catch {
          return true;
        }
      }, 120_000, 250);
    } finally {
      await setTaints(node, (taints) => taints.filter((t) => t.key !== taint.key));
    }
  }
}

/**
 * Cordons or uncordons a node (`kubectl cordon`): the scheduler places no new pod on it, as when
 * a provider has no spot capacity left. Node-wide: a file that cordons runs alone (`node-suite:
 * whole node`).
 */
export async function setUnschedulable(node: string, unschedulable: boolean): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const current = await cluster.core.readNode({ name: node });
    current.spec = { ...current.spec, unschedulable: unschedulable || undefined };
    try {
      await cluster.core.replaceNode({ name: node, body: current });
      return;
    } catch (e: any) {
      if (e?.code !== 409 || attempt > 10) throw e;
    }
  }
}

async function setTaints(node: string, change: (taints: K8s.V1Taint[]) => K8s.V1Taint[]): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const current = await cluster.core.readNode({ name: node });
    current.spec = { ...current.spec, taints: change(current.spec?.taints ?? []) };
    try {
      await cluster.core.replaceNode({ name: node, body: current });
      return;
    } catch (e: any) {
      if (e?.code !== 409 || attempt > 10) throw e;
    }
  }
}

/** Prints a measured figure beside the test's name (the note quotes them). */
export function report(line: string): void {
  process.stdout.write(`  node-suite: ${line}\n`);
}

export { Cluster, eventually, Construct };
export type { K8s, Obj };
