/**
 * Jest setup (setupFilesAfterEnv): every chart any test synthesizes, however it does
 * (`app.synth()`, `app.synthYaml()`, `Testing.synth`, `chart.toJson()`), is checked strictly
 * against the schemas (unknown fields are errors), not only the objects a test passes to
 * expectConformant. cdk8s renders each chart through `App._synthChart`; its output is checked
 * here before the test sees it, and a schema error fails the synth with the object and field.
 * Without the schemas the check says it is skipped (expectConformant), or fails under
 * REQUIRE_ALL_SUITES; it never passes silently.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import { SCHEMAS_AVAILABLE, schemaErrors } from './conformance';

const app = App as unknown as { _synthChart: (chart: unknown) => any[] };
const synthChart = app._synthChart;
if (typeof synthChart !== 'function') {
  throw new Error('test/util/every-synth-strict.ts: cdk8s has no App._synthChart any more; check every synth another way.');
}

/** How many charts the check has read in this test file (test/synth-strict.test.ts shows it runs). */
export let chartsChecked = 0;

app._synthChart = function checkedSynthChart(this: unknown, chart: unknown): any[] {
  const objects = synthChart.call(this, chart);
  if (SCHEMAS_AVAILABLE) {
    const errors = objects.flatMap(schemaErrors);
    chartsChecked++;
    if (errors.length > 0) {
      throw new Error(`a synthesized object does not conform to its schema (strict check of every synth, test/util/every-synth-strict.ts):\n  ${errors.join('\n  ')}`);
    }
  } else if (process.env.REQUIRE_ALL_SUITES) {
    throw new Error('strict schema check of every synth cannot run: the schemas are missing (npx projen schemas)');
  }
  dump(objects);
  return objects;
};

/**
 * SYNTH_DUMP_DIR=<folder>: every chart synthesized is also appended, as JSON, to
 * <folder>/<test file>.jsonl with the test's name and the chart's number in it, so two trees'
 * output can be compared object by object (a refactoring that must keep the YAML byte-identical).
 */
const dumpDir = process.env.SYNTH_DUMP_DIR;
// Held here: tests that spy on JSON.stringify do not see the dump's calls.
const stringify = JSON.stringify;
const dumped = new Map<string, number>();
function dump(objects: any[]): void {
  if (!dumpDir) return;
  const state = expect.getState();
  const test = state.currentTestName ?? '(outside a test)';
  const n = (dumped.get(test) ?? 0) + 1;
  dumped.set(test, n);
  const file = path.join(dumpDir, `${path.relative(process.cwd(), state.testPath ?? 'unknown').replace(/[\\/]/g, '__')}.jsonl`);
  fs.mkdirSync(dumpDir, { recursive: true });
  fs.appendFileSync(file, stringify({ test, n, objects }) + '\n');
}
