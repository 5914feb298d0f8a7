/**
 * HyperparameterSweep on the real Job controller: each pod gets its own completion index,
 * decodes its own grid point from the ConfigMap the apiserver stored, and with per-index
 * retries a configuration error fails only its trial (FailIndex) while the others go on.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import { describe, it } from 'node:test';
import * as os from 'os';
import * as path from 'path';
import { expect } from 'expect';
import { Cluster, eventually, K8s } from './util/cluster';
import { applied, finished, synthYaml } from './util/workloads';
import { HyperparameterSweep, SweepAxis } from '../../src';

const cluster = Cluster.fromEnv();
const INDEX_ANNOTATION = 'batch.kubernetes.io/job-completion-index';

/** Runs the pod's init container as a kubelet would: its env resolved from the pod, its mounts as folders. */
function decode(pod: K8s.V1Pod, grid: { [key: string]: string }): { [name: string]: string } {
  const init = pod.spec!.initContainers![0];
  const env: { [name: string]: string } = { PATH: process.env.PATH! };
  for (const e of init.env ?? []) {
    const fieldPath = e.valueFrom?.fieldRef?.fieldPath;
    const match = fieldPath?.match(/^metadata\.annotations\['(.+)'\]$/);
    env[e.name] = e.value ?? (match ? pod.metadata!.annotations![match[1]] : undefined)!;
  }
  const gridDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cluster-grid-'));
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cluster-trial-'));
  for (const [key, value] of Object.entries(grid)) fs.writeFileSync(path.join(gridDir, key), value);
  const [shell, flag, script, name] = init.command!;
  const run = spawnSync(shell, [flag, script, name, gridDir, outDir], { env, encoding: 'utf8' });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  return JSON.parse(fs.readFileSync(path.join(outDir, 'trial.json'), 'utf8'));
}

describe('HyperparameterSweep on the real Job controller', () => {
  it('four trials get indexes 0-3 and their own grid points; a configuration error fails only its index, a crash is retried per index', async () => {
    let sweep!: HyperparameterSweep;
    const yaml = synthYaml((chart) => {
      sweep = new HyperparameterSweep(chart, 'sweep', {
        name: 'sweep',
        image: 'registry.example.com/trainer:v1',
        command: ['python', 'train.py'],
        grid: [SweepAxis.of('lr', ['1e-4', '3e-4']), SweepAxis.of('batch_size', ['128', '256'])],
        parallelism: 4,
        backoffLimitPerIndex: 1,
        noCheckpointReason: 'a short sweep',
      });
    });
    const ns = await cluster.namespace('sweep');
    const objects = await cluster.applyAll(yaml, ns);
    const job = applied(objects, 'Job').metadata.name;
    const stored = await cluster.core.readNamespacedConfigMap({ name: applied(objects, 'ConfigMap').metadata.name, namespace: ns });

    const pods = await eventually('four pods', async () => {
      const list = await cluster.jobPods(ns, job);
      return list.length === 4 ? list : undefined;
    });
    const byIndex = new Map(pods.map((p) => [Number(p.metadata!.annotations![INDEX_ANNOTATION]), p]));
    expect([...byIndex.keys()].sort()).toEqual([0, 1, 2, 3]);
    for (const [index, pod] of byIndex) {
      // The controller also injects JOB_COMPLETION_INDEX (from the label of the same name on
      // 1.32+); the library's pods read the annotation, which carries the same value.
      const trainer = pod.spec!.containers[0];
      expect(trainer.env?.map((e) => e.name)).toContain('JOB_COMPLETION_INDEX');
      expect(pod.metadata!.labels![INDEX_ANNOTATION]).toBe(String(index));
      const point = decode(pod, stored.data!);
      expect(point).toEqual(sweep.assignment(index));
    }
    const points = [...byIndex.keys()].map((i) => JSON.stringify(sweep.assignment(i)));
    expect(new Set(points).size).toBe(4);

    for (const pod of pods) await cluster.node.run(pod);
    // Trial 1: bad configuration (exit 2): FailIndex. Trial 2: a crash (exit 1): retried once.
    await cluster.node.terminate(byIndex.get(1)!, { exitCode: 2 });
    await cluster.node.terminate(byIndex.get(2)!, { exitCode: 1 });
    await cluster.node.terminate(byIndex.get(0)!, { exitCode: 0 });
    const retry = await eventually('a retry of index 2', async () => {
      const list = await cluster.jobPods(ns, job);
      return list.find((p) => p.metadata!.annotations![INDEX_ANNOTATION] === '2' && p.metadata!.uid !== byIndex.get(2)!.metadata!.uid);
    }, 90_000);
    expect(decode(retry, stored.data!)).toEqual(sweep.assignment(2));
    await cluster.node.run(retry);
    await cluster.node.terminate(retry, { exitCode: 0 });
    await cluster.node.terminate(byIndex.get(3)!, { exitCode: 0 });

    const done = await finished(cluster, ns, job);
    expect(done).toMatchObject({ type: 'Failed', reason: 'FailedIndexes' });
    expect(done.job.status?.failedIndexes).toBe('1');
    expect(done.job.status?.completedIndexes).toMatch(/^0,2(,|-)3$/);
    // Index 1 was never retried, although backoffLimitPerIndex allows one retry.
    const all = await cluster.jobPods(ns, job);
    expect(all.filter((p) => p.metadata!.annotations![INDEX_ANNOTATION] === '1')).toHaveLength(1);
    expect(all).toHaveLength(5);
  });
});
