import { ApiObject, JsonPatch } from 'cdk8s';

/**
 * An ApiObject that renders once per synth. cdk8s validates the app in `App.synth` and again
 * inside each `chart.toJson()`, and the rules read the rendered JSON each time; this object
 * keeps the JSON it rendered for the rules and gives the same JSON to the next validation and
 * to the synth that follows, as long as nothing changed it (no `addJsonPatch`, the same
 * metadata). Once handed to a synth, the JSON belongs to the caller (who may change it), so
 * the next request renders afresh.
 * @internal
 */
export class RenderedApiObject extends ApiObject {
  private patchCount = 0;
  private kept?: { readonly key: string; readonly json: any; handedOut: boolean };

  /** The JSON for the rules: rendered at most once until the object changes or is synthesized. */
  public _renderForRules(): any {
    const key = this.changeKey();
    if (this.kept !== undefined && this.kept.key === key && !this.kept.handedOut) return this.kept.json;
    const json = super.toJson();
    this.kept = { key, json, handedOut: false };
    return json;
  }

  public addJsonPatch(...ops: JsonPatch[]): void {
    this.kept = undefined;
    this.patchCount += ops.length;
    super.addJsonPatch(...ops);
  }

  public toJson(): any {
    const kept = this.kept;
    if (kept !== undefined && !kept.handedOut && kept.key === this.changeKey()) {
      kept.handedOut = true;
      return kept.json;
    }
    return super.toJson();
  }

  /** What can change the rendered JSON after construction: patches, and metadata (labels, annotations). */
  private changeKey(): string {
    return `${this.patchCount}|${JSON.stringify(this.metadata.toJson())}`;
  }
}

/** The JSON of an object for the synth-time rules (kept for the synth when it can be). */
export function renderForRules(apiObject: ApiObject): any {
  const rendered = apiObject as Partial<RenderedApiObject>;
  return rendered._renderForRules ? rendered._renderForRules() : apiObject.toJson();
}
