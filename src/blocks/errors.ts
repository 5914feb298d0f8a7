import { IConstruct, Node } from 'constructs';

/**
 * A mistake in the props, found while a construct is built: a stable `code` (the prop it is
 * about, without list indexes, e.g. `requiredNodeLabels.key`), the message that names the
 * value and the fix, and, once the construct it belongs to is known, that construct's path
 * (`team-fraud/fraud-transformer`), which the message then starts with. Python, Java and Go
 * users see the message as the exception's text, so it says where as well as what.
 */
export class ValidationError extends Error {
  /** Stable id of the kind of mistake: the prop it is about. */
  public readonly code: string;
  /** Path of the construct whose props are wrong, once known. */
  public constructPath?: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = 'ValidationError';
    this.code = code;
    Object.setPrototypeOf(this, ValidationError.prototype);
  }
}

/** A `ValidationError` about `prop` (its list indexes dropped from the code: `volumes[2].mountPath` is `volumes.mountPath`). */
export function invalid(prop: string, message: string): ValidationError {
  return new ValidationError(prop.replace(/\[[^\]]*\]/g, '').replace(/[^A-Za-z0-9_.]+/g, '.'), message);
}

/**
 * Ends a construct's constructor that threw: the half-built construct leaves the tree (so an
 * app that catches the error does not synthesize a metadata-only object), and a
 * `ValidationError` gets the construct's path. Other errors pass through unchanged.
 */
export function failConstruct(construct: IConstruct, error: unknown): never {
  const node = Node.of(construct);
  if (node.scope !== undefined) Node.of(node.scope).tryRemoveChild(node.id);
  if (error instanceof ValidationError && error.constructPath === undefined) {
    error.constructPath = node.path;
    error.message = `${node.path}: ${error.message}`;
  }
  throw error;
}
