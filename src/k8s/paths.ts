/**
 * Field paths into an object, as Kubernetes' validation builds them
 * (`field.NewPath("spec", "template").Child("spec")`): keys and list indexes. A rule returns
 * the path of the field it judges; lint and the plugin turn it into a line and column.
 */
export type FieldPath = ReadonlyArray<string | number>;

/** A path as Kubernetes messages write it: `spec.template.spec.containers[0].env[2]`. */
export function pathText(path: FieldPath): string {
  let text = '';
  for (const key of path) text += typeof key === 'number' ? `[${key}]` : text === '' ? key : `.${key}`;
  return text;
}
