/**
 * Benchmarks (npm run bench): what synth, sweeps and lint cost, each measured against a
 * baseline in the same process, repeated, medians quoted. Prints one table and writes the
 * same figures to bench/results.json. Not part of the test suite.
 *
 * Uses the compiled library (lib/), as users get it.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App, Chart, Duration, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { LineCounter, parseAllDocuments, stringify } from 'yaml';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const lib = require('../lib') as typeof import('../src');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { lint } = require('../lib/cli/lint') as typeof import('../src/cli/lint');

const QUICK = process.argv.includes('--quick');
const REPEAT = QUICK ? 1 : 5;
const results: { [section: string]: any } = {};
const rows: string[][] = [];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function time(fn: () => void, repeat = REPEAT): number {
  const samples: number[] = [];
  for (let i = 0; i < repeat; i++) {
    global.gc?.();
    const start = process.hrtime.bigint();
    fn();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return median(samples);
}

/**
 * Medians of `fns` measured in rounds (each round runs every fn once, in turn), so heap growth
 * and machine noise over time fall on all of them alike instead of on whichever runs first.
 */
function timeInterleaved(fns: Array<() => void>, rounds = REPEAT, samples: number[][] = fns.map(() => [])): number[] {
  for (let round = 0; round < rounds; round++) {
    fns.forEach((fn, i) => {
      global.gc?.();
      const start = process.hrtime.bigint();
      fn();
      samples[i].push(Number(process.hrtime.bigint() - start) / 1e6);
    });
  }
  return samples.map(median);
}

function row(...cells: Array<string | number>): void {
  rows.push(cells.map((cell) => (typeof cell === 'number' ? (Number.isInteger(cell) ? String(cell) : cell.toFixed(2)) : cell)));
}

const checkpoints = () => lib.CheckpointStorage.existingClaim('ckpt', lib.PersistentVolumeAccessMode.READ_WRITE_MANY);

function trainingJobs(count: number): string {
  const app = new App();
  const chart = new Chart(app, 'bench');
  const storage = checkpoints();
  for (let i = 0; i < count; i++) {
    new lib.SpotTolerantTrainingJob(chart, `job-${i}`, {
      name: `job-${i}`,
      image: 'trainer:v1',
      command: ['python', 'train.py'],
      accelerator: lib.Accelerator.nvidiaGpu(4),
      cpu: lib.Cpu.units(16),
      memory: Size.gibibytes(128),
      checkpoint: { storage, subPath: `job-${i}` },
      spot: lib.SpotScheduling.gke(),
    });
  }
  return app.synthYaml();
}

function plusJobs(count: number): string {
  const app = new App();
  const chart = new Chart(app, 'bench');
  const claim = kplus.PersistentVolumeClaim.fromClaimName(chart, 'claim', 'ckpt');
  const checkpointVolume = kplus.Volume.fromPersistentVolumeClaim(chart, 'ckpt-volume', claim);
  for (let i = 0; i < count; i++) {
    const job = new kplus.Job(chart, `job-${i}`, {
      metadata: { name: `job-${i}` },
      backoffLimit: 2,
      activeDeadline: Duration.hours(8),
      ttlAfterFinished: Duration.hours(24),
      restartPolicy: kplus.RestartPolicy.NEVER,
      terminationGracePeriod: Duration.seconds(30),
      securityContext: { ensureNonRoot: true, user: 1000, group: 1000, fsGroup: 1000 },
    });
    const container = job.addContainer({
      name: 'trainer',
      image: 'trainer:v1',
      command: ['python', 'train.py'],
      resources: {
        cpu: { request: kplus.Cpu.units(16), limit: kplus.Cpu.units(16) },
        memory: { request: Size.gibibytes(128), limit: Size.gibibytes(128) },
      },
      securityContext: { ensureNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: false },
      envVariables: { CHECKPOINT_DIR: kplus.EnvValue.fromValue('/checkpoints'), PREEMPTION_EXIT_CODE: kplus.EnvValue.fromValue('143') },
    });
    container.mount('/checkpoints', checkpointVolume, { subPath: `job-${i}` });
    container.mount('/dev/shm', kplus.Volume.fromEmptyDir(job, 'dshm', 'dshm', { medium: kplus.EmptyDirMedium.MEMORY, sizeLimit: Size.gibibytes(32) }));
    job.scheduling.tolerate(kplus.Node.tainted(kplus.NodeTaintQuery.is('cloud.google.com/gke-spot', 'true', { effect: kplus.TaintEffect.NO_SCHEDULE })));
    job.scheduling.attract(kplus.Node.labeled(kplus.NodeLabelQuery.is('cloud.google.com/gke-spot', 'true')));
    job.scheduling.tolerate(kplus.Node.tainted(kplus.NodeTaintQuery.exists('nvidia.com/gpu', { effect: kplus.TaintEffect.NO_SCHEDULE })));
    // What cdk8s-plus-28 has no prop for, as its users write it: GPUs and the preemption policy.
    ApiObject.of(job).addJsonPatch(
      JsonPatch.add('/spec/template/spec/containers/0/resources/requests/nvidia.com~1gpu', 4),
      JsonPatch.add('/spec/template/spec/containers/0/resources/limits/nvidia.com~1gpu', 4),
      JsonPatch.add('/spec/podFailurePolicy', {
        rules: [
          { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
          { action: 'Ignore', onExitCodes: { containerName: 'trainer', operator: 'In', values: [143] } },
          { action: 'FailJob', onExitCodes: { containerName: 'trainer', operator: 'In', values: [2] } },
        ],
      }),
    );
  }
  return app.synthYaml();
}

/** Raw ApiObjects: each job's own JSON (built beforehand, not timed), the floor of any construct. */
function rawJobs(jsons: any[]): string {
  const app = new App();
  const chart = new Chart(app, 'bench');
  jsons.forEach((json, i) => new ApiObject(chart, `job-${i}`, json));
  return app.synthYaml();
}

/** The documents of a YAML stream with keys sorted: equal when two streams hold the same JSON. */
function canonical(yaml: string): string {
  const sorted = (v: any): any => (Array.isArray(v) ? v.map(sorted)
    : v !== null && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted(v[k])])) : v);
  return JSON.stringify(parseAllDocuments(yaml).map((d: any) => sorted(d.toJS())));
}

