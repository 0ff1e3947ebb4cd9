/** Operator routes: queue counts, pause/resume, listing, dead letters, tick, capabilities. */
import { Hono } from 'hono';
import type { JobState } from '../../drivers/types.js';
import { bindPush, getPush, unbindPush } from '../../push/queues.js';
import type { Runtime } from '../../runtime/runtime.js';
import { body, parse } from '../body.js';
import { queueParam } from '../params.js';
import { listQuery, pageQuery, pushBody, queueSettingsBody, replayBody } from '../schemas.js';

export function queueRoutes(rt: Runtime): Hono {
  const app = new Hono();

  app.get('/queues', async (c) => c.json({ queues: await rt.queues() }));

  app.get('/queues/:queue', async (c) => {
    const queue = queueParam(c);
    const [info, { source, settings }] = await Promise.all([rt.queue(queue), rt.settings(queue)]);
    return c.json({ ...info, settingsSource: source, settings });
  });

  app.put('/queues/:queue', async (c) => {
    const queue = queueParam(c);
    const input = await body(c, queueSettingsBody, true);
    const { source, settings } = await rt.putSettings(queue, input);
    return c.json({ name: queue, settingsSource: source, settings });
  });

  for (const action of ['pause', 'resume'] as const) {
    app.post(`/queues/:queue/${action}`, async (c) => {
      const queue = queueParam(c);
      await rt.setPaused(queue, action === 'pause');
      return c.json({ name: queue, paused: action === 'pause' });
    });
  }

  app.get('/queues/:queue/jobs', async (c) => {
    const queue = queueParam(c);
    const q = parse(listQuery, c.req.query());
    return c.json(await rt.list(queue, q.state as JobState, q));
  });

  app.get('/queues/:queue/dead', async (c) => {
    const queue = queueParam(c);
    return c.json(await rt.list(queue, 'dead', parse(pageQuery, c.req.query())));
  });

  app.post('/queues/:queue/dead/replay', async (c) => {
    const queue = queueParam(c);
    const { ids } = await body(c, replayBody);
    return c.json({ replayed: await rt.replayDead(queue, ids) });
  });

  app.put('/queues/:queue/push', async (c) => {
    const queue = queueParam(c);
    const input = await body(c, pushBody, true);
    const binding = await bindPush(rt, queue, input, rt.pushPolicy);
    // The secrets are shown here, once; later reads only say how many there are.
    return c.json({ queue, ...binding });
  });
  app.get('/queues/:queue/push', async (c) => c.json(await getPush(rt, queueParam(c))));
  app.delete('/queues/:queue/push', async (c) => {
    const queue = queueParam(c);
    await unbindPush(rt, queue);
    return c.json({ queue, push: null });
  });

  app.post('/queues/:queue/drain', async (c) => c.json(await rt.drain(queueParam(c))));

  app.post('/tick', async (c) => c.json(await rt.tick()));

  app.get('/capabilities', (c) =>
    c.json({ driver: rt.driver.name, capabilities: rt.driver.capabilities }),
  );

  return app;
}
