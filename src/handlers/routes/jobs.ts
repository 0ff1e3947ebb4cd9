/**
 * Producer and consumer routes: enqueue, claim, ack, nack, extend, get, cancel. Each acts in the
 * namespace of the request's token, after its guard (../scope.ts) checked the right it needs.
 */
import type { Context } from 'hono';
import { Hono } from 'hono/tiny';
import { describeError } from '../../observe/describe.js';
import { logOf } from '../../observe/middleware.js';
import type { Runtime } from '../../runtime/runtime.js';
import type { AppEnv } from '../auth.js';
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
import { allowQueue, guard, needRight, nsOf } from '../scope.js';

/** Keeps work alive after the response: `waitUntil` in Workers; on Node the promise just runs. */
function background(c: Context, work: Promise<unknown>): void {
  const log = logOf(c);
  const guarded = work.catch((err: unknown) =>
    log.error('background work failed', { cause: describeError(err) }),
  );
  try {
    c.executionCtx.waitUntil(guarded);
  } catch {
    // No execution context (Node): nothing to register with.
  }
}

export function jobRoutes(rt: Runtime): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.post('/queues/:queue/jobs', guard('enqueue', 'queue'), async (c) => {
    const queue = queueParam(c);
    const ns = nsOf(c);
    const raw = await readJson(c, true);
    // `{jobs:[...]}` is a batch; anything else is one job (and fails on unknown fields).
    const batch = raw !== null && typeof raw === 'object' && Object.hasOwn(raw, 'jobs');
    const jobs = batch ? parse(enqueueBatch, raw).jobs : [parse(jobInput, raw)];
    const results = await rt.enqueue(queue, jobs, ns);
    if (rt.handlers.get(queue)?.immediate) {
      // Low latency without a worker: run the handler after the response is sent.
      background(c, rt.drain(queue, {}, ns));
    }
    const created = results.some((r) => r.created) ? 201 : 200;
    return batch ? c.json({ jobs: results }, created) : c.json(results[0], created);
  });

  app.post('/queues/:queue/claim', guard('consume', 'queue'), async (c) => {
    const queue = queueParam(c);
    const b = await body(c, claimBody);
    const res = await rt.claim(queue, b, nsOf(c));
    return c.json(b.acks ? { jobs: res.jobs, acks: res.acks } : { jobs: res.jobs });
  });

  app.post('/jobs/:id/ack', guard('consume', 'self'), async (c) => {
    const id = idParam(c);
    const input = await body(c, ackBody, true);
    // Follow-up jobs are enqueues: they need that right, on queues the token may use.
    for (const follow of input.enqueue ?? []) {
      needRight(c.get('scope'), 'enqueue');
      allowQueue(c, follow.queue);
    }
    const res = await rt.ack(id, input, nsOf(c));
    return c.json(res.enqueued.length ? res : { id: res.id, state: res.state });
  });

  app.post('/jobs/:id/nack', guard('consume', 'self'), async (c) => {
    const id = idParam(c);
    return c.json(await rt.nack(id, await body(c, nackBody, true), nsOf(c)));
  });

  app.post('/jobs/:id/extend', guard('consume', 'self'), async (c) => {
    const id = idParam(c);
    return c.json(await rt.extend(id, await body(c, extendBody, true), nsOf(c)));
  });

  app.post('/ack', guard('consume', 'self'), async (c) => {
    const { acks } = await body(c, ackManyBody, true);
    const results = await rt.ackMany(acks, nsOf(c));
    return c.json({ results });
  });

  app.get('/jobs/:id', guard('consume', 'self'), async (c) => {
    const job = await rt.get(idParam(c), nsOf(c));
    allowQueue(c, job.queue);
    return c.json(job);
  });

  app.delete('/jobs/:id', guard('admin', 'self'), async (c) => {
    const id = idParam(c);
    const ns = nsOf(c);
    // With a queue list, the job's queue is read first: one more round trip, only for such tokens.
    if (c.get('scope').queues) allowQueue(c, (await rt.get(id, ns)).queue);
    return c.json(await rt.cancel(id, ns));
  });

  return app;
}
