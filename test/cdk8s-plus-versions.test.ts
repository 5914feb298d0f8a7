/**
 * #15: the library depends on no cdk8s-plus (package.json has none in dependencies or
 * peerDependencies) and takes the values of whichever cdk8s-plus the app uses where the
 * names match: CheckpointStorage.fromClaim matches a PersistentVolumeClaim by shape, and a
 * cdk8s-plus Cpu, EnvValue and the access-mode and pull-policy enums fit the library's own.
 * This file type-checks (npm test runs tsc on the tests first) only because values of both
 * cdk8s-plus-28 and -34 are accepted.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Size } from 'cdk8s';
import * as plus28 from 'cdk8s-plus-28';
import * as plus34 from 'cdk8s-plus-34';
import * as training from '../src';
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

test('the package depends on no cdk8s-plus, and nothing the package ships requires one', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8'));
  for (const field of ['dependencies', 'peerDependencies', 'bundledDependencies']) {
    expect(Object.keys(pkg[field] ?? {}).concat(Array.isArray(pkg[field]) ? pkg[field] : []).filter((name) => name.startsWith('cdk8s-plus'))).toEqual([]);
  }
  const importing: string[] = [];
  const visit = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) visit(file);
      else if (file.endsWith('.ts') && /from '(cdk8s-plus[^']*)'|require\('cdk8s-plus/.test(fs.readFileSync(file, 'utf8'))) importing.push(file);
    }
  };
  visit(path.join(__dirname, '..', 'src'));
  expect(importing).toEqual([]);
  expect(fs.readdirSync(path.join(__dirname, '..', 'src', 'blocks')).length).toBeGreaterThan(10); // the walk saw the sources
});

test.each([
  ['cdk8s-plus-28', plus28],
  ['cdk8s-plus-34', plus34],
])('a %s Cpu, EnvValue, access mode and pull policy fit the library\'s props and render as its own', (_plus, plus: any) => {
  const render = (values: any) => {
    const { chart } = newChart();
    new SpotTolerantTrainingJob(chart, 'train', {
      name: 'train',
      image: 'registry.example.com/trainer:v1',
      command: ['python', 'train.py'],
      spot: SpotScheduling.gke(),
      checkpoint: { storage: CheckpointStorage.existingClaim('ckpt', values.mode) },
      cpu: values.cpu,
      env: { MODE: values.env },
      imagePullPolicy: values.pull,
    });
    return only(synth(chart), 'Job').spec.template.spec.containers[0];
  };
  // Typed as the plus module's own classes: this call type-checks only because they fit.
  const theirs: { cpu: plus28.Cpu; env: plus28.EnvValue; mode: plus28.PersistentVolumeAccessMode; pull: plus28.ImagePullPolicy } = {
    cpu: plus.Cpu.millis(1500), env: plus.EnvValue.fromValue('offline'), mode: plus.PersistentVolumeAccessMode.READ_WRITE_MANY, pull: plus.ImagePullPolicy.IF_NOT_PRESENT,
  };
  const ours = {
    cpu: training.Cpu.millis(1500), env: training.EnvValue.fromValue('offline'), mode: training.PersistentVolumeAccessMode.READ_WRITE_MANY, pull: training.ImagePullPolicy.IF_NOT_PRESENT,
  };
  expect(render(theirs)).toEqual(render(ours));
  expect(render(theirs)).toMatchObject({ imagePullPolicy: 'IfNotPresent', resources: { requests: { cpu: '1500m' } }, env: expect.arrayContaining([{ name: 'MODE', value: 'offline' }]) });
});

test('typed with cdk8s-plus-34\'s own types, its values are accepted by the compiler', () => {
  const cpu: plus34.Cpu = plus34.Cpu.units(2);
  const env: plus34.EnvValue = plus34.EnvValue.fromValue('x');
  const mode: plus34.PersistentVolumeAccessMode = plus34.PersistentVolumeAccessMode.READ_WRITE_MANY;
  const pull: plus34.ImagePullPolicy = plus34.ImagePullPolicy.ALWAYS;
  const props: Partial<training.SpotTolerantTrainingJobProps> = { cpu, env: { A: env }, imagePullPolicy: pull };
  expect(CheckpointStorage.existingClaim('c', mode).isReadWriteMany).toBe(true);
  expect(props.cpu!.amount).toBe('2');
});
