/** Producer and consumer routes: enqueue, claim, ack, nack, extend, get, cancel. */
import { Hono } from 'hono';
import type { Runtime } from '../../runtime/runtime.js';
import { body, parse, readJson } from '../body.js';
import { idParam, queueParam } from '../params.js';
import {
  ackBody,
  ackManyBody,
  claimBody,
  enqueueBatch,
  extendBody,
  jobInput,
  nackBody,
} from '../schemas.js';

export function jobRoutes(rt: Runtime): Hono {
  const app = new Hono();

  app.post('/queues/:queue/jobs', async (c) => {
    const queue = queueParam(c);
    const raw = await readJson(c, true);
    // `{jobs:[...]}` is a batch; anything else is one job (and fails on unknown fields).
    if (raw !== null && typeof raw === 'object' && Object.hasOwn(raw, 'jobs')) {
      const { jobs } = parse(enqueueBatch, raw);
      const results = await rt.enqueue(queue, jobs);
      return c.json({ jobs: results }, results.some((r) => r.created) ? 201 : 200);
    }
    const job = parse(jobInput, raw);
    const [result] = await rt.enqueue(queue, [job]);
    return c.json(result, result?.created ? 201 : 200);
  });

  app.post('/queues/:queue/claim', async (c) => {
    const queue = queueParam(c);
    const b = await body(c, claimBody);
    const res = await rt.claim(queue, b);
    return c.json(b.acks ? { jobs: res.jobs, acks: res.acks } : { jobs: res.jobs });
  });

  app.post('/jobs/:id/ack', async (c) => {
    const id = idParam(c);
    const res = await rt.ack(id, await body(c, ackBody, true));
    return c.json(res.enqueued.length ? res : { id: res.id, state: res.state });
  });

  app.post('/jobs/:id/nack', async (c) => {
    const id = idParam(c);
    return c.json(await rt.nack(id, await body(c, nackBody, true)));
  });

  app.post('/jobs/:id/extend', async (c) => {
    const id = idParam(c);
    return c.json(await rt.extend(id, await body(c, extendBody, true)));
  });

  app.post('/ack', async (c) => {
    const { acks } = await body(c, ackManyBody, true);
    const results = await rt.ackMany(acks);
    return c.json({ results });
  });

  app.get('/jobs/:id', async (c) => c.json(await rt.get(idParam(c))));

  app.delete('/jobs/:id', async (c) => c.json(await rt.cancel(idParam(c))));

  return app;
}
