/**
 * Jest setup (setupFilesAfterEnv): every chart any test synthesizes, however it does
 * (`app.synth()`, `app.synthYaml()`, `Testing.synth`, `chart.toJson()`), is checked strictly
 * against the schemas (unknown fields are errors), not only the objects a test passes to
 * expectConformant. cdk8s renders each chart through `App._synthChart`; its output is checked
 * here before the test sees it, and a schema error fails the synth with the object and field.
 * Without the schemas the check says it is skipped (expectConformant), or fails under
 * REQUIRE_ALL_SUITES; it never passes silently.
 */
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
  return objects;
};
