/**
 * One error type with a stable `code`, mapped to HTTP in one place (src/handlers/errors.ts).
 * Messages are written for the person reading the response; they never carry a payload, a token
 * or a stack.
 */
export type ErrorCode =
  | 'invalid_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'lease_lost'
  | 'conflict'
  | 'payload_too_large'
  | 'rate_limited'
  | 'driver_unavailable'
  | 'internal';

export const HTTP_STATUS: Record<ErrorCode, 400 | 401 | 403 | 404 | 409 | 413 | 429 | 500 | 503> = {
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  lease_lost: 409,
  conflict: 409,
  payload_too_large: 413,
  rate_limited: 429,
  driver_unavailable: 503,
  internal: 500,
};

export class EdgeqError extends Error {
  override readonly name = 'EdgeqError';
  readonly code: ErrorCode;
  /** The request field that failed validation, when there is one. */
  readonly field?: string;

  constructor(code: ErrorCode, message: string, opts: { field?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    if (opts.field !== undefined) this.field = opts.field;
  }
}

/** Wraps a storage failure: the store could not be reached or refused the call. */
export function driverUnavailable(driver: string, cause: unknown): EdgeqError {
  return new EdgeqError('driver_unavailable', `[edgeq] [${driver}] storage is unavailable`, {
    cause,
  });
}
