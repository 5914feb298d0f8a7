/**
 * #15: the library is built on cdk8s-plus-28 but takes the claim of whichever cdk8s-plus the
 * app uses: CheckpointStorage.fromClaim matches a PersistentVolumeClaim by shape. This file
 * type-checks (npm test runs tsc on the tests first) only because a cdk8s-plus-34 claim is
 * accepted where a cdk8s-plus-28 class was required before.
 */
import { Size } from 'cdk8s';
import * as plus28 from 'cdk8s-plus-28';
import * as plus34 from 'cdk8s-plus-34';
import { CheckpointStorage, SpotScheduling, SpotTolerantTrainingJob } from '../src';
import { newChart, only, synth } from './util/synth';

function trainOn(storageOf: (chart: any) => CheckpointStorage) {
  const { chart } = newChart();
  const storage = storageOf(chart);
  new SpotTolerantTrainingJob(chart, 'train', {
    name: 'train',
    image: 'registry.example.com/trainer:v1',
    command: ['python', 'train.py'],
    memory: Size.gibibytes(8),
    checkpoint: { storage },
    spot: SpotScheduling.gke(),
  });
  return synth(chart);
}

test.each([
  ['cdk8s-plus-28', (chart: any) => new plus28.PersistentVolumeClaim(chart, 'claim', {
    metadata: { name: 'ckpt' }, accessModes: [plus28.PersistentVolumeAccessMode.READ_WRITE_MANY], storage: Size.tebibytes(1), storageClassName: 'standard-rwx',
  })],
  ['cdk8s-plus-34 (the newest on npm)', (chart: any) => new plus34.PersistentVolumeClaim(chart, 'claim', {
    metadata: { name: 'ckpt' }, accessModes: [plus34.PersistentVolumeAccessMode.READ_WRITE_MANY], storage: Size.tebibytes(1), storageClassName: 'standard-rwx',
  })],
])('a %s claim is the checkpoint volume of the Job, which may run several pods on it', (_plus, claimOf) => {
  const objects = trainOn((chart) => CheckpointStorage.fromClaim(claimOf(chart)));
  const job = only(objects, 'Job');
  expect(job.spec.template.spec.volumes).toContainEqual({ name: 'checkpoints', persistentVolumeClaim: { claimName: 'ckpt' } });
  expect(only(objects, 'PersistentVolumeClaim').spec.accessModes).toEqual(['ReadWriteMany']);
});

test('a claim of a newer cdk8s-plus is read for its access modes: ReadWriteOnce still refuses several pods', () => {
  const { chart } = newChart();
  const claim = new plus34.PersistentVolumeClaim(chart, 'claim', { accessModes: [plus34.PersistentVolumeAccessMode.READ_WRITE_ONCE], storage: Size.gibibytes(100) });
  const storage = CheckpointStorage.fromClaim(claim);
  expect(storage.isReadWriteMany).toBe(false);
  expect(storage.accessModes).toEqual(['ReadWriteOnce']);
});

test('a claim without access modes, or with one Kubernetes does not know, is refused by name', () => {
  const { chart } = newChart();
  const bare = new plus34.PersistentVolumeClaim(chart, 'bare', { metadata: { name: 'bare' }, storage: Size.gibibytes(1) });
  expect(() => CheckpointStorage.fromClaim(bare)).toThrow(/claim 'bare' declares no accessModes; set accessModes/);
  expect(() => CheckpointStorage.fromClaim({ name: 'odd', accessModes: ['ReadWriteSometimes'] }))
    .toThrow(/claim 'odd' has access mode\(s\) 'ReadWriteSometimes'; Kubernetes knows ReadWriteOnce, ReadOnlyMany, ReadWriteMany, ReadWriteOncePod/);
});
