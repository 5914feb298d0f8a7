import { App, Chart, Size, Testing } from 'cdk8s';
import { Construct, Node } from 'constructs';
import { expectConformant } from './conformance';
import { CheckpointStorage, StorageClasses, TrainingWorkload, Warnings } from '../../src';

/** A fresh app and chart in namespace `ml`, as a user's infra repo would have. */
export function newChart(): { app: App; chart: Chart } {
  const app = Testing.app();
  const chart = new Chart(app, 'test', { namespace: 'ml' });
  return { app, chart };
}

/**
 * The synthesized objects of a chart; validation (the rules) runs first, as in `cdk8s synth`.
 * Every object is then checked strictly against the 1.28 schemas / CRDs and the rules, with
 * the target version and the rule opt-outs of the chart's constructs.
 */
export function synth(scope: Construct): any[] {
  const chart = Chart.of(scope);
  const app = chart.node.scope as App;
  app.synth();
  const objects = Testing.synth(chart);
  const workloads = Node.of(chart).findAll().filter((c): c is TrainingWorkload => c instanceof TrainingWorkload);
  expectConformant(objects, {
    kubernetesMinor: workloads.length ? Math.max(...workloads.map((w) => w.kubernetesVersion.minor)) : undefined,
    acknowledged: workloads.flatMap((w) => w.acknowledgedRules.map((entry) => entry.split(':')[0])),
  });
  return objects;
}

/** An RWX checkpoint claim on GKE Filestore. */
export function rwxCheckpoints(): CheckpointStorage {
  return CheckpointStorage.newClaim({ storageClassName: StorageClasses.GKE_FILESTORE_STANDARD_RWX, size: Size.tebibytes(1) });
}

/** The object of a kind, failing if there is not exactly one. */
export function only(objects: any[], kind: string): any {
  const matching = objects.filter((o) => o.kind === kind);
  if (matching.length !== 1) throw new Error(`expected one ${kind}, found ${matching.length}`);
  return matching[0];
}

/**
 * The warnings under `scope` once its app has synthesized: construct warnings are reported
 * at synth (after acknowledgeRule had its chance), as `cdk8s synth` prints them.
 */
export function warningsOf(scope: Construct): string[] {
  (Node.of(scope).root as App).synth();
  return Warnings.of(scope);
}

/** Every pod template of the output: Jobs, CronJobs and each engine's objects. */
export function podTemplates(objects: any[]): any[] {
  return objects.flatMap((o) => {
    if (o.kind === 'Job') return [o.spec.template];
    if (o.kind === 'CronJob') return [o.spec.jobTemplate.spec.template];
    if (o.kind === 'PyTorchJob') return Object.values<any>(o.spec.pytorchReplicaSpecs).map((r) => r.template);
    if (o.kind === 'JobSet') return o.spec.replicatedJobs.map((j: any) => j.template.spec.template);
    if (o.kind === 'TrainingRuntime') return o.spec.template.spec.replicatedJobs.map((j: any) => j.template.spec.template);
    return [];
  });
}

