/**
 * Operator routes: queue counts, pause/resume, listing, dead letters, tick, capabilities. All need
 * the admin right and act in the token's namespace; the tick alone spans every namespace.
 */
import { Hono } from 'hono/tiny';
import type { JobState } from '../../drivers/types.js';
import { bindPush, getPush, unbindPush } from '../../push/queues.js';
import type { Runtime } from '../../runtime/runtime.js';
import type { AppEnv } from '../auth.js';
import { body, parse } from '../body.js';
import { queueParam } from '../params.js';
import { listQuery, pageQuery, pushBody, queueSettingsBody, replayBody } from '../schemas.js';
import { guard, mayUse, nsOf } from '../scope.js';

export function queueRoutes(rt: Runtime): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const onQueue = guard('admin', 'queue');

  // No queue in the path: a token with a queue list sees only its queues.
  app.get('/queues', guard('admin', 'self'), async (c) => {
    const scope = c.get('scope');
    const queues = (await rt.queues(nsOf(c))).filter((q) => mayUse(scope, q.name));
    return c.json({ queues });
  });

  app.get('/queues/:queue', onQueue, async (c) => {
    const queue = queueParam(c);
    const ns = nsOf(c);
    const [info, { source, settings }] = await Promise.all([
      rt.queue(queue, ns),
      rt.settings(queue, ns),
    ]);
    return c.json({ ...info, settingsSource: source, settings });
  });

  app.put('/queues/:queue', onQueue, async (c) => {
    const queue = queueParam(c);
    const input = await body(c, queueSettingsBody, true);
    const { source, settings } = await rt.putSettings(queue, input, nsOf(c));
    return c.json({ name: queue, settingsSource: source, settings });
  });

  for (const action of ['pause', 'resume'] as const) {
    app.post(`/queues/:queue/${action}`, onQueue, async (c) => {
      const queue = queueParam(c);
      await rt.setPaused(queue, action === 'pause', nsOf(c));
      return c.json({ name: queue, paused: action === 'pause' });
    });
  }

  app.get('/queues/:queue/jobs', onQueue, async (c) => {
    const queue = queueParam(c);
    const q = parse(listQuery, c.req.query());
    return c.json(await rt.list(queue, q.state as JobState, q, nsOf(c)));
  });

  app.get('/queues/:queue/dead', onQueue, async (c) => {
    const queue = queueParam(c);
    return c.json(await rt.list(queue, 'dead', parse(pageQuery, c.req.query()), nsOf(c)));
  });

  app.post('/queues/:queue/dead/replay', onQueue, async (c) => {
    const queue = queueParam(c);
    const { ids } = await body(c, replayBody);
    return c.json({ replayed: await rt.replayDead(queue, ids, nsOf(c)) });
  });

  app.put('/queues/:queue/push', onQueue, async (c) => {
    const queue = queueParam(c);
    const input = await body(c, pushBody, true);
    const binding = await bindPush(rt, queue, input, rt.pushPolicy, nsOf(c));
    // The secrets are shown here, once; later reads only say how many there are.
    return c.json({ queue, ...binding });
  });
  app.get('/queues/:queue/push', onQueue, async (c) =>
    c.json(await getPush(rt, queueParam(c), nsOf(c))),
  );
  app.delete('/queues/:queue/push', onQueue, async (c) => {
    const queue = queueParam(c);
    await unbindPush(rt, queue, nsOf(c));
    return c.json({ queue, push: null });
  });

  app.post('/queues/:queue/drain', onQueue, async (c) =>
    c.json(await rt.drain(queueParam(c), {}, nsOf(c))),
  );

  // Global: reclaims, prunes and runs schedules in every namespace, and its counts cover them all.
  app.post('/tick', guard('admin', 'global'), async (c) => c.json(await rt.tick()));

  app.get('/capabilities', guard('admin', 'self'), (c) =>
    c.json({ driver: rt.driver.name, capabilities: rt.driver.capabilities }),
  );

  return app;
}
