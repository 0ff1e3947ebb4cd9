/** The one place errors become HTTP responses: `{"error":{"code","message","field?"}}`. */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { EdgeqError, type ErrorCode, HTTP_STATUS } from '../errors.js';

export interface ErrorBody {
  error: { code: ErrorCode; message: string; field?: string };
}

export function errorResponse(c: Context, err: EdgeqError): Response {
  // For the request's log line (src/observe/middleware.ts).
  c.set('errorCode', err.code);
  const body: ErrorBody = { error: { code: err.code, message: err.message } };
  if (err.field !== undefined) body.error.field = err.field;
  if (err.code === 'unauthorized') c.header('WWW-Authenticate', 'Bearer realm="edgeq"');
  return c.json(body, HTTP_STATUS[err.code]);
}

/**
 * `app.onError`: known errors keep their code; anything else is a 500 with no detail. The
 * request middleware (src/observe/middleware.ts) logs what a 5xx hides, with the request id.
 */
export function onError(err: Error, c: Context): Response {
  if (err instanceof EdgeqError) return errorResponse(c, err);
  if (err instanceof HTTPException && err.status === 413) {
    return errorResponse(c, new EdgeqError('payload_too_large', 'request body is too large'));
  }
  if (err instanceof HTTPException && err.status < 500) {
    return errorResponse(c, new EdgeqError('invalid_request', err.message || 'bad request'));
  }
  return errorResponse(c, new EdgeqError('internal', 'internal error'));
}

/**
 * An unexpected error's message for the operator's log: its first line, clipped, with quoted
 * text elided. Runtime messages quote the data they failed on (JSON.parse quotes the text it
 * choked on, which may be a payload or a token); what failed, and where, is enough.
 */
export function logSafe(message: unknown): string {
  const first = String(message ?? '').split('\n', 1)[0] ?? '';
  const bare = first.replace(/(["'`])(?:(?!\1).)*\1?/g, '$1…$1');
  return bare.length > 200 ? `${bare.slice(0, 200)}…` : bare;
}

export function notFound(c: Context): Response {
  return errorResponse(
    c,
    new EdgeqError('not_found', `no route for ${c.req.method} ${new URL(c.req.url).pathname}`),
  );
}
