import { cdk8s, javascript } from 'projen';

const project = new cdk8s.ConstructLibraryCdk8s({
  name: 'cdk8s-training',
  packageName: 'cdk8s-training',
  description:
    'CDK8s constructs for ML training on Kubernetes that survive spot preemption and node loss by construction.',
  author: 'cdk8s-training team',
  authorAddress: 'cdk8s-training@users.noreply.github.com',
  repositoryUrl: 'https://github.com/cdk8s-training/cdk8s-training.git',
  license: 'Apache-2.0',
  keywords: ['cdk8s', 'kubernetes', 'training', 'machine-learning', 'spot', 'kubeflow', 'pytorch'],
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  minNodeVersion: '20.0.0',

  // cdk8s 2 / constructs 10 / cdk8s-plus-28 (Kubernetes 1.28) are peers: the user's app owns them.
  jsiiVersion: '~6.0.0',
  cdk8sVersion: '2.70.0',
  constructsVersion: '10.3.0',
  peerDeps: ['cdk8s-plus-28@^2.5.6'],
  devDeps: ['ajv@^8.17.0', 'ajv-formats@^3.0.1', 'yaml@^2.5.0'],

  // jsii checks the public API against every language; only JavaScript is packaged here.
  publishToPypi: { distName: 'cdk8s-training', module: 'cdk8s_training' },
  publishToMaven: {
    javaPackage: 'io.github.cdk8s_training',
    mavenGroupId: 'io.github.cdk8s-training',
    mavenArtifactId: 'cdk8s-training',
  },
  publishToNuget: { dotNetNamespace: 'Cdk8sTraining', packageId: 'Cdk8sTraining' },
  publishToGo: { moduleName: 'github.com/cdk8s-training/cdk8s-training-go' },

  // CI is .ci/run; there is no GitHub here.
  github: false,
  release: false,
  docgen: true,

  jestOptions: {
    // A changed snapshot must fail the run, locally and in CI, never be rewritten silently.
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    passWithNoTests: false,
    jestConfig: {
      collectCoverage: false,
      testTimeout: 60_000,
    },
  },
  tsconfigDev: { include: ['../examples/**/*.ts', '../bench/**/*.ts'], compilerOptions: {} },
  eslintOptions: { dirs: ['src'], devdirs: ['test', 'examples', 'bench', 'projenrc', '.projenrc.ts'] },
  gitignore: ['/manifests/', '/bench/results.json'],
});

// Package JavaScript only, locally and in CI: the other targets need registries that are not
// reachable here, and jsii has already checked their API during compile.
for (const pattern of ['/examples/', '/bench/', '/manifests/', '/.ci/']) {
  project.addPackageIgnore(pattern);
}

project.packageTask.reset();
project.packageTask.spawn(project.tasks.tryFind('package:js')!);

project.eslint?.allowDevDeps('examples/**');

// The README's first command: synthesize the example app to ./manifests and list the files.
project.addTask('example', {
  description: 'Synthesize the example app (examples/app.ts) to ./manifests',
  exec: 'ts-node --project test/tsconfig.json examples/app.ts',
});

project.synth();
