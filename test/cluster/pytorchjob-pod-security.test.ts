/**
 * Pod Security "restricted" and the Training Operator's init-pytorch container, on the real
 * apiserver's PodSecurity admission. The suite's operator runs with the library's template
 * (pytorchjob.test.ts shows it creating admitted Worker pods); to show what its built-in
 * template does, this test builds the Worker pod the way the operator's code does
 * (pkg/controller.v1/pytorch/initcontainer.go, read from the module cluster/operators/go.mod
 * pins: the template rendered with the operator's defaults and appended to the Worker
 * template's init containers) and creates it.
 */
import * as fs from 'fs';
import { describe, it } from 'node:test';
import * as path from 'path';
import { Size } from 'cdk8s';
import { expect } from 'expect';
import { parse } from 'yaml';
import { ApiError, Cluster, splitDocuments } from './util/cluster';
import { synthYaml } from './util/workloads';
import { Accelerator, DistributedPyTorchJob, SpotScheduling } from '../../src';
import { rwxCheckpoints } from '../util/synth';

const cluster = Cluster.fromEnv();
const operatorDir = process.env.TRAINING_OPERATOR_DIR;
if (!operatorDir) throw new Error('TRAINING_OPERATOR_DIR is not set: run the suite with `npm run test:cluster`');

/** The operator's built-in template, from its source. */
function operatorTemplate(): string {
  const source = fs.readFileSync(path.join(operatorDir!, 'pkg', 'controller.v1', 'pytorch', 'initcontainer.go'), 'utf8');
  const match = /initContainerTemplate = `([\s\S]*?)`/.exec(source);
  if (!match) throw new Error('initContainerTemplate not found in the operator source');
  return match[1];
}

/** The operator's rendering with its defaults (config.go: alpine:3.10, 100 tries). */
function render(template: string, masterAddr: string): any[] {
  return parse(template.replace(/{{\.InitContainerImage}}/g, 'alpine:3.10').replace(/{{\.MaxTries}}/g, '100')
    .replace(/{{\.MasterAddr}}/g, masterAddr));
}

function workerPod(template: string): any {
  const yaml = synthYaml((chart) => {
    new DistributedPyTorchJob(chart, 'ddp', {
      name: 'ddp',
      image: 'registry.example.com/trainer:v1',
      script: ['train.py'],
      nodes: 2,
      accelerator: Accelerator.nvidiaGpu(1),
      memory: Size.gibibytes(8),
      checkpoint: { storage: rwxCheckpoints() },
      spot: SpotScheduling.gke(),
    });
  });
  const job = splitDocuments(yaml).map((d) => parse(d)).find((o) => o?.kind === 'PyTorchJob');
  const worker = job.spec.pytorchReplicaSpecs.Worker.template;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'ddp-worker-0', labels: worker.metadata?.labels },
    spec: { ...worker.spec, initContainers: [...(worker.spec.initContainers ?? []), ...render(template, 'ddp-master-0')] },
  };
}

describe('Pod Security restricted and the Training Operator init-pytorch container', () => {
  it("refuses the Worker pod with the operator's built-in init container", async () => {
    const ns = await cluster.namespace('psa');
    const refused = await cluster.apply(JSON.stringify(workerPod(operatorTemplate())), ns).catch((e) => e);
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused.status).toBe(403);
    expect(refused.message).toMatch(/violates PodSecurity "restricted:latest".*"init-pytorch"/);
  });

  it('admits it with DistributedPyTorchJob.RESTRICTED_INIT_CONTAINER_TEMPLATE', async () => {
    const ns = await cluster.namespace('psa');
    const pod = await cluster.apply(JSON.stringify(workerPod(DistributedPyTorchJob.RESTRICTED_INIT_CONTAINER_TEMPLATE)), ns);
    expect(pod.spec.initContainers.map((c: any) => c.name)).toEqual(['init-pytorch']);
  });

  it("the library's template is the operator's plus a securityContext, nothing else", () => {
    const theirs = render(operatorTemplate(), 'm')[0];
    const ours = render(DistributedPyTorchJob.RESTRICTED_INIT_CONTAINER_TEMPLATE, 'm')[0];
    const { securityContext, ...rest } = ours;
    expect(rest).toEqual(theirs);
    expect(securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true });
  });
});
