/** What the dashboard's routes share: the runtime, the app's token check, and how it runs. */
import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv, TokenCheck } from '../handlers/auth.js';
import type { Runtime } from '../runtime/runtime.js';
import type { Viewer } from './layout.js';

/** Passed by `createApp` to the dashboard factory (see `AppOptions.dashboard`). */
export interface DashboardDeps {
  rt: Runtime;
  /** The app's own token check, shared with the bearer middleware. */
  check: TokenCheck;
  /** `edgeq serve` without a token, on loopback: no login. */
  open: boolean;
  /** What to say when no token is configured (names the secret to set). */
  missingTokenHint?: string | undefined;
  /** The app's per-token rate limiter: a token's rate covers its dashboard use too. */
  limit: MiddlewareHandler<AppEnv>;
}

/** Who the request acts as, for the page header (after the session middleware). */
export function viewerOf(c: Context<AppEnv>, deps: DashboardDeps): Viewer {
  const scope = c.get('scope');
  return {
    ns: scope.ns,
    open: deps.open,
    queueList: scope.queues !== undefined,
    driver: deps.rt.driver.name,
  };
}