function section1(): void {
  const count = 1000;
  // The raw floor writes the same JSON as the library, object by object: job i's own copy of
  // the library's Job with its name wherever the library writes it (name, labels), so each
  // object is as distinct in memory as the library's. Checked below, key order aside.
  const template = JSON.stringify((() => {
    const app = new App();
    const chart = new Chart(app, 'bench');
    new lib.SpotTolerantTrainingJob(chart, 'job-placeholder', {
      name: 'job-placeholder',
      image: 'trainer:v1',
      command: ['python', 'train.py'],
      accelerator: lib.Accelerator.nvidiaGpu(4),
      cpu: lib.Cpu.units(16),
      memory: Size.gibibytes(128),
      checkpoint: { storage: checkpoints(), subPath: 'job-placeholder' },
      spot: lib.SpotScheduling.gke(),
    });
    return chart.toJson().find((o: any) => o.kind === 'Job');
  })());
  const jsonsFor = (n: number) => Array.from({ length: n }, (_, i) => JSON.parse(template.split('job-placeholder').join(`job-${i}`)));
  const jsons = jsonsFor(count);
  if (canonical(trainingJobs(count)) !== canonical(rawJobs(jsons))) {
    throw new Error('bench: the raw ApiObjects do not write the same JSON as the library');
  }
  trainingJobs(50); plusJobs(50); rawJobs(jsonsFor(50)); // warm up
  const samples: number[][] = [[], [], []];
  const [ours, plus, raw] = timeInterleaved([() => trainingJobs(count), () => plusJobs(count), () => rawJobs(jsons)], QUICK ? 1 : 11, samples);
  // The spread of the round-by-round ratios says how much of a ratio is the machine's noise.
  const spread = (other: number[]) => {
    const ratios = samples[0].map((x, i) => x / other[i]).sort((a, b) => a - b);
    return [ratios[Math.floor((ratios.length - 1) / 4)], ratios[Math.ceil((3 * (ratios.length - 1)) / 4)]];
  };
  const [plusLow, plusHigh] = spread(samples[1]);
  const [rawLow, rawHigh] = spread(samples[2]);
  results.synth = {
    count,
    oursMs: ours,
    cdk8sPlusMs: plus,
    rawApiObjectMs: raw,
    vsCdk8sPlus: ours / plus,
    vsRaw: ours / raw,
    sameJson: true,
    roundRatiosInterquartile: { vsCdk8sPlus: [plusLow, plusHigh], vsRaw: [rawLow, rawHigh] },
  };
  row('1 synth 1,000 jobs', `${ours.toFixed(0)} ms`, `cdk8s-plus-28 ${plus.toFixed(0)} ms`,
    `x${(ours / plus).toFixed(2)} (rounds x${plusLow.toFixed(2)}-${plusHigh.toFixed(2)})`, 'target <= 1.00');
  row('', '', `raw ApiObject ${raw.toFixed(0)} ms`, `x${(ours / raw).toFixed(2)} (rounds x${rawLow.toFixed(2)}-${rawHigh.toFixed(2)})`,
    'target <= 1.10 (same JSON, checked)');
}

