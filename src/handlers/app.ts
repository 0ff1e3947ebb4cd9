/**
 * The HTTP API as a Hono app. Stateless: everything lives in the runtime's driver.
 *
 * Each request acts in its token's namespace, within its rights and queue list (./scope.ts);
 * tokens with a rate are limited per app instance (./rate.ts).
 *
 * @example
 * const app = createApp(createRuntime({ driver }), {
 *   token: env.EDGEQ_TOKEN,
 *   tokens: [{ token: env.ACME_TOKEN, ns: 'acme', rights: ['enqueue'], queues: ['emails'] }],
 * });
 * export default { fetch: app.fetch };
 */
import { bodyLimit } from 'hono/body-limit';
import { Hono } from 'hono/tiny';
import type { DashboardDeps } from '../dashboard/deps.js';
import { EdgeqError } from '../errors.js';
import type { Logger } from '../observe/log.js';
import { requestLog } from '../observe/middleware.js';
import { metricsRoutes } from '../observe/route.js';
import type { Runtime } from '../runtime/runtime.js';
import { type AppEnv, type AuthOptions, bearerAuth, tokenCheck } from './auth.js';
import { notFound, onError } from './errors.js';
import { RateLimiter, rateLimit } from './rate.js';
import { jobRoutes } from './routes/jobs.js';
import { queueRoutes } from './routes/queues.js';
import { scheduleRoutes } from './routes/schedules.js';

export interface AppOptions extends AuthOptions {
  /** Clock for rate limits, in epoch ms (default: the runtime's clock). */
  now?: () => number;
  /**
   * Where request lines go: one JSON line per request, with its id (default: the runtime's
   * logger, `createRuntime({ log })`, which writes warnings and errors only).
   */
  log?: Logger;
  /**
   * Serves `GET /openapi.json` and the reference page `GET /docs`: pass `apiDocs` (exported by
   * edgeq). Off unless given, so a Worker that does not serve them does not carry them (about
   * 20 KiB gzip: the document and the page's renderer). `edgeq serve` and the ready-made Worker
   * pass it.
   */
  docs?: () => Hono;
  /**
   * Serves the operator dashboard at `/dashboard`: pass `dashboard` (exported by edgeq). Off
   * unless given, like `docs`, so a Worker without it does not carry it. It logs in with the
   * same tokens (admin right only) and shares their rate limits.
   */
  dashboard?: (deps: DashboardDeps) => Hono<AppEnv>;
}

/** Throws when the token configuration is invalid (the message never holds a token). */
export function createApp(rt: Runtime, opts: AppOptions = {}): Hono {
  const app = new Hono<AppEnv>();
  // First, so its request id and log line cover auth, limits and errors (src/observe).
  app.use('*', requestLog(rt, opts.log ?? rt.log));
  // The request middleware logs this app's storage failures, each with its request id.
  rt.logStorageErrors = false;
  app.onError(onError);
  app.notFound(notFound);

  app.get('/healthz', (c) => c.json({ ok: true, driver: rt.driver.name }));
  if (opts.docs) app.route('/', opts.docs());

  // One auth and one limiter for /v1 and /metrics: a token's rate is shared between them.
  const check = tokenCheck(opts);
  const auth = bearerAuth(opts, check);
  const limit = rateLimit(new RateLimiter(opts.now ?? rt.now));
  if (opts.dashboard) {
    // Its login resolves tokens with the same check, and its pages count against the same rate.
    const deps = { rt, check, open: opts.open === true, limit };
    app.route('/dashboard', opts.dashboard({ ...deps, missingTokenHint: opts.missingTokenHint }));
  }
  app.use('/v1/*', auth);
  app.use('/v1/*', limit);
  app.use('/metrics', auth, limit);
  app.use(
    '/v1/*',
    bodyLimit({
      maxSize: rt.limits.maxBodyBytes,
      onError: () => {
        throw new EdgeqError(
          'payload_too_large',
          `request body is larger than ${rt.limits.maxBodyBytes} bytes`,
        );
      },
    }),
  );
  app.route('/v1', jobRoutes(rt));
  app.route('/v1', queueRoutes(rt));
  app.route('/v1', scheduleRoutes(rt));
  app.route(
    '/',
    metricsRoutes(
      rt,
      (opts.tokens ?? []).map((t) => t.ns),
    ),
  );
  // The variables (scope, ns) are internal to the app: callers get a plain Hono.
  return app as unknown as Hono;
}
