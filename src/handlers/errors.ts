/** The one place errors become HTTP responses: `{"error":{"code","message","field?"}}`. */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { EdgeqError, type ErrorCode, HTTP_STATUS } from '../errors.js';

export interface ErrorBody {
  error: { code: ErrorCode; message: string; field?: string };
}

export function errorResponse(c: Context, err: EdgeqError): Response {
  const body: ErrorBody = { error: { code: err.code, message: err.message } };
  if (err.field !== undefined) body.error.field = err.field;
  if (err.code === 'unauthorized') c.header('WWW-Authenticate', 'Bearer realm="edgeq"');
  return c.json(body, HTTP_STATUS[err.code]);
}

/** `app.onError`: known errors keep their code; anything else is a 500 with no detail. */
export function onError(err: Error, c: Context): Response {
  if (err instanceof EdgeqError) return errorResponse(c, err);
  if (err instanceof HTTPException && err.status === 413) {
    return errorResponse(c, new EdgeqError('payload_too_large', 'request body is too large'));
  }
  if (err instanceof HTTPException && err.status < 500) {
    return errorResponse(c, new EdgeqError('invalid_request', err.message || 'bad request'));
  }
  // Logged for the operator (message only: a stack or payload never leaves the process).
  console.error('[edgeq] unexpected error:', err.name, err.message);
  return errorResponse(c, new EdgeqError('internal', 'internal error'));
}

export function notFound(c: Context): Response {
  return errorResponse(
    c,
    new EdgeqError('not_found', `no route for ${c.req.method} ${new URL(c.req.url).pathname}`),
  );
}
