/**
 * The operator dashboard at `/dashboard`: server-rendered pages (hono/jsx, no scripts, no build
 * step, nothing loaded from elsewhere) over the same runtime, token check and route guards as the
 * API. Queues with counts, pause and resume; a queue's jobs by state, a page at a time; a job's
 * fields, payload and result; dead letters and replay; schedules, pause and resume.
 *
 * Not mounted by default, so a Worker that does not serve it does not carry it:
 * `createApp(rt, { token, dashboard })`. `edgeq serve` and the ready-made Worker pass it.
 *
 * @example
 * import { createApp, dashboard } from 'edgeq';
 * const app = createApp(runtime, { token: env.EDGEQ_TOKEN, dashboard });
 * // then open https://<host>/dashboard and log in with an admin token
 */
import { Hono } from 'hono/tiny';
import type { AppEnv } from '../handlers/auth.js';
import { guard } from '../handlers/scope.js';
import { harden, requireSession } from './access.js';
import { actionRoutes } from './actions.js';
import type { DashboardDeps } from './deps.js';
import { dashboardError, dashboardNotFound, trailingSlash } from './errors.js';
import { loginRoutes } from './login.js';
import { jobPage } from './pages/job.js';
import { jobsPage } from './pages/jobs.js';
import { deadPage, queuesPage } from './pages/queues.js';
import { schedulesPage } from './pages/schedules.js';

export type { DashboardDeps } from './deps.js';

/** Builds the dashboard's routes; `createApp` mounts them at `/dashboard`. */
export function dashboard(deps: DashboardDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.onError(dashboardError);
  // Order matters: Hono runs these in registration order, and the login must come before the
  // session middleware that every other page passes through.
  app.use('*', trailingSlash, ...harden(deps));
  loginRoutes(app, deps);
  app.use('*', ...requireSession(deps));

  const self = guard('admin', 'self');
  app.get('/', self, (c) => queuesPage(c, deps));
  app.get('/dead', self, (c) => deadPage(c, deps));
  app.get('/queues/:queue', guard('admin', 'queue'), (c) => jobsPage(c, deps));
  app.get('/jobs/:id', self, (c) => jobPage(c, deps));
  app.get('/schedules', guard('admin', 'namespace'), (c) => schedulesPage(c, deps));
  actionRoutes(app, deps);
  app.all('*', dashboardNotFound);
  return app;
}
