/** Producer and consumer routes: enqueue, claim, ack, nack, extend, get, cancel. */
import { type Context, Hono } from 'hono';
import { describe, type Runtime } from '../../runtime/runtime.js';
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

/** Keeps work alive after the response: `waitUntil` in Workers; on Node the promise just runs. */
function background(c: Context, work: Promise<unknown>): void {
  const guarded = work.catch((err: unknown) =>
    console.error('[edgeq] background work failed:', describe(err)),
  );
  try {
    c.executionCtx.waitUntil(guarded);
  } catch {
    // No execution context (Node): nothing to register with.
  }
}

export function jobRoutes(rt: Runtime): Hono {
  const app = new Hono();

  app.post('/queues/:queue/jobs', async (c) => {
    const queue = queueParam(c);
    const raw = await readJson(c, true);
    // `{jobs:[...]}` is a batch; anything else is one job (and fails on unknown fields).
    const batch = raw !== null && typeof raw === 'object' && Object.hasOwn(raw, 'jobs');
    const jobs = batch ? parse(enqueueBatch, raw).jobs : [parse(jobInput, raw)];
    const results = await rt.enqueue(queue, jobs);
    if (rt.handlers.get(queue)?.immediate) {
      // Low latency without a worker: run the handler after the response is sent.
      background(c, rt.drain(queue));
    }
    const created = results.some((r) => r.created) ? 201 : 200;
    return batch ? c.json({ jobs: results }, created) : c.json(results[0], created);
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
