import { IConstruct, Node } from 'constructs';

const METADATA_TYPE = 'cdk8s-training:warning';

/**
 * Warnings that the constructs of this library record at synth time: configurations that
 * are valid but probably not what a training job wants (a checkpoint save that cannot fit
 * in the grace period, runs that a schedule would skip...).
 *
 * Each warning is printed to stderr once when the app synthesizes, and can be read back
 * from a scope with `Warnings.of(scope)`.
 */
export class Warnings {
  /**
   * Records a warning on `scope`.
   */
  public static add(scope: IConstruct, message: string): void {
    Node.of(scope).addMetadata(METADATA_TYPE, message, { stackTrace: false });
    process.stderr.write(`cdk8s-training warning: ${Node.of(scope).path}: ${message}\n`);
  }

  /**
   * Every warning recorded on `scope` and below it, as `path: message`, in construct order.
   */
  public static of(scope: IConstruct): string[] {
    const found: string[] = [];
    for (const child of Node.of(scope).findAll()) {
      for (const entry of Node.of(child).metadata) {
        if (entry.type === METADATA_TYPE) {
          found.push(`${Node.of(child).path}: ${entry.data}`);
        }
      }
    }
    return found;
  }

  private constructor() {}
}