function section2(): void {
  const kinds: { [kind: string]: (chart: Chart, i: number) => void } = {
    SpotTolerantTrainingJob: (chart, i) => new lib.SpotTolerantTrainingJob(chart, `j${i}`, { image: 'trainer:v1', checkpoint: { storage: checkpoints(), subPath: `j${i}` } }),
    ScheduledRetrain: (chart, i) => new lib.ScheduledRetrain(chart, `r${i}`, {
      image: 'trainer:v1', scheduleExpression: '0 2 * * 0', checkpoint: { storage: checkpoints(), subPath: `r${i}` },
    }),
    DistributedPyTorchJob: (chart, i) => new lib.DistributedPyTorchJob(chart, `d${i}`, {
      image: 'trainer:v1', script: ['train.py'], nodes: 4, checkpoint: { storage: checkpoints(), subPath: `d${i}` },
    }),
    HyperparameterSweep: (chart, i) => new lib.HyperparameterSweep(chart, `s${i}`, {
      image: 'trainer:v1', command: ['python', 'train.py'], grid: [lib.SweepAxis.of('lr', ['1e-4', '3e-4'])], checkpoint: { storage: checkpoints(), subPath: `s${i}` },
    }),
  };
  results.scaling = {};
  for (const [kind, make] of Object.entries(kinds)) {
    const perConstruct: number[] = [];
    for (const count of QUICK ? [10, 100, 1000] : [10, 100, 1000, 10000]) {
      global.gc?.();
      const before = process.memoryUsage().rss;
      let peak = before;
      const ms = time(() => {
        const app = new App();
        const chart = new Chart(app, 'bench');
        for (let i = 0; i < count; i++) make(chart, i);
        app.synthYaml();
        peak = Math.max(peak, process.memoryUsage().rss);
      }, count >= 10000 ? 1 : REPEAT);
      const usPer = (ms * 1000) / count;
      perConstruct.push(usPer);
      results.scaling[`${kind}/${count}`] = { ms, usPerConstruct: usPer, rssGrowthMiB: (peak - before) / 2 ** 20 };
      row(`2 ${kind}`, `${count}`, `${ms.toFixed(0)} ms`, `${usPer.toFixed(0)} us each`, `rss +${((peak - before) / 2 ** 20).toFixed(0)} MiB`);
    }
    results.scaling[`${kind}/flatness`] = perConstruct[perConstruct.length - 1] / perConstruct[1];
    row('', 'per-construct cost, largest vs 100', `x${(perConstruct[perConstruct.length - 1] / perConstruct[1]).toFixed(2)}`, 'flat is ~1', '');
  }
}

function section3(): void {
  results.sweeps = {};
  for (const points of [10, 1000, 100000]) {
    const [a, b] = points === 10 ? [2, 5] : points === 1000 ? [10, 100] : [100, 1000];
    let yaml = '';
    const ms = time(() => {
      const app = new App();
      const chart = new Chart(app, 'bench');
      new lib.HyperparameterSweep(chart, 'sweep', {
        name: 'sweep',
        image: 'trainer:v1',
        command: ['python', 'train.py'],
        noCheckpointReason: 'bench',
        grid: [lib.SweepAxis.of('a', Array.from({ length: a }, (_, i) => `${i}`)), lib.SweepAxis.of('b', Array.from({ length: b }, (_, i) => `v${i}`))],
      });
      yaml = app.synthYaml();
    });
    const largest = Math.max(...yaml.split(/^---$/m).map((doc) => Buffer.byteLength(doc)));
    results.sweeps[points] = { ms, totalBytes: Buffer.byteLength(yaml), largestObjectBytes: largest };
    row(`3 sweep ${points} points`, `${ms.toFixed(1)} ms`, `${Buffer.byteLength(yaml)} bytes`, `largest ${largest} bytes`, largest < 1048576 ? 'under 1 MiB' : 'OVER 1 MiB');
  }
}

