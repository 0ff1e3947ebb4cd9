/**
 * The client's errors. An answer from the API is an `EdgeqApiError` with the API's stable `code`;
 * a call that got no HTTP answer at all (refused, reset, DNS, timed out) is an
 * `EdgeqNetworkError`. Both extend `EdgeqClientError`, so one `instanceof` catches either.
 */
import type { ErrorCode } from '../errors.js';

/**
 * The API's codes (src/errors.ts), plus `http_error` for an answer that is not an edgeq error
 * document: a proxy's HTML page, an empty 502, a success body that is not JSON.
 */
export type ApiErrorCode = ErrorCode | 'http_error';

/** Why a call got no HTTP answer: the connection failed, or `timeoutMs` passed first. */
export type NetworkErrorCode = 'network_error' | 'timeout';

interface Where {
  method: string;
  path: string;
  /** Tries made, the failing one included. */
  attempts: number;
}

/** Base of both client errors. */
export class EdgeqClientError extends Error {
  readonly code: ApiErrorCode | NetworkErrorCode;
  readonly method: string;
  /** The request path (no query string, no host). */
  readonly path: string;
  /** Tries made before giving up, the last one included (1 when the call was not retried). */
  attempts: number;

  constructor(
    code: ApiErrorCode | NetworkErrorCode,
    message: string,
    where: Where,
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.code = code;
    this.method = where.method;
    this.path = where.path;
    this.attempts = where.attempts;
  }
}

/**
 * An error answer from the API, e.g. `409 lease_lost`.
 *
 * @example
 * try {
 *   await client.ack(job.id, { leaseToken: job.leaseToken });
 * } catch (err) {
 *   if (err instanceof EdgeqApiError && err.code === 'lease_lost') return; // redelivered later
 *   throw err;
 * }
 */
export class EdgeqApiError extends EdgeqClientError {
  override readonly name = 'EdgeqApiError';
  declare readonly code: ApiErrorCode;
  readonly status: number;
  /** The request field that failed validation (400), e.g. `jobs.3.priority`. */
  readonly field?: string;
  /** From `Retry-After` (on 429, and on 503 when the server sends it). */
  readonly retryAfterMs?: number;

  constructor(
    init: { code: ApiErrorCode; message: string; status: number; field?: string },
    where: Where,
    retryAfterMs?: number,
  ) {
    super(init.code, init.message, where);
    this.status = init.status;
    if (init.field !== undefined) this.field = init.field;
    if (retryAfterMs !== undefined) this.retryAfterMs = retryAfterMs;
  }
}

/** No HTTP answer: connection refused or reset, DNS failure, TLS failure, or a timeout. */
export class EdgeqNetworkError extends EdgeqClientError {
  override readonly name = 'EdgeqNetworkError';
  declare readonly code: NetworkErrorCode;
}

const CODES = new Set<string>([
  'invalid_request',
  'unauthorized',
  'forbidden',
  'not_found',
  'lease_lost',
  'conflict',
  'payload_too_large',
  'rate_limited',
  'driver_unavailable',
  'internal',
]);

/** The `{"error":{code,message,field?}}` document, when the body is one. */
function errorDocument(
  text: string,
): { code: ErrorCode; message: string; field?: string } | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return undefined;
  }
  const e = (doc as { error?: unknown } | null)?.error as Record<string, unknown> | undefined;
  if (!e || typeof e.code !== 'string' || !CODES.has(e.code) || typeof e.message !== 'string') {
    return undefined;
  }
  return {
    code: e.code as ErrorCode,
    message: e.message,
    ...(typeof e.field === 'string' ? { field: e.field } : {}),
  };
}

/** `Retry-After` as milliseconds from now: delta-seconds or an HTTP date. */
export function retryAfterMs(header: string | null): number | undefined {
  if (header === null) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}

/**
 * The error for a non-2xx answer. The body's text is never put in the message: a proxy's page
 * could echo the request, and messages end up in logs.
 */
export function apiError(
  res: { status: number; statusText: string; headers: { get(name: string): string | null } },
  text: string,
  where: Where,
): EdgeqApiError {
  const after = retryAfterMs(res.headers.get('retry-after'));
  const doc = errorDocument(text);
  if (doc) return new EdgeqApiError({ ...doc, status: res.status }, where, after);
  const type = res.headers.get('content-type')?.split(';')[0] || 'no content type';
  const message =
    `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''} from ${where.method} ` +
    `${where.path} is not an edgeq answer (${text ? `${type} body` : 'empty body'})`;
  return new EdgeqApiError({ code: 'http_error', message, status: res.status }, where, after);
}
