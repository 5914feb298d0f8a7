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

  // cdk8s 2 / constructs 10 are peers: the user's app owns them. cdk8s-plus is not a dependency:
  // the few pod values the props take (Cpu, EnvValue, PodVolume...) are the library's own, so an
  // app on any cdk8s-plus (or none) installs one copy of it. cdk8s-plus-28, what the library was
  // built on, and -34, the newest on npm, stay as dev dependencies: tests pass their objects in.
  jsiiVersion: '~6.0.0',
  cdk8sVersion: '2.70.0',
  constructsVersion: '10.3.0',
  // yaml, js-yaml, commander, mvdan-sh and ajv are bundled: lint reads manifests with the first
  // two (js-yaml reads each document's values, an order of magnitude faster; yaml gives the
  // lines of fields that have findings, and reads what js-yaml is not trusted with) and its
  // arguments with commander, the shell-syntax rule parses scripts with mvdan-sh (mvdan/sh
  // compiled to JavaScript), `lint --strict` validates with ajv (loaded only then); none
  // appears in the API.
  bundledDeps: ['yaml@^2.5.0', 'js-yaml@^4.1.0', 'commander@^14.0.0', 'mvdan-sh@^0.10.1', 'ajv@^8.17.0'],
  devDeps: ['@types/js-yaml@^4.0.9', 'ajv-formats@^3.0.1', 'cdk8s-cli@^2.200.0', '@kubernetes/client-node@~1.4.0', 'expect@^30', '@microsoft/jest-sarif@1.0.0-beta.0', '@xmldom/xmldom@^0.9.0', 'cdk8s-plus-28@^2.5.6', 'cdk8s-plus-34@^2.0.54'],
  bin: { 'cdk8s-training': 'lib/cli/main.js' },

  // jsii checks the public API against every language; package-all builds all but .NET (below).
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
      // test/cluster and test/node run on Node's runner against the local cluster (test:cluster,
      // test:node); test/torch needs torch from PyPI (test:torch).
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/cluster/', '<rootDir>/test/node/', '<rootDir>/test/torch/'],
      // Every chart a test synthesizes is checked against the strict schemas, not only those a
      // test hands to expectConformant.
      setupFilesAfterEnv: ['<rootDir>/test/util/every-synth-strict.ts'],
    },
  },
  // examples/quickstart imports the package by name, as a user's app does.
  tsconfigDev: { include: ['../examples/**/*.ts', '../bench/**/*.ts'], compilerOptions: { paths: { 'cdk8s-training': ['../src'] } } },
  eslintOptions: { dirs: ['src'], devdirs: ['test', 'examples', 'bench', 'projenrc', '.projenrc.ts'] },
  gitignore: ['/manifests/', '/bench/results.json', '/cluster/.build/', 'test/torch/.venv/', '/schemas/'],
});

// lib/imports: classes generated from the CRDs, used for types at compile time only (nothing
// in lib requires them; 75% of the unpacked package).
for (const pattern of ['/examples/', '/bench/', '/manifests/', '/.ci/', '/lib/imports/', '/cluster/', '/test/', '/scripts/']) {
  project.addPackageIgnore(pattern);
}

// Every language jsii targets and this machine has a toolchain for: npm, Python (wheel and
// sdist), Maven, Go. .NET has no SDK here; jsii still checks its API at every compile.
// The Go proxy does not serve cdk8s-core-go to these machines: jsii-pacmak builds that binding
// from its npm package in the same run (the same generator its publishers use), into dist/go
// with a local replace, so the Go module here builds and can be used. Maven Central serves
// org.cdk8s:cdk8s, so the Maven artifact needs nothing beside it.
const packageAll = project.tasks.tryFind('package-all')!;
packageAll.reset();
for (const target of ['js', 'python', 'java', 'go']) {
  packageAll.spawn(project.tasks.tryFind(`package:${target}`)!);
}
project.tasks.tryFind('package:go')!.reset('jsii-pacmak -v --target go --outdir dist . node_modules/cdk8s');
project.packageTask.reset();
project.packageTask.spawn(packageAll);

// Each package installed as the README says, in an empty folder, running the README's quick
// start in its language (test/languages/run.sh); needs the packages, so it builds them first.
const testLanguages = project.addTask('test:languages', {
  description: 'Build every language package and run the quick start from each in a fresh folder (test/languages/run.sh)',
});
testLanguages.spawn(project.packageTask);
testLanguages.exec('bash test/languages/run.sh', { receiveArgs: true });

project.eslint?.allowDevDeps('examples/**');
project.eslint?.allowDevDeps('bench/**');
// The quick starts import the package by name, as a user's app does: test/tsconfig.json maps it
// to src for the type-check, test:languages installs the real package.
project.eslint?.addOverride({ files: ['examples/quickstart/**'], rules: { 'import/no-unresolved': 'off' } });
// node:test's describe() and it() return promises that the runner itself awaits.
project.eslint?.addOverride({ files: ['test/cluster/**/*.test.ts', 'test/node/**/*.test.ts'], rules: { '@typescript-eslint/no-floating-promises': 'off' } });
// Generated by `cdk8s import`, committed, never edited by hand.
project.eslint?.addIgnorePattern('src/imports/');

