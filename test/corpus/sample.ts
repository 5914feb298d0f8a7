/**
 * A random sample of lint's findings on the public corpus, for judging by hand (the precision
 * figure in docs/lint.md): `npx ts-node --transpile-only test/corpus/sample.ts [seed] [size]`.
 * The same seed on the same findings draws the same sample; each finding is printed with its
 * file, line and object so it can be read against the manifest.
 */
import * as path from 'path';
import { lint } from '../../src/cli/lint';
import { DEFAULT_CONFIG } from '../../src/findings/config';

const CORPUS = path.join(__dirname, 'world');

/* eslint-disable no-bitwise -- mulberry32 is integer arithmetic */
/** mulberry32: a small seeded generator, so a sample can be drawn again. */
function generator(seed: number): () => number {
  let state = seed | 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
/* eslint-enable no-bitwise */

const seed = Number(process.argv[2] ?? 1204);
const size = Number(process.argv[3] ?? 40);
// What `cdk8s-training lint test/corpus/world` reports at the default target.
const { files, findings } = lint([CORPUS], { kubernetesMinor: 32, config: DEFAULT_CONFIG });
const random = generator(seed);
const order = findings.map((_, i) => i);
for (let i = order.length - 1; i > 0; i--) {
  const j = Math.floor(random() * (i + 1));
  [order[i], order[j]] = [order[j], order[i]];
}
console.log(`${findings.length} findings on ${files} files; a sample of ${size} with seed ${seed}:`);
order.slice(0, size).forEach((i, n) => {
  const f = findings[i];
  console.log(`#${n + 1} [${f.ruleId} ${f.severity}] ${path.relative(CORPUS, f.file)}:${f.line ?? ''} ${f.object ?? ''}\n   ${f.message}`);
});
