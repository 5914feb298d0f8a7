import { ApiObject, JsonPatch } from 'cdk8s';
import { copyJson } from '../k8s/json';

/**
 * An ApiObject that renders once per synth. cdk8s validates the app in `App.synth` and again
 * inside each `chart.toJson()`, and the rules read the rendered JSON each time; this object
 * keeps the JSON it rendered for the rules and gives the same JSON to the next validation and
 * to the synth that follows, as long as nothing changed it (no new `addJsonPatch`, the same
 * metadata). Once handed to a synth, the JSON belongs to the caller (who may change it) and is
 * no longer kept, so the next request renders afresh and nothing is held between synths.
 *
 * The constructs attach their spec with `_setSpec`, not as a JSON patch: cdk8s applies a patch
 * to a JSON round trip of its value and of every op (`JsonPatch.apply`), which for a pod
 * template is most of the object's render cost. A render copies the spec once, without
 * going through strings, so the JSON handed out stays the caller's; the user's own patches
 * (`addJsonPatch`) are applied to that copy as cdk8s applies them.
 * @internal
 */
export class RenderedApiObject extends ApiObject {
  private renders = 0;
  private kept?: { readonly key: string; readonly json: any };
  private spec?: any;

  /** Sets the object's `spec` (a plain JSON value; the object keeps it and copies it at each render). */
  public _setSpec(spec: any): void {
    this.kept = undefined;
    this.spec = spec;
  }

  /** The JSON for the rules: rendered at most once until the object changes or is synthesized. */
  public _renderForRules(): any {
    const key = this.changeKey();
    if (this.kept !== undefined && this.kept.key === key) return this.kept.json;
    const json = this.render();
    this.renders++;
    this.kept = { key, json };
    return json;
  }

  /** Which rendering `_renderForRules` last returned: the same number means the same JSON. */
  public get _renderId(): number {
    return this.renders;
  }

  public toJson(): any {
    const kept = this.kept;
    // Handed to the synth, the JSON is the caller's (who may change it): it is not kept.
    this.kept = undefined;
    if (kept !== undefined && kept.key === this.changeKey()) return kept.json;
    return this.render();
  }

  /** ApiObject.toJson with the spec attached before the user's patches are applied. */
  private render(): any {
    // Render the rest without the user's patches; they apply after the spec is attached.
    const self = this.withPatches();
    const patches = self.patches;
    self.patches = [];
    let json: any;
    try {
      json = super.toJson();
    } finally {
      self.patches = patches;
    }
    if (this.spec !== undefined) json.spec = copyJson(this.spec);
    if (patches.length === 0) return json;
    try {
      return JsonPatch.apply(json, ...patches);
    } catch (e) {
      throw new Error(`Failed serializing construct at path '${this.node.path}' with name '${this.name}': ${e}`);
    }
  }

  /**
   * What can change the rendered JSON after construction: patches, and metadata (labels,
   * annotations, ...). Read from the metadata's own fields (cdk8s 2.70's
   * ApiObjectMetadataDefinition) rather than its toJson(), which resolves and sorts on every
   * call; if those fields are not where this expects them, the rendered metadata is the key.
   */
  private changeKey(): string {
    const patchCount = this.withPatches().patches.length;
    const fields = this.metadata as unknown as { [field: string]: unknown };
    if (!METADATA_FIELDS.every((field) => field in fields)) {
      return `${patchCount}|${JSON.stringify(this.metadata.toJson())}`;
    }
    return `${patchCount}|${JSON.stringify(METADATA_FIELDS.map((field) => fields[field]))}`;
  }

  /** ApiObject keeps the user's patches in a private array (`addJsonPatch` appends to it). */
  private withPatches(): { patches: JsonPatch[] } {
    return this as unknown as { patches: JsonPatch[] };
  }
}

/** The fields of cdk8s's ApiObjectMetadataDefinition that make up an object's metadata. */
const METADATA_FIELDS = ['name', 'namespace', 'labels', 'annotations', 'finalizers', 'ownerReferences', '_additionalAttributes'];

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
