import { ApiObject, JsonPatch } from 'cdk8s';

/**
 * An ApiObject that renders once per synth. cdk8s validates the app in `App.synth` and again
 * inside each `chart.toJson()`, and the rules read the rendered JSON each time; this object
 * keeps the JSON it rendered for the rules and gives the same JSON to the next validation and
 * to the synth that follows, as long as nothing changed it (no `addJsonPatch`, the same
 * metadata). Once handed to a synth, the JSON belongs to the caller (who may change it) and is
 * no longer kept, so the next request renders afresh and nothing is held between synths.
 * @internal
 */
export class RenderedApiObject extends ApiObject {
  private patchCount = 0;
  private renders = 0;
  private kept?: { readonly key: string; readonly json: any };

  /** The JSON for the rules: rendered at most once until the object changes or is synthesized. */
  public _renderForRules(): any {
    const key = this.changeKey();
    if (this.kept !== undefined && this.kept.key === key) return this.kept.json;
    const json = super.toJson();
    this.renders++;
    this.kept = { key, json };
    return json;
  }

  /** Which rendering `_renderForRules` last returned: the same number means the same JSON. */
  public get _renderId(): number {
    return this.renders;
  }

  public addJsonPatch(...ops: JsonPatch[]): void {
    this.kept = undefined;
    this.patchCount += ops.length;
    super.addJsonPatch(...ops);
  }

  public toJson(): any {
    const kept = this.kept;
    // Handed to the synth, the JSON is the caller's (who may change it): it is not kept.
    this.kept = undefined;
    if (kept !== undefined && kept.key === this.changeKey()) return kept.json;
    return super.toJson();
  }

  /** What can change the rendered JSON after construction: patches, and metadata (labels, annotations). */
  private changeKey(): string {
    return `${this.patchCount}|${JSON.stringify(this.metadata.toJson())}`;
  }
}

/**
 * What identifies a rendering of an object for the rules: a RenderedApiObject's render number,
 * else its JSON (the small objects the constructs add, such as a claim).
 */
export function renderIdentity(apiObject: ApiObject, json: any): string {
  const rendered = apiObject as Partial<RenderedApiObject>;
  return rendered._renderId !== undefined ? `#${rendered._renderId}` : JSON.stringify(json);
}

/** The JSON of an object for the synth-time rules (kept for the synth when it can be). */
export function renderForRules(apiObject: ApiObject): any {
  const rendered = apiObject as Partial<RenderedApiObject>;
  return rendered._renderForRules ? rendered._renderForRules() : apiObject.toJson();
}
