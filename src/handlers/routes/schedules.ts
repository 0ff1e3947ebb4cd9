/** Cron schedule routes: list, read, create or replace, delete, pause, resume. */
import { Hono } from 'hono';
import { z } from 'zod';
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
import { body } from '../body.js';
import { jobInput } from '../schemas.js';

export const scheduleBody = z.strictObject({
  cron: z.string().min(1).max(256),
  tz: z.string().min(1).max(64).optional(),
  queue: z.string().regex(QUEUE_NAME, 'must be 1 to 128 characters of A-Z a-z 0-9 _ . -'),
  payload: jobInput.shape.payload,
  priority: jobInput.shape.priority,
  maxAttempts: jobInput.shape.maxAttempts,
  leaseMs: jobInput.shape.leaseMs,
  catchUp: z.number().int().min(1).max(BOUNDS.maxCatchUp).optional(),
  paused: z.boolean().optional(),
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

export function scheduleRoutes(rt: Runtime): Hono {
  const app = new Hono();
  app.get('/schedules', async (c) => c.json({ schedules: await listSchedules(rt) }));
  app.get('/schedules/:name', async (c) =>
    c.json(await getSchedule(rt, nameParam(c.req.param('name')))),
  );
  app.put('/schedules/:name', async (c) => {
    const name = nameParam(c.req.param('name'));
    const input = await body(c, scheduleBody, true);
    const { schedule, created } = await putSchedule(rt, name, input);
    return c.json(schedule, created ? 201 : 200);
  });
  app.delete('/schedules/:name', async (c) => {
    const name = nameParam(c.req.param('name'));
    await deleteSchedule(rt, name);
    return c.json({ name, deleted: true });
  });
  for (const action of ['pause', 'resume'] as const) {
    app.post(`/schedules/:name/${action}`, async (c) =>
      c.json(await setSchedulePaused(rt, nameParam(c.req.param('name')), action === 'pause')),
    );
  }
  return app;
}
