/**
 * lint over the public corpus (test/corpus/world, SOURCES.md names each repository and
 * commit): manifests nobody wrote for this library. The finding counts by rule are kept here,
 * so a change that makes lint noisier, or quieter, on the world's manifests shows in review;
 * the per-class cases with their controls are in lint-world.test.ts.
 */
import * as path from 'path';
import { DEFAULT_CONFIG } from '../src/findings/config';
import { collectFiles, LintFinding, loadFile } from '../src/findings/manifests';
import { checkLoaded } from '../src/findings/report';

const CORPUS = path.join(__dirname, 'corpus', 'world');

test('finding counts by rule on the public corpus, at the default target 1.32', () => {
  const findings: LintFinding[] = [];
  const files = collectFiles([CORPUS], findings);
  const loaded = files.flatMap((file) => loadFile(file, findings, () => Buffer.alloc(0)));
  findings.push(...checkLoaded(loaded, { kubernetesMinor: 32, config: DEFAULT_CONFIG }).findings);
  const counts: { [rule: string]: number } = {};
  for (const f of findings) counts[`${f.ruleId} ${f.severity}`] = (counts[`${f.ruleId} ${f.severity}`] ?? 0) + 1;
  expect({ files: files.length, objects: loaded.length }).toEqual({ files: 176, objects: 216 });
  expect(counts).toEqual({
    'checkpoint-volume warning': 18, // one per workload, where restarting is costly (accelerators or spot)
    'floating-code warning': 19, // trainers' images and code only: a Trainer runtime's initializers fetch data
    'input error': 3, // YAML that does not parse (2), a Job with no spec in a docs excerpt
    'input warning': 3, // kustomize patches and a docs excerpt ('# ...')
    'job-ttl warning': 9,
    'jobset-feature-gates error': 2, // RestartJob actions: refused while their alpha gate is off, as JobSet ships
    'preemption-policy warning': 38, // one per Job without a podFailurePolicy (one change), not one per rule it lacks
    'pytorchjob-cleanup warning': 23, // one per PyTorchJob: its runPolicy sets neither cleanPodPolicy nor a TTL
    'resource-quantities error': 2, // nvidia.com/gpu: with no value, which the apiserver reads as 0 GPUs
    'shared-memory warning': 11,
    'shared-rwo-claim error': 2, // JobSet's volumeClaimPolicies example: ReadWriteOnce claims under 3 pods
    'shell-syntax error': 1, // a script whose trainer is not its last command (SIGTERM stops at bash, whatever its release)
    'shell-syntax warning': 7, // bash lists ending in the trainer: older bash releases fork for it, newer ones hand over
    'template warning': 25,
  });
});