// The layers of src/, bottom up; a file imports only from its own layer and those below it
// (CONTRIBUTING.md). src/index.ts, which exports the public API, stands outside them.
const LAYERS = [
  ['./src/k8s'],
  ['./src/knowledge'],
  ['./src/rules'],
  ['./src/blocks'],
  ['./src/engines'],
  ['./src/findings'],
  ['./src/training-workload.ts', './src/spot-tolerant-training-job.ts', './src/scheduled-retrain.ts', './src/hyperparameter-sweep.ts', './src/distributed-pytorch-job.ts'],
  ['./src/cli', './src/plugin.ts'],
];
project.eslint?.addRules({
  'import/no-restricted-paths': ['error', {
    zones: LAYERS.flatMap((layer, i) => layer.map((target) => ({
      target,
      from: LAYERS.slice(i + 1).flat(),
      message: 'imports upward across the layers of src/ (k8s, knowledge, rules, blocks, engines, findings, constructs, cli and plugin): move the shared piece down instead.',
    }))),
  }],
});

// jsii-docgen repeats every inherited prop under each struct that extends another: document each
// prop once, where it is declared (scripts/api-md.js).
project.tasks.tryFind('docgen')!.exec('node scripts/api-md.js');

// The rules reference is generated from the rule definitions at every build, so it cannot drift
// (.ci/run fails when the build changes a tracked file).
const rulesDoc = project.addTask('docs:rules', {
  description: 'Regenerate docs/rules.md from src/rules',
  exec: 'node -e "require(\'./lib/cli/rules-reference\').writeRulesReference(\'docs/rules.md\')"',
});
project.postCompileTask.spawn(rulesDoc);
// The bin runs by its shebang where no npm links it: jsii's Python runtime executes the file
// itself for the `cdk8s-training` script the wheel installs (test/languages proves it).
project.postCompileTask.exec('chmod +x lib/cli/main.js');

// Benchmarks: ratios against baselines measured in the same process (not a test).
const bench = project.addTask('bench', { description: 'Run the benchmarks (bench/bench.ts) against the compiled library' });
bench.spawn(project.compileTask);
bench.exec('node --expose-gc -r ts-node/register/transpile-only bench/bench.ts', { receiveArgs: true, env: { TS_NODE_PROJECT: 'test/tsconfig.json' } });

// Typed classes for the operators' CRDs whose types the engines use, from the modules
// cluster/operators/go.mod pins (the versions the cluster suite runs and --strict validates
// against), as each engine declares them (src/engines): a manual task, run when a pin changes.
project.addTask('import:crds', {
  description: 'Regenerate src/imports from the CRDs the engines declare, at the pinned operator modules (cdk8s import)',
  exec: 'node scripts/strict-schemas.js --import-crds',
});

// The strict schemas (schemas/strict-schemas.json.gz, shipped in the package for `lint --strict`,
// and the tests' conformance check): read from the Go modules the cluster suite pins, never
// copied. The build needs them; the tests run without Go and then say the check is skipped.
const schemas = project.addTask('schemas', {
  description: 'Write schemas/strict-schemas.json.gz from the pinned Go modules (Kubernetes OpenAPI, operator CRDs)',
  exec: 'node scripts/strict-schemas.js',
});
project.preCompileTask.spawn(schemas);
project.testTask.prependExec('node scripts/strict-schemas.js --optional', { name: 'schemas' });

// ts-jest transpiles test files without type-checking (isolatedModules), so type-check the
// tests, the examples and the benchmarks before jest runs.
project.testTask.prependExec('tsc --noEmit -p test/tsconfig.json', { name: 'typecheck' });

// The cluster suite: builds the local control plane from cluster/go.mod (kube-apiserver,
// kube-controller-manager, etcd) and the operators, starts them in a network namespace of the
// suite's own, runs test/cluster there, stops them. Part of `npm test`, after jest and eslint.
const testCluster = project.addTask('test:cluster', {
  description: 'Run test/cluster on a local control plane built from Go modules (cluster/test.sh)',
  exec: 'bash cluster/test.sh',
  receiveArgs: true,
});
project.testTask.spawn(testCluster);

// The launcher of DistributedPyTorchJob with real torchrun (torch from PyPI, CPU): test/torch.
const testTorch = project.addTask('test:torch', {
  description: 'Run test/torch: the torchrun launcher with real torch on local CPU ranks (test/torch/run.sh)',
  exec: 'bash test/torch/run.sh',
  receiveArgs: true,
});
project.testTask.spawn(testTorch);

// The node suite: the cluster suite's control plane plus the kube-scheduler and two real nodes
// (kubelet, containerd, runc, CNI), running the reference trainer: test/node.
const testNode = project.addTask('test:node', {
  description: 'Run test/node: the library\'s YAML on real kubelets with the real trainer (cluster/node-test.sh)',
  exec: 'bash cluster/node-test.sh',
  receiveArgs: true,
});
project.testTask.spawn(testNode);

// The README's first command: synthesize the example app to ./manifests and list the files.
project.addTask('example', {
  description: 'Synthesize the example app (examples/app.ts) to ./manifests',
  exec: 'ts-node --project test/tsconfig.json examples/app.ts',
});

project.synth();
