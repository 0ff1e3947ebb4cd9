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
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { EdgeqError } from '../errors.js';
import type { Runtime } from '../runtime/runtime.js';
import { type AppEnv, type AuthOptions, bearerAuth } from './auth.js';
import { notFound, onError } from './errors.js';
import { RateLimiter, rateLimit } from './rate.js';
import { jobRoutes } from './routes/jobs.js';
import { queueRoutes } from './routes/queues.js';
import { scheduleRoutes } from './routes/schedules.js';

export interface AppOptions extends AuthOptions {
  /** Clock for rate limits, in epoch ms (default: the runtime's clock). */
  now?: () => number;
}

/** Throws when the token configuration is invalid (the message never holds a token). */
export function createApp(rt: Runtime, opts: AppOptions = {}): Hono {
  const app = new Hono<AppEnv>();
  app.onError(onError);
  app.notFound(notFound);

  app.get('/healthz', (c) => c.json({ ok: true, driver: rt.driver.name }));

  app.use('/v1/*', bearerAuth(opts));
  app.use('/v1/*', rateLimit(new RateLimiter(opts.now ?? rt.now)));
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
  // The variables (scope, ns) are internal to the app: callers get a plain Hono.
  return app as unknown as Hono;
}
