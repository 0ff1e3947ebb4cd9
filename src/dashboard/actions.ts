/**
 * The dashboard's state changes, each a form POST answered with a 303 back to the page it came
 * from (post/redirect/get), carrying a notice: pause and resume a queue, replay one dead job or
 * all of them, pause and resume a schedule. Each goes through the same guard and runtime call
 * as its API route.
 *
 * @example
 * actionRoutes(app, deps); // after the session middleware
 */
import type { Hono } from 'hono';
import { setSchedulePaused } from '../cron/store.js';
import { EdgeqError } from '../errors.js';
import type { AppEnv } from '../handlers/auth.js';
import { queueParam } from '../handlers/params.js';
import { jobId } from '../handlers/schemas.js';
import { guard, nsOf } from '../handlers/scope.js';
import { QUEUE_NAME } from '../runtime/config.js';
import type { DashboardDeps } from './deps.js';
import { backOf, field, form } from './form.js';
import { queuePath, schedulesPath, withNotice } from './paths.js';

function scheduleName(raw: string | undefined): string {
  if (!raw || !QUEUE_NAME.test(raw)) {
    throw new EdgeqError(
      'invalid_request',
      'schedule name must be 1 to 128 characters of A-Z a-z 0-9 _ . -',
      {
        field: 'name',
      },
    );
  }
  return raw;
}

/** Registers the POST actions on the dashboard app. */
export function actionRoutes(app: Hono<AppEnv>, { rt }: DashboardDeps): void {
  const onQueue = guard('admin', 'queue');
  for (const action of ['pause', 'resume'] as const) {
    app.post(`/queues/:queue/${action}`, onQueue, async (c) => {
      const queue = queueParam(c);
      const back = backOf(await form(c), queuePath(queue));
      await rt.setPaused(queue, action === 'pause', nsOf(c));
      return c.redirect(withNotice(back, action === 'pause' ? 'paused' : 'resumed'), 303);
    });
  }

  // With an `id`: that dead job; without: every dead job of the queue.
  app.post('/queues/:queue/replay', onQueue, async (c) => {
    const queue = queueParam(c);
    const body = await form(c);
    const back = backOf(body, queuePath(queue, { state: 'dead' }));
    const raw = field(body, 'id');
    if (raw !== undefined && !jobId.safeParse(raw).success) {
      throw new EdgeqError('invalid_request', 'not a job id', { field: 'id' });
    }
    const ids = raw === undefined ? undefined : [raw];
    const replayed = await rt.replayDead(queue, ids, nsOf(c));
    return c.redirect(withNotice(back, 'replayed', replayed), 303);
  });

  const onSchedules = guard('admin', 'namespace');
  for (const action of ['pause', 'resume'] as const) {
    app.post(`/schedules/:name/${action}`, onSchedules, async (c) => {
      const name = scheduleName(c.req.param('name'));
      const back = backOf(await form(c), schedulesPath());
      await setSchedulePaused(rt, name, action === 'pause', nsOf(c));
      return c.redirect(withNotice(back, action === 'pause' ? 'paused' : 'resumed'), 303);
    });
  }
}
