/**
 * Dashboard errors as a small HTML page: the stable code (src/errors.ts), its status and the
 * message written for people, never a stack or a cause. Storage failures and unexpected errors
 * are still logged by the request middleware (src/observe/middleware.ts), which reads `c.error`.
 *
 * @example
 * app.onError(dashboardError);
 */
import type { Context, MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { EdgeqError, HTTP_STATUS } from '../errors.js';
import type { Scope } from '../handlers/tokens.js';
import { clip } from './format.js';
import { Layout, render } from './layout.js';
import { localPath, loginPath, queuesPath } from './paths.js';

/** The error an exception is shown as; anything unknown is `internal` with no detail. */
function known(err: Error): EdgeqError {
  if (err instanceof EdgeqError) return err;
  if (err instanceof HTTPException && err.status === 403) {
    // Hono's csrf: the form came from another origin (or a browser that sent neither header).
    return new EdgeqError(
      'forbidden',
      'this form was not sent from this dashboard (the Origin check refused it)',
    );
  }
  if (err instanceof HTTPException && err.status === 413) {
    return new EdgeqError('payload_too_large', 'request body is too large');
  }
  if (err instanceof HTTPException && err.status < 500) {
    return new EdgeqError('invalid_request', err.message || 'bad request');
  }
  return new EdgeqError('internal', 'internal error');
}

/** `app.onError` for the dashboard. */
export function dashboardError(err: Error, c: Context): Promise<Response> {
  const e = known(err);
  // For the request's log line, as the API's errorResponse does.
  c.set('errorCode', e.code);
  const signedIn = (c.get('scope') as Scope | undefined) !== undefined;
  const status = HTTP_STATUS[e.code];
  return render(
    c,
    <Layout title={`Error ${status}`}>
      <h1>
        {status} <code>{e.code}</code>
      </h1>
      <p>
        {e.message}
        {e.field === undefined ? (
          ''
        ) : (
          <span class="muted">
            {' '}
            (field <code>{e.field}</code>)
          </span>
        )}
      </p>
      <p>
        {signedIn || e.code !== 'unauthorized' ? (
          <a href={queuesPath()}>Back to the queues</a>
        ) : (
          <a href={loginPath()}>Log in</a>
        )}
      </p>
    </Layout>,
    status,
  );
}

/**
 * A trailing slash (`/dashboard/`, `/dashboard/dead/`) is redirected to the page without it, so
 * each page has one address (relative links and bookmarks agree). A middleware, not the
 * catch-all: hono/tiny's router matches an optional trailing slash, so the catch-all never
 * sees one.
 */
export const trailingSlash: MiddlewareHandler = async (c, next) => {
  const url = new URL(c.req.url);
  if (
    c.req.method === 'GET' &&
    url.pathname.endsWith('/') &&
    localPath(url.pathname.slice(0, -1))
  ) {
    return c.redirect(`${url.pathname.slice(0, -1)}${url.search}`, 301);
  }
  await next();
};

/** The dashboard's catch-all: a 404 page instead of the API's JSON. */
export async function dashboardNotFound(c: Context): Promise<Response> {
  const path = clip(new URL(c.req.url).pathname, 200);
  return dashboardError(
    new EdgeqError('not_found', `no dashboard page at ${path.text}${path.clipped ? '…' : ''}`),
    c,
  );
}
