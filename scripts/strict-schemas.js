#!/usr/bin/env node
// npx projen schemas: writes schemas/strict-schemas.json.gz, what `cdk8s-training lint --strict`
// and the tests' strict conformance check validate against. Nothing is copied: the Kubernetes
// definitions are the OpenAPI the pinned apiserver publishes (api/openapi-spec/swagger.json of
// k8s.io/kubernetes at the version cluster/go.mod builds the control plane from), and the CRDs
// come from the operator modules at the versions cluster/operators/go.mod builds the operators
// from (the files the control plane installs). `go mod download` fetches a module the first
// time (the cluster suite needs the same ones); the output is byte-identical for the same pins.
//
// --optional: without `go` on PATH, say so and exit 0 (the tests then report the strict check
// skipped; CI sets REQUIRE_ALL_SUITES, which makes it an error).
// --import-crds: regenerate src/imports with `cdk8s import` from the CRDs whose types an engine
// uses (`npx projen import:crds`, run by hand when a pin changes).
// --module-dir MODULE: print where the pinned version of MODULE is.
//
// Which CRDs, from which modules: the list the engines declare (src/engines, read through
// src/findings/kinds.ts), so a new engine's CRDs are picked up with its registry line.
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const { parseAllDocuments } = require('yaml');

const root = path.resolve(__dirname, '..');
const output = path.join(root, 'schemas', 'strict-schemas.json.gz');

/** Module, the folder whose go.mod pins it, and the files read from it (the OpenAPI, then every CRD source). */
function sources() {
  require('ts-node').register({ transpileOnly: true, project: path.join(root, 'tsconfig.json'), compilerOptions: { module: 'commonjs' } });
  const kinds = require(path.join(root, 'src', 'findings', 'kinds.ts'));
  return [
    kinds.KUBERNETES_OPENAPI,
    ...kinds.crdSources().map((source) => ({ module: source.module, dir: 'cluster/operators', crds: source.files.map((f) => f.path), files: source.files })),
  ];
}
const SOURCES = sources();

function fail(message) {
  process.stderr.write(`schemas: ${message}\n`);
  process.exit(1);
}

function hasGo() {
  try {
    execFileSync('go', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

// --module-dir MODULE: print where the pinned version of MODULE is (for `npx projen import:crds`).
const moduleDirArg = process.argv.indexOf('--module-dir');

if (!hasGo()) {
  if (process.argv.includes('--optional')) {
    process.stderr.write('schemas SKIPPED: no go on PATH, so the strict schemas (from the Go modules the cluster suite pins) cannot be read\n');
    process.exit(0);
  }
  fail('no go on PATH: the strict schemas are read from the Go modules pinned in cluster/go.mod and cluster/operators/go.mod');
}

/** The module's folder in the module cache at the version the folder's go.mod pins (downloaded if needed). */
function moduleAt(source) {
  let info;
  try {
    info = JSON.parse(execFileSync('go', ['mod', 'download', '-json', source.module], {
      cwd: path.join(root, source.dir), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GOFLAGS: '-mod=mod' },
    }));
  } catch (error) {
    fail(`go mod download ${source.module} (in ${source.dir}) failed: ${String(error.stderr || error.message).trim()}`);
  }
  if (info.Error || !info.Dir) fail(`go mod download ${source.module}: ${info.Error || 'no folder'}`);
  return { version: info.Version, dir: info.Dir };
}

if (process.argv.includes('--import-crds')) {
  for (const source of SOURCES) {
    for (const file of (source.files ?? []).filter((f) => f.types !== undefined)) {
      const spec = `${file.types ? `${file.types}:=` : ''}${path.join(moduleAt(source).dir, file.path)}`;
      process.stdout.write(`cdk8s import ${spec}\n`);
      execFileSync(path.join(root, 'node_modules', '.bin', 'cdk8s'), ['import', spec, '--output', 'src/imports', '--language', 'typescript'], { cwd: root, stdio: 'inherit' });
    }
  }
  process.exit(0);
}

if (moduleDirArg >= 0) {
  const source = SOURCES.find((s) => s.module === process.argv[moduleDirArg + 1]);
  if (!source) fail(`--module-dir: '${process.argv[moduleDirArg + 1]}' is not one of ${SOURCES.map((s) => s.module).join(', ')}`);
  process.stdout.write(moduleAt(source).dir);
  process.exit(0);
}

const bundle = { kubernetes: undefined, crds: [] };
for (const source of SOURCES) {
  const { version, dir } = moduleAt(source);
  if (source.openapi) {
    const swagger = JSON.parse(fs.readFileSync(path.join(dir, source.openapi), 'utf8'));
    bundle.kubernetes = { module: source.module, version, file: source.openapi, definitions: swagger.definitions };
  }
  for (const file of source.crds ?? []) {
    for (const document of parseAllDocuments(fs.readFileSync(path.join(dir, file), 'utf8'))) {
      const crd = document.toJS();
      if (crd?.kind !== 'CustomResourceDefinition') continue;
      bundle.crds.push({
        module: source.module,
        version,
        file,
        group: crd.spec.group,
        kind: crd.spec.names.kind,
        versions: crd.spec.versions.map((v) => ({ name: v.name, schema: v.schema.openAPIV3Schema })),
      });
    }
  }
}
if (!bundle.kubernetes) fail('no Kubernetes OpenAPI read');

/** Writes `data` to `file` unless it already holds those bytes (so a rebuild touches nothing). */
function writeIfChanged(file, data) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  if (!fs.existsSync(file) || !fs.readFileSync(file).equals(data)) fs.writeFileSync(file, data);
}

const data = zlib.gzipSync(Buffer.from(JSON.stringify(bundle)), { level: 9 });
writeIfChanged(output, data);
process.stdout.write(`schemas: ${path.relative(root, output)} (${Math.round(data.length / 1024)} KiB): ` +
  `Kubernetes ${bundle.kubernetes.version} OpenAPI, ${bundle.crds.map((c) => `${c.kind} (${c.module.replace(/\/v\d+$/, '').split('/').pop()} ${c.version})`).join(', ')}\n`);

// The validators of the kinds training manifests are made of, compiled ahead from the file just
// written (src/findings/strict-schemas.ts says why and which), so `lint --strict` does not spend
// its first half second compiling a Job's schema.
const { StrictSchemas, precompiledDir, encodePrecompiled } = require(path.join(root, 'src', 'findings', 'strict-schemas.ts'));
const validators = encodePrecompiled(StrictSchemas.load(output).compileAhead());
const validatorsDir = precompiledDir(output);
for (const [name, bytes] of Object.entries(validators)) writeIfChanged(path.join(validatorsDir, name), bytes);
for (const name of fs.readdirSync(validatorsDir)) if (!(name in validators)) fs.rmSync(path.join(validatorsDir, name));
const size = Object.values(validators).reduce((sum, data) => sum + data.length, 0);
process.stdout.write(`schemas: ${path.relative(root, validatorsDir)}/ (${Math.round(size / 1024)} KiB): validators compiled ahead\n`);
