/**
 * Cron schedule routes: list, read, create or replace, delete, pause, resume. Schedules live in
 * the token's namespace and may target any of its queues, so they need an admin token without a
 * queue list.
 */
import { Hono } from 'hono/tiny';
import * as z from 'zod/mini';
import {
  deleteSchedule,
  getSchedule,
  listSchedules,
  putSchedule,
  setSchedulePaused,
} from '../../cron/store.js';
import { EdgeqError } from '../../errors.js';
import { BOUNDS, QUEUE_NAME } from '../../runtime/config.js';
import type { Runtime } from '../../runtime/runtime.js';
import { int } from '../../validation/z.js';
import type { AppEnv } from '../auth.js';
import { body } from '../body.js';
import { jobInput } from '../schemas.js';
import { guard, nsOf } from '../scope.js';

export const scheduleBody = z.strictObject({
  cron: z.string().check(z.minLength(1), z.maxLength(256)),
  tz: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
  queue: z.string().check(z.regex(QUEUE_NAME, 'must be 1 to 128 characters of A-Z a-z 0-9 _ . -')),
  payload: jobInput.shape.payload,
  priority: jobInput.shape.priority,
  maxAttempts: jobInput.shape.maxAttempts,
  leaseMs: jobInput.shape.leaseMs,
  catchUp: z.optional(int(1, BOUNDS.maxCatchUp)),
  paused: z.optional(z.boolean()),
});

function nameParam(raw: string | undefined): string {
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

export function scheduleRoutes(rt: Runtime): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const g = guard('admin', 'namespace');
  app.get('/schedules', g, async (c) => c.json({ schedules: await listSchedules(rt, nsOf(c)) }));
  app.get('/schedules/:name', g, async (c) =>
    c.json(await getSchedule(rt, nameParam(c.req.param('name')), nsOf(c))),
  );
  app.put('/schedules/:name', g, async (c) => {
    const name = nameParam(c.req.param('name'));
    const input = await body(c, scheduleBody, true);
    const { schedule, created } = await putSchedule(rt, name, input, nsOf(c));
    return c.json(schedule, created ? 201 : 200);
  });
  app.delete('/schedules/:name', g, async (c) => {
    const name = nameParam(c.req.param('name'));
    await deleteSchedule(rt, name, nsOf(c));
    return c.json({ name, deleted: true });
  });
  for (const action of ['pause', 'resume'] as const) {
    app.post(`/schedules/:name/${action}`, g, async (c) =>
      c.json(
        await setSchedulePaused(rt, nameParam(c.req.param('name')), action === 'pause', nsOf(c)),
      ),
    );
  }
  return app;
}
