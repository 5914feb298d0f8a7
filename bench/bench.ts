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
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { LineCounter, parseAllDocuments, stringify } from 'yaml';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const lib = require('../lib') as typeof import('../src');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { lint } = require('../lib/cli/lint') as typeof import('../src/cli/lint');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const lib_strict = require('../lib/findings/strict-schemas') as typeof import('../src/findings/strict-schemas');

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

/**
 * The library's Job as a cdk8s-plus-28 user writes it: the props cdk8s-plus has, and JSON
 * patches for what it has no prop for (GPUs, the failure policy, a node selector, dropped
 * capabilities) or writes otherwise (memory in Mi, the defaults it spells out). Checked below
 * to write the same JSON as the library, so the ratio compares the same output.
 */
function plusJobs(count: number): string {
  const app = new App();
  const chart = new Chart(app, 'bench');
  const claim = kplus.PersistentVolumeClaim.fromClaimName(chart, 'claim', 'ckpt');
  const checkpointVolume = kplus.Volume.fromPersistentVolumeClaim(chart, 'ckpt-volume', claim, { name: 'checkpoints' });
  const containerPath = '/spec/template/spec/containers/0';
  for (let i = 0; i < count; i++) {
    const labels = {
      'app': `job-${i}`,
      'experiment': `job-${i}`,
      'app.kubernetes.io/name': `job-${i}`,
      'app.kubernetes.io/component': 'training',
      'app.kubernetes.io/managed-by': 'cdk8s-training',
    };
    const job = new kplus.Job(chart, `job-${i}`, {
      metadata: { name: `job-${i}`, labels },
      podMetadata: { labels, annotations: { 'cluster-autoscaler.kubernetes.io/safe-to-evict': 'false', 'karpenter.sh/do-not-disrupt': 'true' } },
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
      envVariables: {
        CHECKPOINT_DIR: kplus.EnvValue.fromValue('/checkpoints'),
        CHECKPOINT_INTERVAL_EPOCHS: kplus.EnvValue.fromValue('1'),
        PREEMPTION_EXIT_CODE: kplus.EnvValue.fromValue('143'),
        CONFIG_ERROR_EXIT_CODE: kplus.EnvValue.fromValue('2'),
      },
    });
    container.mount('/checkpoints', checkpointVolume, { subPath: `job-${i}` });
    container.mount('/dev/shm', kplus.Volume.fromEmptyDir(job, 'dshm', 'dshm', { medium: kplus.EmptyDirMedium.MEMORY, sizeLimit: Size.gibibytes(32) }));
    container.mount('/tmp', kplus.Volume.fromEmptyDir(job, 'tmp', 'tmp'));
    job.scheduling.tolerate(kplus.Node.tainted(kplus.NodeTaintQuery.is('cloud.google.com/gke-spot', 'true', { effect: kplus.TaintEffect.NO_SCHEDULE })));
    job.scheduling.tolerate(kplus.Node.tainted(kplus.NodeTaintQuery.exists('nvidia.com/gpu', { effect: kplus.TaintEffect.NO_SCHEDULE })));
    // A quantity patched into cdk8s-plus's resources must be a Quantity: a bare 4 comes out null.
    const gpus = k8s.Quantity.fromNumber(4);
    ApiObject.of(job).addJsonPatch(
      JsonPatch.remove('/spec/template/metadata/labels/cdk8s.io~1metadata.addr'),
      JsonPatch.add('/spec/parallelism', 1),
      JsonPatch.add('/spec/completions', 1),
      JsonPatch.add('/spec/podReplacementPolicy', 'Failed'),
      JsonPatch.add(`${containerPath}/resources/requests/nvidia.com~1gpu`, gpus),
      JsonPatch.add(`${containerPath}/resources/limits/nvidia.com~1gpu`, gpus),
      JsonPatch.replace(`${containerPath}/resources/requests/memory`, k8s.Quantity.fromString('128Gi')),
      JsonPatch.replace(`${containerPath}/resources/limits/memory`, k8s.Quantity.fromString('128Gi')),
      JsonPatch.add(`${containerPath}/securityContext/capabilities`, { drop: ['ALL'] }),
      JsonPatch.remove(`${containerPath}/securityContext/privileged`),
      JsonPatch.remove(`${containerPath}/imagePullPolicy`),
      JsonPatch.remove('/spec/template/spec/volumes/0/persistentVolumeClaim/readOnly'),
      JsonPatch.replace('/spec/template/spec/volumes/1/emptyDir/sizeLimit', k8s.Quantity.fromString('32Gi')),
      JsonPatch.add('/spec/template/spec/nodeSelector', { 'cloud.google.com/gke-spot': 'true' }),
      JsonPatch.add('/spec/template/spec/securityContext/seccompProfile', { type: 'RuntimeDefault' }),
      JsonPatch.remove('/spec/template/spec/securityContext/fsGroupChangePolicy'),
      JsonPatch.remove('/spec/template/spec/automountServiceAccountToken'),
      JsonPatch.remove('/spec/template/spec/dnsPolicy'),
      JsonPatch.remove('/spec/template/spec/hostNetwork'),
      // Patches apply to cdk8s-plus's props, where the field is spelled as its import class spells it.
      JsonPatch.remove('/spec/template/spec/setHostnameAsFqdn'),
      JsonPatch.add('/spec/podFailurePolicy', {
        rules: [
          { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
          { action: 'Ignore', onExitCodes: { containerName: 'trainer', operator: 'In', values: [143] }, onPodConditions: [] },
          { action: 'FailJob', onExitCodes: { containerName: 'trainer', operator: 'In', values: [2] }, onPodConditions: [] },
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
/** Where two canonical streams first differ: a path and both values, for the bench's own errors. */
function firstDifference(a: string, b: string): string {
  const walk = (x: any, y: any, at: string): string | undefined => {
    if (JSON.stringify(x) === JSON.stringify(y)) return undefined;
    if (x !== null && y !== null && typeof x === 'object' && typeof y === 'object' && Array.isArray(x) === Array.isArray(y)) {
      for (const key of new Set([...Object.keys(x), ...Object.keys(y)])) {
        const found = walk(x[key], y[key], `${at}/${key}`);
        if (found !== undefined) return found;
      }
    }
    return `${at}: ${JSON.stringify(x)} vs ${JSON.stringify(y)}`;
  };
  return walk(JSON.parse(a), JSON.parse(b), '') ?? '(none)';
}

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
  const library = canonical(trainingJobs(count));
  const raw0 = canonical(rawJobs(jsons));
  if (library !== raw0) {
    throw new Error(`bench: the raw ApiObjects do not write the same JSON as the library (at ${firstDifference(library, raw0)})`);
  }
  const plus0 = canonical(plusJobs(count));
  if (library !== plus0) {
    throw new Error(`bench: the cdk8s-plus-28 Jobs do not write the same JSON as the library (at ${firstDifference(library, plus0)})`);
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
    sameJson: { cdk8sPlus: true, rawApiObject: true },
    roundRatiosInterquartile: { vsCdk8sPlus: [plusLow, plusHigh], vsRaw: [rawLow, rawHigh] },
  };
  row('1 synth 1,000 jobs', `${ours.toFixed(0)} ms`, `cdk8s-plus-28 ${plus.toFixed(0)} ms`,
    `x${(ours / plus).toFixed(2)} (rounds x${plusLow.toFixed(2)}-${plusHigh.toFixed(2)})`, 'target <= 1.00 (same JSON, checked)');
  row('', '', `raw ApiObject ${raw.toFixed(0)} ms`, `x${(ours / raw).toFixed(2)} (rounds x${rawLow.toFixed(2)}-${rawHigh.toFixed(2)})`,
    'target <= 1.10 (same JSON, checked)');
}

function section2(): void {
  const kinds: { [kind: string]: (chart: Chart, i: number) => void } = {
    SpotTolerantTrainingJob: (chart, i) => new lib.SpotTolerantTrainingJob(chart, `j${i}`, { image: 'trainer:v1', checkpoint: { storage: checkpoints(), subPath: `j${i}` } }),
    ScheduledRetrain: (chart, i) => new lib.ScheduledRetrain(chart, `r${i}`, {
      image: 'trainer:v1', scheduleExpression: '0 2 * * 0', checkpoint: { storage: checkpoints(), subPath: `r${i}` },
    }),
    DistributedPyTorchJob: (chart, i) => {
      const job = new lib.DistributedPyTorchJob(chart, `d${i}`, {
        image: 'trainer:v1', script: ['train.py'], nodes: 4, checkpoint: { storage: checkpoints(), subPath: `d${i}` },
      });
      // As a user who set the operator's init-container template does: else each synth prints (and times) a warning per job.
      job.acknowledgeRule('init-pytorch-pod-security', 'the operator runs with the restricted init-container template');
    },
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

/** 10,000 of the library's Jobs in one YAML stream, written once per run (bench/.. tmp dir). */
let jobStreamFile: string | undefined;
function jobStream(): string {
  if (jobStreamFile !== undefined) return jobStreamFile;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-training-bench-'));
  const app = new App();
  const chart = new Chart(app, 'bench');
  const storage = checkpoints();
  for (let i = 0; i < 10000; i++) {
    new lib.SpotTolerantTrainingJob(chart, `job-${i}`, { name: `job-${i}`, image: 'trainer:v1', checkpoint: { storage, subPath: `job-${i}` }, spot: lib.SpotScheduling.gke() });
  }
  jobStreamFile = path.join(dir, 'jobs.yaml');
  fs.writeFileSync(jobStreamFile, chart.toJson().map((doc: any) => stringify(doc)).join('---\n'));
  return jobStreamFile;
}

function section4(): void {
  const file = jobStream();
  const text = fs.readFileSync(file, 'utf8');
  // The baseline parses with the parser lint used before it streamed (yaml, whole stream, with
  // positions), so the ratio says what lint's whole pipeline costs against that parse alone.
  const parseOnly = () => {
    parseAllDocuments(text, { lineCounter: new LineCounter(), uniqueKeys: false }).map((d: any) => d.toJS({ maxAliasCount: 100 }));
  };
  const lintAll = () => { lint([file], { kubernetesMinor: 28 }); };
  parseOnly(); lintAll(); // warm up both paths
  const [parseMs, lintMs] = timeInterleaved([parseOnly, lintAll]);
  const parseRate = 10000 / (parseMs / 1000);
  const lintRate = 10000 / (lintMs / 1000);
  results.lint = { objects: 10000, yamlParseOnlyPerSecond: parseRate, lintPerSecond: lintRate, ratio: lintRate / parseRate };
  row('4 lint 10,000 objects', `${lintRate.toFixed(0)} obj/s`, `yaml parse only ${parseRate.toFixed(0)} obj/s`, `x${(lintRate / parseRate).toFixed(2)}`,
    'in process; >= 1 means lint outruns a bare yaml parse');
}

/** Where the bench keeps the tools it builds (the Go build cache makes a rebuild fast). */
const TOOLS = path.join(os.homedir(), '.cache', 'cdk8s-training', 'bench');

/** kubeconform, built from the version bench/tools/go.mod pins (the Go module proxy serves it). */
function kubeconform(): { bin?: string; skipped?: string } {
  const bin = path.join(TOOLS, 'kubeconform');
  fs.mkdirSync(TOOLS, { recursive: true });
  try {
    execFileSync('go', ['build', '-o', bin, 'github.com/yannh/kubeconform/cmd/kubeconform'], { cwd: path.join(__dirname, 'tools'), stdio: 'pipe' });
    return { bin };
  } catch (error) {
    return { skipped: `kubeconform could not be built from bench/tools/go.mod (${String((error as any).stderr ?? error).split('\n')[0]})` };
  }
}

/**
 * kube-linter, built from its source: the Go module proxy does not serve
 * golang.stackrox.io/kube-linter, so KUBE_LINTER_SRC names either a source tree
 * (git clone --branch v0.8.3 https://github.com/stackrox/kube-linter) or a git directory,
 * bare or not, from which the tag KUBE_LINTER_REF (v0.8.3 unless set) is extracted; its
 * dependencies come from the proxy.
 */
function kubeLinter(): { bin?: string; version?: string; skipped?: string } {
  const given = process.env.KUBE_LINTER_SRC;
  if (given === undefined || !fs.existsSync(given)) {
    return { skipped: 'kube-linter: set KUBE_LINTER_SRC to a checkout of github.com/stackrox/kube-linter (the Go module proxy does not serve it)' };
  }
  let source = given;
  let version: string | undefined;
  const git = (args: string[], cwd: string) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (!fs.existsSync(path.join(given, 'go.mod'))) {
    // A git directory: extract the tag into the tools folder once.
    const ref = process.env.KUBE_LINTER_REF ?? 'v0.8.3';
    source = path.join(TOOLS, `kube-linter-src-${ref.replace(/[^\w.-]/g, '_')}`);
    if (!fs.existsSync(path.join(source, 'go.mod'))) {
      try {
        fs.mkdirSync(source, { recursive: true });
        execFileSync('sh', ['-c', 'git -C "$1" archive "$2" | tar -x -C "$3"', 'sh', given, ref, source], { stdio: 'pipe' });
      } catch (error) {
        fs.rmSync(source, { recursive: true, force: true });
        return { skipped: `kube-linter: ${given} has no go.mod and no tag ${ref} to extract (${String((error as any).stderr ?? error).split('\n')[0]})` };
      }
    }
    version = ref;
  }
  if (!/^module golang\.stackrox\.io\/kube-linter$/m.test(fs.readFileSync(path.join(source, 'go.mod'), 'utf8'))) {
    return { skipped: `kube-linter: ${given} is not a kube-linter checkout (its go.mod names another module)` };
  }
  const bin = path.join(TOOLS, 'kube-linter');
  fs.mkdirSync(TOOLS, { recursive: true });
  try {
    execFileSync('go', ['build', '-o', bin, './cmd/kube-linter'], { cwd: source, stdio: 'pipe' });
  } catch (error) {
    return { skipped: `kube-linter could not be built from ${source} (${String((error as any).stderr ?? error).split('\n')[0]})` };
  }
  if (version === undefined) {
    try {
      version = git(['describe', '--tags', '--always'], source).trim();
    } catch {
      version = undefined;
    }
  }
  return { bin, version };
}

/** A whole process run with `input` on stdin: wall seconds, peak resident memory, exit code, what it wrote. */
function measureProcess(argv: string[], input: string): { seconds: number; maxRssMiB: number; code: number; output: string } {
  const output = path.join(path.dirname(input), `out-${path.basename(argv[0])}.txt`);
  // getrusage(RUSAGE_CHILDREN) of a parent that ran only this process is the process's own peak.
  const script = [
    'import json, resource, subprocess, sys, time',
    'stdin = open(sys.argv[1], "rb"); out = open(sys.argv[2], "wb")',
    'start = time.perf_counter()',
    'code = subprocess.run(sys.argv[3:], stdin=stdin, stdout=out, stderr=subprocess.DEVNULL).returncode',
    'seconds = time.perf_counter() - start',
    'print(json.dumps({"seconds": seconds, "maxRssKiB": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, "code": code}))',
  ].join('\n');
  const result = JSON.parse(execFileSync('python3', ['-c', script, input, output, ...argv], { encoding: 'utf8' }));
  return { seconds: result.seconds, maxRssMiB: result.maxRssKiB / 1024, code: result.code, output: fs.readFileSync(output, 'utf8') };
}

/**
 * Each tool and lint on the same 10,000 Jobs, whole processes as CI runs them, in paired rounds
 * (the order swapped every round); each run is checked to have read all 10,000 objects.
 */
function paired(name: string, ours: string[], theirs: string[], input: string, checkOurs: (out: string) => void, checkTheirs: (out: string) => void) {
  const samples = { ours: [] as number[], theirs: [] as number[], oursRss: [] as number[], theirsRss: [] as number[] };
  const rounds = QUICK ? 1 : REPEAT;
  for (let round = 0; round < rounds; round++) {
    const order: Array<'ours' | 'theirs'> = round % 2 === 0 ? ['ours', 'theirs'] : ['theirs', 'ours'];
    for (const who of order) {
      const run = measureProcess(who === 'ours' ? ours : theirs, input);
      (who === 'ours' ? checkOurs : checkTheirs)(run.output);
      samples[who].push(run.seconds);
      samples[who === 'ours' ? 'oursRss' : 'theirsRss'].push(run.maxRssMiB);
    }
  }
  const oursS = median(samples.ours);
  const theirsS = median(samples.theirs);
  const oursRss = median(samples.oursRss);
  const theirsRss = median(samples.theirsRss);
  const speed = { oursSeconds: oursS, theirsSeconds: theirsS, throughputRatio: theirsS / oursS };
  const memory = { oursPeakMiB: oursRss, theirsPeakMiB: theirsRss, memoryRatio: oursRss / theirsRss };
  return { name, ...speed, ...memory, rounds };
}

function section7(): void {
  const input = jobStream();
  /** The CLI linting `source` (a path, or `-` for the stream on stdin) with JSON output. */
  const lintOf = (source: string) => [process.execPath, path.resolve(__dirname, '..', 'lib', 'cli', 'main.js'), 'lint', source, '--format', 'json'];
  const cli = lintOf('-');
  const readAll = (out: string) => {
    const report = JSON.parse(out);
    if (report.objects !== 10000) throw new Error(`bench: lint read ${report.objects} objects, not 10000`);
  };
  results.tools = {};
  const linter = kubeLinter();
  if (linter.bin === undefined) {
    results.tools.kubeLinter = { skipped: linter.skipped };
    row('7 lint vs kube-linter', 'SKIPPED', linter.skipped!, '', '');
  } else {
    // Through stdin: kube-linter skips a file over 10 MB (the stream is 27 MB) with only a warning.
    const linterReadAll = (out: string) => {
      const names = new Set(JSON.parse(out).Reports.map((report: any) => report.Object.K8sObject.Name));
      if (names.size !== 10000) throw new Error(`bench: kube-linter reported on ${names.size} objects, not 10000`);
    };
    const r = paired('kube-linter', cli, [linter.bin, 'lint', '-', '--format', 'json'], input, readAll, linterReadAll);
    results.tools.kubeLinter = { ...r, version: linter.version };
    row('7 lint vs kube-linter', `${(10000 / r.oursSeconds).toFixed(0)} obj/s, ${r.oursPeakMiB.toFixed(0)} MiB`,
      `kube-linter ${linter.version ?? ''} ${(10000 / r.theirsSeconds).toFixed(0)} obj/s, ${r.theirsPeakMiB.toFixed(0)} MiB`,
      `throughput x${r.throughputRatio.toFixed(2)}, memory x${r.memoryRatio.toFixed(2)}`, 'target throughput >= 1.00, memory <= 1.00');
    // kube-linter reports on every one of these Jobs; the library's Jobs pass lint at its default
    // target, so the same Jobs linted for 1.28 (podReplacementPolicy is 1.29+) give lint a
    // finding, with its line and column, on every object too.
    const everyObject = paired('kube-linter', [...cli, '--kubernetes-version', '1.28'], [linter.bin, 'lint', '-', '--format', 'json'], input, (out) => {
      readAll(out);
      const located = JSON.parse(out).findings.filter((f: any) => f.ruleId === 'version-gated-fields' && f.line > 0);
      if (located.length !== 10000) throw new Error(`bench: lint for 1.28 placed ${located.length} findings, not 10000`);
    }, linterReadAll);
    results.tools.kubeLinterFindingOnEveryObject = { ...everyObject, version: linter.version };
    row('7 lint, a finding per object, vs kube-linter', `${(10000 / everyObject.oursSeconds).toFixed(0)} obj/s, ${everyObject.oursPeakMiB.toFixed(0)} MiB`,
      `kube-linter ${linter.version ?? ''} ${(10000 / everyObject.theirsSeconds).toFixed(0)} obj/s, ${everyObject.theirsPeakMiB.toFixed(0)} MiB`,
      `throughput x${everyObject.throughputRatio.toFixed(2)}, memory x${everyObject.memoryRatio.toFixed(2)}`, 'target throughput >= 1.00, memory <= 1.00');
    // A small repository: the public corpus's folder (176 files, 216 objects), where start-up is
    // most of the cost. kube-linter reads the same folder (and skips the kinds it does not know).
    const corpus = path.resolve(__dirname, '..', 'test', 'corpus', 'world');
    const nothing = path.join(path.dirname(input), 'empty-stdin');
    fs.writeFileSync(nothing, '');
    const small = paired('kube-linter', lintOf(corpus), [linter.bin, 'lint', corpus, '--format', 'json'], nothing, (out) => {
      const report = JSON.parse(out);
      if (report.files !== 176) throw new Error(`bench: lint read ${report.files} files of the corpus, not 176`);
    }, (out) => {
      if (JSON.parse(out).Reports.length === 0) throw new Error('bench: kube-linter reported nothing on the corpus');
    });
    results.tools.kubeLinterSmallRepository = { ...small, version: linter.version, files: 176 };
    row('7 lint a small repository vs kube-linter', `${(small.oursSeconds * 1000).toFixed(0)} ms, ${small.oursPeakMiB.toFixed(0)} MiB`,
      `kube-linter ${linter.version ?? ''} ${(small.theirsSeconds * 1000).toFixed(0)} ms, ${small.theirsPeakMiB.toFixed(0)} MiB`,
      `time x${(small.oursSeconds / small.theirsSeconds).toFixed(2)}, memory x${small.memoryRatio.toFixed(2)}`, '176 files (test/corpus/world); start-up bound, no target');
  }
  const validator = kubeconform();
  if (validator.bin === undefined) {
    results.tools.kubeconform = { skipped: validator.skipped };
    row('7 lint --strict vs kubeconform', 'SKIPPED', validator.skipped!, '', '');
  } else {
    // kubeconform validates against the very schema --strict does: the v1.37 Job definition made
    // strict, written as one standalone document where kubeconform looks for it.
    const schemas = lib_strict.StrictSchemas.load()!;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-training-bench-schemas-'));
    fs.writeFileSync(path.join(dir, 'job-batch-v1.json'), JSON.stringify(schemas.standalone('batch/v1', 'Job')));
    // Both read the file by path: kubeconform v0.8.0 reading stdin now and then fails to unmarshal
    // a document of this stream (1 or 2 of the 10,000 in 2 of 6 runs), read by path never.
    const ours = [...lintOf(input), '--strict'];
    const r = paired('kubeconform', ours, [validator.bin, '-strict', '-summary', '-output', 'json',
      '-schema-location', path.join(dir, '{{ .ResourceKind }}{{ .KindSuffix }}.json'), input], input, readAll, (out) => {
      const summary = JSON.parse(out).summary;
      if (summary.valid !== 10000) throw new Error(`bench: kubeconform found ${summary.valid} of 10000 objects valid`);
    });
    results.tools.kubeconform = { ...r, version: 'v0.8.0' };
    row('7 lint --strict vs kubeconform', `${(10000 / r.oursSeconds).toFixed(0)} obj/s, ${r.oursPeakMiB.toFixed(0)} MiB`,
      `kubeconform v0.8.0 -strict ${(10000 / r.theirsSeconds).toFixed(0)} obj/s, ${r.theirsPeakMiB.toFixed(0)} MiB`,
      `throughput x${r.throughputRatio.toFixed(2)}, memory x${r.memoryRatio.toFixed(2)}`, 'target throughput >= 1.00');
  }
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
[section1, section2, section3, section4, section5, section6, section7].forEach((section, i) => {
  if (only === undefined || only.has(i + 1)) section();
});

const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
console.log(rows.map((r) => r.map((cell, i) => (cell ?? '').padEnd(widths[i])).join('  ')).join('\n'));
results.node = process.version;
results.repeat = REPEAT;
fs.writeFileSync(path.join(__dirname, 'results.json'), JSON.stringify(results, null, 2) + '\n');
console.log(`\nwrote bench/results.json (medians of ${REPEAT} runs${QUICK ? ', --quick' : ''})`);
