import { ApiObject, JsonPatch } from 'cdk8s';

/**
 * An ApiObject that keeps the JSON rendered for the synth-time rules and hands it to the
 * synth that follows, instead of rendering the object twice (validation runs right before
 * synthesis in `App.synth`, and nothing changes the object in between). Any later change
 * through `addJsonPatch` drops the kept JSON.
 * @internal
 */
export class RenderedApiObject extends ApiObject {
  private kept?: any;

  /** Renders the object for the rules and keeps the result for the next `toJson()`. */
  public _renderForRules(): any {
    this.kept = super.toJson();
    return this.kept;
  }

  public addJsonPatch(...ops: JsonPatch[]): void {
    this.kept = undefined;
    super.addJsonPatch(...ops);
  }

  public toJson(): any {
    const kept = this.kept;
    if (kept !== undefined) {
      this.kept = undefined;
      return kept;
    }
    return super.toJson();
  }
}

/** The JSON of an object for the synth-time rules (kept for the synth when it can be). */
export function renderForRules(apiObject: ApiObject): any {
  const rendered = apiObject as Partial<RenderedApiObject>;
  return rendered._renderForRules ? rendered._renderForRules() : apiObject.toJson();
}
