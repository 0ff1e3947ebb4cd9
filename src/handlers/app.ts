/**
 * The HTTP API as a Hono app. Stateless: everything lives in the runtime's driver.
 *
 * @example
 * const app = createApp(createRuntime({ driver }), { token: env.EDGEQ_TOKEN });
 * export default { fetch: app.fetch };
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { EdgeqError } from '../errors.js';
import type { Runtime } from '../runtime/runtime.js';
import { type AuthOptions, bearerAuth } from './auth.js';
import { notFound, onError } from './errors.js';
import { jobRoutes } from './routes/jobs.js';
import { queueRoutes } from './routes/queues.js';
import { scheduleRoutes } from './routes/schedules.js';

export type AppOptions = AuthOptions;

export function createApp(rt: Runtime, opts: AppOptions = {}): Hono {
  const app = new Hono();
  app.onError(onError);
  app.notFound(notFound);

  app.get('/healthz', (c) => c.json({ ok: true, driver: rt.driver.name }));

  app.use('/v1/*', bearerAuth(opts));
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
  return app;
}
