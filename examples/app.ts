// Synthesizes the example app to ./manifests (or the folder given as the first argument)
// and lists the files it wrote.
import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import { CloudProvider } from '../src';
import { teamFraudDistributed } from './distributed';
import { teamFraud } from './team-fraud';

const outdir = path.resolve(process.argv[2] ?? 'manifests');
const app = new App({ outdir });
// The team's cluster is GKE: on-demand pods stay off its spot nodes, GPU models use its label.
CloudProvider.setDefault(app, CloudProvider.gke());
teamFraud(app);
teamFraudDistributed(app);
app.synth();

for (const file of fs.readdirSync(outdir).sort()) {
  const full = path.join(outdir, file);
  const objects = fs.readFileSync(full, 'utf8').split(/^---$/m).filter((doc) => doc.trim()).length;
  console.log(`wrote ${path.relative(process.cwd(), full)} (${objects} objects)`);
}
