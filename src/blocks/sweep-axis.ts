import { invalid } from './errors';

/**
 * One hyperparameter and the values a sweep tries for it. The grid of a
 * `HyperparameterSweep` is the cartesian product of its axes, the last axis varying fastest.
 */
export class SweepAxis {
  /**
   * @param name parameter name, e.g. `lr`; the trainer sees it as `HP_LR` and as the `lr` key
   *   of the assignment JSON
   * @param values the values to try, in order
   */
  public static of(name: string, values: string[]): SweepAxis {
    return new SweepAxis(name, values);
  }

  /** Parameter name. */
  public readonly name: string;
  /** Values to try. */
  public readonly values: string[];

  private constructor(name: string, values: string[]) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw invalid('SweepAxis.of', `SweepAxis.of: name '${name}' must start with a letter or '_' and use letters, digits and '_' (it becomes the env var HP_${name.toUpperCase()}).`);
    }
    if (values.length === 0) {
      throw invalid('SweepAxis.of', `SweepAxis.of('${name}'): values is empty; give at least one value.`);
    }
    const seen = new Set<string>();
    for (const value of values) {
      // Any string but NUL, which no environment variable can hold; line breaks are escaped in the grid.
      if (value.includes('\0')) {
        throw invalid('SweepAxis.of', `SweepAxis.of('${name}'): value ${JSON.stringify(value)} contains a NUL character, which no environment variable can hold; remove it.`);
      }
      if (seen.has(value)) {
        throw invalid('SweepAxis.of', `SweepAxis.of('${name}'): value '${value}' appears twice; each grid point must be distinct.`);
      }
      seen.add(value);
    }
    this.name = name;
    this.values = [...values];
  }
}
