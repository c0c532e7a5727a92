// Errors as types with stable codes (the undici / fastify habit) that map one-to-one onto Kubernetes Status
// objects, so the API server, the client and the CLI all speak the same error language.
import type { Status, StatusCause } from './types';

export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Invalid'
  | 'MethodNotAllowed'
  | 'Gone'
  | 'Expired'
  | 'UnsupportedMediaType'
  | 'RequestEntityTooLarge'
  | 'InternalError'
  | 'ServiceUnavailable';

const httpCode: Record<StatusReason, number> = {
  BadRequest: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  AlreadyExists: 409,
  Conflict: 409,
  Invalid: 422,
  MethodNotAllowed: 405,
  Gone: 410,
  Expired: 410,
  UnsupportedMediaType: 415,
  RequestEntityTooLarge: 413,
  InternalError: 500,
  ServiceUnavailable: 503,
};

export interface ResourceRef {
  /** Kubernetes kind, e.g. "Pod". */
  kind: string;
  /** API group ("" for the core group). */
  group?: string;
  name?: string;
}

export class StatusError extends Error {
  readonly reason: StatusReason;
  readonly code: number;
  readonly details?: Status['details'];

  constructor(reason: StatusReason, message: string, details?: Status['details']) {
    super(message);
    this.name = 'StatusError';
    this.reason = reason;
    this.code = httpCode[reason];
    this.details = details;
  }

  toStatus(): Status {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      ...(this.details ? { details: this.details } : {}),
      code: this.code,
    };
  }

  /** Rebuilds the error a server sent (used by the client). */
  static fromStatus(status: Partial<Status>, fallbackCode = 500): StatusError {
    const reason = (status.reason as StatusReason) ?? reasonForCode(status.code ?? fallbackCode);
    const err = new StatusError(reason, status.message ?? `request failed with HTTP ${status.code ?? fallbackCode}`, status.details);
    return err;
  }
}

function reasonForCode(code: number): StatusReason {
  const found = (Object.entries(httpCode) as [StatusReason, number][]).find(([, c]) => c === code);
  return found ? found[0] : 'InternalError';
}

/** Plural-resource form used in Kubernetes messages: `pods "web"` / `deployments.apps "web"`. */
function qualified(ref: ResourceRef, plural: string): string {
  return ref.group ? `${plural}.${ref.group}` : plural;
}

export function notFound(plural: string, ref: ResourceRef): StatusError {
  return new StatusError('NotFound', `${qualified(ref, plural)} "${ref.name}" not found`, {
    name: ref.name,
    group: ref.group,
    kind: plural,
  });
}

export function alreadyExists(plural: string, ref: ResourceRef): StatusError {
  return new StatusError('AlreadyExists', `${qualified(ref, plural)} "${ref.name}" already exists`, {
    name: ref.name,
    group: ref.group,
    kind: plural,
  });
}

export function conflict(plural: string, ref: ResourceRef, why: string): StatusError {
  return new StatusError('Conflict', `Operation cannot be fulfilled on ${qualified(ref, plural)} "${ref.name}": ${why}`, {
    name: ref.name,
    group: ref.group,
    kind: plural,
  });
}

export function badRequest(message: string): StatusError {
  return new StatusError('BadRequest', message);
}

/** One invalid field. `field` is the Kubernetes field path, e.g. `spec.containers[1].ports[0].containerPort`. */
export interface FieldError {
  field: string;
  /** FieldValueRequired, FieldValueInvalid, FieldValueNotSupported, FieldValueDuplicate, FieldValueForbidden */
  type: 'FieldValueRequired' | 'FieldValueInvalid' | 'FieldValueNotSupported' | 'FieldValueDuplicate' | 'FieldValueForbidden';
  message: string;
}

export const field = {
  required: (f: string, detail = 'Required value'): FieldError => ({ field: f, type: 'FieldValueRequired', message: detail }),
  invalid: (f: string, value: unknown, detail: string): FieldError => ({
    field: f,
    type: 'FieldValueInvalid',
    message: `Invalid value: ${JSON.stringify(value)}: ${detail}`,
  }),
  notSupported: (f: string, value: unknown, supported: string[]): FieldError => ({
    field: f,
    type: 'FieldValueNotSupported',
    message: `Unsupported value: ${JSON.stringify(value)}: supported values: ${supported.map((s) => `"${s}"`).join(', ')}`,
  }),
  duplicate: (f: string, value: unknown): FieldError => ({
    field: f,
    type: 'FieldValueDuplicate',
    message: `Duplicate value: ${JSON.stringify(value)}`,
  }),
  forbidden: (f: string, detail: string): FieldError => ({ field: f, type: 'FieldValueForbidden', message: `Forbidden: ${detail}` }),
};

/**
 * The 422 Kubernetes returns for invalid objects. Message format matches the real API server:
 *   Pod "web" is invalid: spec.containers[0].image: Required value
 */
export function invalid(kind: string, group: string | undefined, name: string | undefined, errors: FieldError[]): StatusError {
  const parts = errors.map((e) => `${e.field}: ${e.message}`);
  const list = parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`;
  return new StatusError('Invalid', `${kind} "${name ?? ''}" is invalid: ${list}`, {
    name,
    group,
    kind,
    causes: errors.map((e): StatusCause => ({ reason: e.type, message: e.message, field: e.field })),
  });
}
