/**
 * The request middleware: gives each request an id (the caller's `X-Request-Id` when it is a
 * safe short token, else a new one), echoes it in the response, and logs the request once when
 * it completes: method, route pattern (never the path, which holds names and ids the caller
 * chose), status, duration, error code and namespace. It also counts the request for /metrics.
 *
 * Storage failures and unexpected errors are logged here too, with the request's id: `onError`
 * (src/handlers/errors.ts) turns them into responses, and leaves `c.error` for this to read.
 *
 * @example
 * app.use('*', requestLog(rt, rt.log));
 * app.get('/x', (c) => { logOf(c).info('working'); return c.json({}); });
 */
import type { Context, MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { matchedRoutes } from 'hono/route';
import { EdgeqError, type ErrorCode } from '../errors.js';
import type { Runtime } from '../runtime/runtime.js';
import { describeError } from './describe.js';
import { createLogger, type LogFields, type Logger, requestIdFrom } from './log.js';

/** Variables this middleware sets (and reads back) on the request's context. */
export interface ObserveVariables {
  requestId: string;
  /** The request's logger: every line it writes carries the request id. */
  log: Logger;
  /** Set by `errorResponse` when the request is answered with an error. */
  errorCode?: ErrorCode;
  /** Set by the route guard once the token's namespace is known. */
  ns?: string;
}

type Get = <K extends keyof ObserveVariables>(key: K) => ObserveVariables[K] | undefined;
const read = (c: Context): Get => c.get.bind(c) as Get;

const fallback = createLogger({ level: 'warn' });

/** The request's logger (one bound to its request id), for routes and error handlers. */
export function logOf(c: Context): Logger {
  return read(c)('log') ?? fallback;
}

/** The route pattern that answered (`/v1/jobs/:id/ack`), or undefined when none matched. */
function routeOf(c: Context): string | undefined {
  // Middleware is registered for every method ('ALL'); the last route with a method is the
  // handler Hono matched, even when a middleware before it answered (401, 403, 429).
  const routes = matchedRoutes(c);
  for (let i = routes.length - 1; i >= 0; i--) {
    if (routes[i]!.method !== 'ALL') return routes[i]!.path;
  }
  return undefined;
}

/** Logs the failure behind a 5xx answer: the storage error's cause, or the unexpected error. */
function logFailure(c: Context, rt: Runtime, log: Logger, code: ErrorCode | undefined): void {
  const err = c.error;
  if (!err) return;
  if (code === 'driver_unavailable' && err instanceof EdgeqError) {
    log.error('storage call failed', { driver: rt.driver.name, cause: describeError(err) });
  } else if (code === 'internal' && !(err instanceof EdgeqError || err instanceof HTTPException)) {
    log.error('unexpected error', { cause: describeError(err) });
  }
}

/** The request's line, and the failure behind a 5xx; counted for /metrics in any case. */
function logRequest(c: Context, rt: Runtime, log: Logger, status: number, started: number): void {
  const get = read(c);
  const code = get('errorCode');
  const ns = get('ns');
  const route = routeOf(c);
  rt.metrics.request(ns, c.req.method, route ?? '', status);
  if (status >= 500) logFailure(c, rt, log, code);
  // Below info, a success costs no line to build.
  else if (!log.enabled('info')) return;
  const fields: LogFields = {
    method: c.req.method,
    route,
    status,
    durationMs: Math.round((performance.now() - started) * 10) / 10,
    code,
    ns,
  };
  if (status >= 500) log.error('request', fields);
  else log.info('request', fields);
}

/** The middleware; install it first, so its line covers auth, limits and every route. */
export function requestLog(rt: Runtime, log: Logger): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    const requestId = requestIdFrom(c.req.header('x-request-id'));
    const reqLog = log.child({ requestId });
    c.set('requestId', requestId);
    c.set('log', reqLog);
    // Set before the route runs, so every response built through `c` carries it, errors too.
    c.header('X-Request-Id', requestId);
    let status = 500;
    try {
      await next();
      status = c.res.status;
    } finally {
      logRequest(c, rt, reqLog, status, started);
    }
  };
}
