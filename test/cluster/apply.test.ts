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