function section4(): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-training-bench-'));
  const docs = (() => {
    const app = new App();
    const chart = new Chart(app, 'bench');
    const storage = checkpoints();
    for (let i = 0; i < 10000; i++) {
      new lib.SpotTolerantTrainingJob(chart, `job-${i}`, { name: `job-${i}`, image: 'trainer:v1', checkpoint: { storage, subPath: `job-${i}` }, spot: lib.SpotScheduling.gke() });
    }
    return chart.toJson();
  })();
  const file = path.join(dir, 'jobs.yaml');
  fs.writeFileSync(file, docs.map((doc: any) => stringify(doc)).join('---\n'));
  const text = fs.readFileSync(file, 'utf8');
  // The baseline parses exactly as lint does (same options), so the ratio is the rules' cost.
  const parseOnly = () => {
    parseAllDocuments(text, { lineCounter: new LineCounter(), uniqueKeys: false }).map((d: any) => d.toJS({ maxAliasCount: 100 }));
  };
  const lintAll = () => { lint([file], { kubernetesMinor: 28 }); };
  parseOnly(); lintAll(); // warm up both paths
  const parseMs = time(parseOnly);
  const lintMs = time(lintAll);
  const parseRate = 10000 / (parseMs / 1000);
  const lintRate = 10000 / (lintMs / 1000);
  results.lint = { objects: 10000, parseOnlyPerSecond: parseRate, lintPerSecond: lintRate, ratio: lintRate / parseRate };
  row('4 lint 10,000 objects', `${lintRate.toFixed(0)} obj/s`, `parse only ${parseRate.toFixed(0)} obj/s`, `x${(lintRate / parseRate).toFixed(2)}`, 'target >= 0.33');
}

function section5(): void {
  const node = process.execPath;
  const load = (module: string) => time(() => { execFileSync(node, ['-e', `require(${JSON.stringify(module)})`]); }, QUICK ? 3 : 9);
  const baseline = load(require.resolve('cdk8s-plus-28'));
  const ours = load(path.resolve(__dirname, '..', 'lib', 'index.js'));
  results.coldImport = { cdk8sPlusMs: baseline, oursMs: ours, ratio: ours / baseline };
  row('5 cold require', `${ours.toFixed(0)} ms`, `cdk8s-plus-28 alone ${baseline.toFixed(0)} ms`, `x${(ours / baseline).toFixed(2)}`, '(cdk8s + the library; no cdk8s-plus)');
}

function section6(): void {
  // What `npm install` downloads and unpacks: npm's own count of the package as packed now,
  // against the same package with the generated CRD classes (lib/imports) it leaves out.
  const root = path.resolve(__dirname, '..');
  const [pack] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' }));
  const importsDir = path.join(root, 'lib', 'imports');
  const importsBytes = fs.existsSync(importsDir)
    ? fs.readdirSync(importsDir).reduce((sum, f) => sum + fs.statSync(path.join(importsDir, f)).size, 0) : 0;
  const withImports = pack.unpackedSize + importsBytes;
  // What `lint --strict` adds: the schemas and the bundled validator (ajv and its dependencies).
  const strictFiles = pack.files.filter((f: any) =>
    /^(schemas\/|node_modules\/(ajv|fast-uri|fast-deep-equal|json-schema-traverse|require-from-string)\/)/.test(f.path));
  const strictBytes = strictFiles.reduce((sum: number, f: any) => sum + f.size, 0);
  results.packageSize = {
    packedBytes: pack.size,
    unpackedBytes: pack.unpackedSize,
    files: pack.entryCount,
    libImportsBytes: importsBytes,
    ratioToWithImports: pack.unpackedSize / withImports,
    strictBytes,
  };
  row('6 npm package', `${(pack.size / 1e6).toFixed(2)} MB packed, ${(pack.unpackedSize / 1e6).toFixed(2)} MB unpacked`,
    `with lib/imports ${(withImports / 1e6).toFixed(2)} MB unpacked`, `x${(pack.unpackedSize / withImports).toFixed(2)}`,
    `${pack.entryCount} files; --strict's schemas + ajv ${(strictBytes / 1e6).toFixed(2)} MB of it`);
}

// `npm run bench -- --only 1,4` runs those sections alone.
const onlyArg = process.argv[process.argv.indexOf('--only') + 1];
const only = process.argv.includes('--only') ? new Set(String(onlyArg).split(',').map(Number)) : undefined;
[section1, section2, section3, section4, section5, section6].forEach((section, i) => {
  if (only === undefined || only.has(i + 1)) section();
});

const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
console.log(rows.map((r) => r.map((cell, i) => (cell ?? '').padEnd(widths[i])).join('  ')).join('\n'));
results.node = process.version;
results.repeat = REPEAT;
fs.writeFileSync(path.join(__dirname, 'results.json'), JSON.stringify(results, null, 2) + '\n');
console.log(`\nwrote bench/results.json (medians of ${REPEAT} runs${QUICK ? ', --quick' : ''})`);
