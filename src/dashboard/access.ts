/**
 * Who may use the dashboard, and how its requests are hardened:
 * - every response: a CSP with no script source, no framing, no caching, no referrer outside;
 * - open mode (`edgeq serve` without a token): only loopback Host names, so a page that rebinds
 *   its own DNS name to 127.0.0.1 cannot read or drive the dashboard;
 * - every POST: Hono's `csrf` (Origin or Sec-Fetch-Site must be this origin), on a form body of
 *   at most 16 KiB; the session cookie is also SameSite=Strict;
 * - every page but the login: a valid session (./session.ts) of an admin token, whose scope the
 *   routes then use like the API's (src/handlers/scope.ts).
 *
 * @example
 * app.use('*', harden(deps));
 * app.use('*', requireSession(deps));
 */
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { getCookie } from 'hono/cookie';
import { csrf } from 'hono/csrf';
import { EdgeqError } from '../errors.js';
import type { AppEnv } from '../handlers/auth.js';
import type { ErrorBody } from '../handlers/errors.js';
import { isLoopbackHost } from '../handlers/loopback.js';
import { ADMIN_SCOPE, type Scope } from '../handlers/tokens.js';
import type { DashboardDeps } from './deps.js';
import { loginPath } from './paths.js';
import { verifySession } from './session.js';

/** The session cookie's name; its Path is /dashboard, so the API never receives it. */
export const COOKIE = 'edgeq_session';

const CSP =
  "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

const MAX_FORM_BYTES = 16 * 1024;

/**
 * The page's origin as the browser sent it (`Origin`, on every form POST of a current browser),
 * or undefined. It, not the request URL, says what the browser is on: behind a proxy the URL
 * can read http://127.0.0.1 (nginx's default `Host`) while the browser is on https.
 */
function browserOrigin(c: Context): URL | undefined {
  const origin = c.req.header('origin');
  if (!origin || origin === 'null') return undefined;
  try {
    return new URL(origin);
  } catch {
    return undefined;
  }
}

/** Plain http to a loopback name: the one case the cookie goes without `Secure`. */
export function plainLoopback(c: Context): boolean {
  const url = browserOrigin(c) ?? new URL(c.req.url);
  return url.protocol === 'http:' && isLoopbackHost(url.hostname);
}

/**
 * A browser on plain http to another name (`edgeq serve --host 0.0.0.0` reached by its LAN
 * address): it drops the `Secure` session cookie, so a login there could only loop back to the
 * login page. Judged by `Origin` alone, so a proxy that terminates TLS is never mistaken for it.
 */
export function plainRemote(c: Context): boolean {
  const url = browserOrigin(c);
  return url !== undefined && url.protocol === 'http:' && !isLoopbackHost(url.hostname);
}

/** Response headers, the open-mode Host check, and CSRF and size checks on POSTs. */
export function harden(deps: DashboardDeps): MiddlewareHandler<AppEnv>[] {
  const headers: MiddlewareHandler<AppEnv> = async (c, next) => {
    c.header('Content-Security-Policy', CSP);
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'same-origin');
    c.header('Cache-Control', 'no-store');
    if (deps.open && !isLoopbackHost(new URL(c.req.url).hostname)) {
      throw new EdgeqError(
        'forbidden',
        'edgeq runs without a token, so its dashboard answers loopback host names only (127.0.0.1, localhost)',
      );
    }
    return next();
  };
  const formsOnly: MiddlewareHandler<AppEnv> = async (c, next) => {
    // Hono's csrf checks form-like content types only; no other kind of POST has a place here.
    const type = c.req.header('content-type') ?? '';
    if (c.req.method === 'POST' && !/^application\/x-www-form-urlencoded\b/i.test(type)) {
      throw new EdgeqError('invalid_request', 'dashboard actions are HTML form posts');
    }
    return next();
  };
  const limitBody = bodyLimit({
    maxSize: MAX_FORM_BYTES,
    onError: () => {
      throw new EdgeqError(
        'payload_too_large',
        `a dashboard form is at most ${MAX_FORM_BYTES} bytes`,
      );
    },
  });
  // csrf and bodyLimit pass safe methods (GET, HEAD) through untouched.
  return [headers, formsOnly, csrf(), limitBody];
}

/** The scope of the request's session, open mode's admin scope, or undefined. */
export async function sessionScope(
  c: Context<AppEnv>,
  deps: DashboardDeps,
): Promise<Scope | undefined> {
  if (!deps.check.configured) {
    if (deps.open) return ADMIN_SCOPE;
    throw new EdgeqError(
      'unauthorized',
      deps.missingTokenHint ?? 'edgeq has no token configured: set EDGEQ_TOKEN or EDGEQ_TOKENS',
    );
  }
  const value = getCookie(c, COOKIE);
  if (value === undefined) return undefined;
  return verifySession(value, await deps.check.entries(), deps.rt.now());
}

/**
 * Sets the request's scope from its session, then applies the token's rate. Without a session a
 * page redirects to the login (and back afterwards); an action answers 401.
 */
export function requireSession(deps: DashboardDeps): MiddlewareHandler<AppEnv>[] {
  const session: MiddlewareHandler<AppEnv> = async (c, next) => {
    const scope = await sessionScope(c, deps);
    if (!scope) {
      if (c.req.method === 'GET' || c.req.method === 'HEAD') {
        const url = new URL(c.req.url);
        return c.redirect(loginPath(`${url.pathname}${url.search}`), 303);
      }
      throw new EdgeqError('unauthorized', 'log in first: the session is missing or has expired');
    }
    // Only the scope: the namespace is handed out by each route's guard (src/handlers/scope.ts).
    c.set('scope', scope);
    return next();
  };
  // The API's limiter answers in JSON; a page shows the same message as its HTML error page
  // (Retry-After, already set on the context, stays on the answer).
  const limited: MiddlewareHandler<AppEnv> = async (c, next) => {
    const refused: unknown = await deps.limit(c, next);
    // Passed through, the middleware resolves to whatever `next` did (Hono's context), not a
    // Response: only an answer of its own is a refusal.
    if (!(refused instanceof Response)) return;
    const { error } = (await refused.json()) as ErrorBody;
    throw new EdgeqError(error.code, error.message);
  };
  return [session, limited];
}
