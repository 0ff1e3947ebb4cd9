/**
 * The Worker's own handlers: `fetch` serves the API, `scheduled` (a Cron Trigger) runs the tick.
 * The runtime is built once per isolate from its env and reused by every request.
 *
 * @example
 * import { createWorker } from 'edgeq';
 * import { libsqlDriver } from 'edgeq/drivers/libsql';
 * export default createWorker((env) => ({
 *   driver: libsqlDriver({ url: env.LIBSQL_URL, authToken: env.LIBSQL_AUTH_TOKEN }),
 * }));
 */
import type { Hono } from 'hono';
import type { DashboardDeps } from '../dashboard/deps.js';
import type { Driver } from '../drivers/types.js';
import { describeError } from '../observe/describe.js';
import { createLogger, logLevelFromEnv, newRequestId } from '../observe/log.js';
import { logTick } from '../observe/tick.js';
import { envString } from '../runtime/env.js';
import { createRuntime, type Runtime, type RuntimeOptions } from '../runtime/runtime.js';
import { createApp } from './app.js';
import type { AppEnv } from './auth.js';
import { type TokenConfig, tokensFromEnv } from './tokens.js';

/** The parts of Cloudflare's ExecutionContext and ScheduledController edgeq uses. */
export interface WaitUntil {
  waitUntil(promise: Promise<unknown>): void;
}
export interface ScheduledEvent {
  cron: string;
  scheduledTime: number;
}

export interface WorkerSetup extends Omit<RuntimeOptions, 'driver'> {
  driver: Driver;
  /** Admin token of namespace `default`; `EDGEQ_TOKEN` from env when absent. */
  token?: string;
  /** Scoped tokens; `EDGEQ_TOKENS` (a JSON array) from env when absent. */
  tokens?: TokenConfig[];
  /** `apiDocs` to serve `GET /openapi.json` and `GET /docs` (see `AppOptions.docs`). */
  docs?: () => Hono;
  /** `dashboard` to serve the dashboard at `/dashboard` (see `AppOptions.dashboard`). */
  dashboard?: (deps: DashboardDeps) => Hono<AppEnv>;
}

export interface WorkerHandlers<E> {
  fetch(request: Request, env: E, ctx: WaitUntil): Promise<Response>;
  scheduled(event: ScheduledEvent, env: E, ctx: WaitUntil): Promise<void>;
}

const MISSING_TOKEN =
  'edgeq has no token: set the EDGEQ_TOKEN secret (wrangler secret put EDGEQ_TOKEN; ' +
  'for wrangler dev, EDGEQ_TOKEN in .dev.vars), or EDGEQ_TOKENS for scoped tokens';

export function createWorker<E extends object>(setup: (env: E) => WorkerSetup): WorkerHandlers<E> {
  const cache = new WeakMap<E, { runtime: Runtime; app: Hono }>();
  const get = (env: E) => {
    let built = cache.get(env);
    if (!built) {
      const s = setup(env);
      const vars = env as Record<string, unknown>;
      // Request lines by default (EDGEQ_LOG=info): Workers Logs is where a Worker's lines go.
      const log = s.log ?? createLogger({ level: logLevelFromEnv(vars, 'info') });
      const runtime = createRuntime({ ...s, log });
      const token = s.token ?? envString(vars, 'EDGEQ_TOKEN');
      // A bad EDGEQ_TOKENS stops the isolate here: every request answers 500 and the log says why.
      const tokens = s.tokens ?? tokensFromEnv(vars, token);
      const app = createApp(runtime, {
        token,
        tokens,
        missingTokenHint: MISSING_TOKEN,
        ...(s.docs ? { docs: s.docs } : {}),
        ...(s.dashboard ? { dashboard: s.dashboard } : {}),
      });
      built = { runtime, app };
      cache.set(env, built);
    }
    return built;
  };
  /** The isolate's runtime, or undefined (logged) when its configuration is wrong. */
  const tryGet = (env: E) => {
    try {
      return get(env);
    } catch (err) {
      // No runtime, so no configured logger: this line goes out at any level.
      createLogger().error('configuration error', {
        requestId: newRequestId(),
        cause: describeError(err),
      });
      return undefined;
    }
  };
  return {
    async fetch(request, env, ctx) {
      const built = tryGet(env);
      if (!built) {
        // Details go to the log only: a caller may be anyone, the config is the operator's.
        const error = { code: 'internal', message: 'edgeq is misconfigured; see the Worker logs' };
        return Response.json({ error }, { status: 500 });
      }
      return built.app.fetch(request, env, ctx as never);
    },
    async scheduled(_event, env, ctx) {
      const built = tryGet(env);
      if (!built) return;
      const { runtime } = built;
      // Each cron event is a unit of work with its own id, like a request.
      const log = runtime.log.child({ requestId: newRequestId() });
      ctx.waitUntil(
        runtime
          .tick()
          .then((r) => logTick(log, r))
          // The next cron event tries again; a failed tick must not become an unhandled rejection.
          .catch((err: unknown) => log.error('tick failed', { cause: describeError(err) })),
      );
    },
  };
}
