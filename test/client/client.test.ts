/**
 * Every method of `EdgeqClient` against a live `edgeq serve` on a libSQL file, each answer
 * checked against what the server then reports. `drain` needs an in-process handler, which
 * `edgeq serve` cannot register, so it runs against the same app served in this process.
 */

import type { AddressInfo } from 'node:net';
import { serve as honoServe } from '@hono/node-server';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTO_KEY_PREFIX, EdgeqApiError, EdgeqClient } from '../../src/client/index.js';
import { memoryDriver } from '../../src/drivers/memory/index.js';
import { createApp } from '../../src/handlers/app.js';
import { createRuntime } from '../../src/runtime/runtime.js';
import { type Edgeq, pause, startEdgeq, TOKEN } from './support.js';

let edgeq: Edgeq;
let client: EdgeqClient;

beforeAll(async () => {
  edgeq = await startEdgeq({ driver: 'libsql' });
  client = new EdgeqClient({ url: edgeq.url, token: TOKEN });
});
afterAll(() => edgeq?.stop());

/** The API error a call rejects with. */
async function apiError(p: Promise<unknown>): Promise<EdgeqApiError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(EdgeqApiError);
  return err as EdgeqApiError;
}

describe('EdgeqClient against edgeq serve (libSQL file)', () => {
  it('health and capabilities', async () => {
    expect(await client.health()).toEqual({ ok: true, driver: 'libsql' });
    const caps = await client.capabilities();
    expect(caps.driver).toBe('libsql');
    expect(caps.capabilities).toMatchObject({ durable: true, shared: true });
  });

  it('takes a custom fetch, such as undici with its own agent', async () => {
    const agent = new Agent({ connections: 4 });
    let calls = 0;
    const custom = new EdgeqClient({
      url: edgeq.url,
      token: TOKEN,
      fetch: (url, init) => {
        calls++;
        return undiciFetch(url, { ...init, dispatcher: agent });
      },
    });
    const { id } = await custom.enqueue('custom-fetch');
    expect((await custom.get(id)).queue).toBe('custom-fetch');
    expect(calls).toBe(2);
    const bare = new EdgeqClient({ url: edgeq.url, token: TOKEN, fetch: undiciFetch });
    expect((await bare.health()).ok).toBe(true);
    await agent.close();
  });

  it('enqueues one job with a minted key, one with its own key twice, a batch and a debounce', async () => {
    const one = await client.enqueue('mail', { payload: { to: 'ada' }, priority: 3 });
    expect(one).toEqual({ id: expect.any(String), created: true });
    const stored = await client.get(one.id);
    expect(stored).toMatchObject({ id: one.id, queue: 'mail', state: 'queued', priority: 3 });
    expect(stored.payload).toEqual({ to: 'ada' });
    expect(stored.key?.startsWith(AUTO_KEY_PREFIX)).toBe(true);

    const first = await client.enqueue('mail', { payload: 1, key: 'order-7' });
    const again = await client.enqueue('mail', { payload: 2, key: 'order-7' });
    expect(again).toEqual({ id: first.id, created: false });

    const batch = await client.enqueueBatch('mail', [{ payload: 'a' }, { payload: 'b', key: 'b' }]);
    expect(batch.jobs.map((j) => j.created)).toEqual([true, true]);
    expect((await client.queue('mail')).counts.queued).toBe(4);

    const d1 = await client.enqueue('mail', { payload: 'v1', key: 'doc-1', debounceMs: 60_000 });
    const d2 = await client.enqueue('mail', { payload: 'v2', key: 'doc-1', debounceMs: 60_000 });
    expect(d2).toEqual({ id: d1.id, created: false, debounced: true });
    const debounced = await client.get(d1.id);
    expect(debounced).toMatchObject({ state: 'scheduled', payload: 'v2', debounceKey: 'doc-1' });
    expect(debounced.key).toBeUndefined(); // a debounce keeps its own key, no minted one

    const plain = new EdgeqClient({ url: edgeq.url, token: TOKEN, autoKeys: false });
    expect((await client.get((await plain.enqueue('mail')).id)).key).toBeUndefined();
  });

  it('claims, extends, acks on the next claim, acks with follow-ups, nacks and acks many', async () => {
    const { jobs: made } = await client.enqueueBatch('work', [
      { payload: 1 },
      { payload: 2 },
      { payload: 3 },
    ]);
    const ids = made.map((j) => j.id);
    const first = await client.claim('work', { limit: 2, leaseMs: 5_000 });
    expect(first.acks).toBeUndefined();
    expect(first.jobs.map((j) => j.id)).toEqual(ids.slice(0, 2));
    const [a, b] = first.jobs;
    expect(a).toMatchObject({
      queue: 'work',
      payload: 1,
      attempt: 1,
      leaseToken: expect.any(String),
    });

    const ext = await client.extend(a!.id, { leaseToken: a!.leaseToken, leaseMs: 60_000 });
    expect(ext.id).toBe(a!.id);
    expect(Date.parse(ext.leaseExpiresAt)).toBeGreaterThan(Date.parse(a!.leaseExpiresAt));

    const second = await client.claim('work', {
      limit: 5,
      acks: [{ id: a!.id, leaseToken: a!.leaseToken, result: { sent: 1 } }],
    });
    expect(second.acks).toEqual([{ id: a!.id, ok: true }]);
    expect(second.jobs.map((j) => j.id)).toEqual([ids[2]]);
    expect(await client.get(a!.id)).toMatchObject({ state: 'completed', result: { sent: 1 } });

    const acked = await client.ack(b!.id, {
      leaseToken: b!.leaseToken,
      result: 'done',
      enqueue: [{ queue: 'follow', payload: { after: b!.id } }],
    });
    expect(acked).toEqual({
      id: b!.id,
      state: 'completed',
      enqueued: [{ id: expect.any(String), created: true }],
    });
    expect((await client.get(acked.enqueued![0]!.id)).payload).toEqual({ after: b!.id });

    const c = second.jobs[0]!;
    const nacked = await client.nack(c.id, {
      leaseToken: c.leaseToken,
      error: 'boom',
      retryInMs: 0,
    });
    expect(nacked).toEqual({ id: c.id, state: 'queued', runAt: expect.any(String) });
    expect(await client.get(c.id)).toMatchObject({
      state: 'queued',
      lastError: 'boom',
      attempt: 1,
    });

    const retry = await client.claim('work');
    expect(retry.jobs[0]).toMatchObject({ id: c.id, attempt: 2 });
    const many = await client.ackMany([
      { id: c.id, leaseToken: retry.jobs[0]!.leaseToken },
      { id: c.id, leaseToken: 'stale-token' },
    ]);
    expect(many.results).toEqual([
      { id: c.id, ok: true },
      { id: c.id, ok: false, error: 'lease_lost' },
    ]);
    expect((await client.queue('work')).counts).toMatchObject({ completed: 3, active: 0 });
  });

  it('cancels a waiting job, and says conflict for an active one', async () => {
    const { id } = await client.enqueue('later', { delayMs: 60_000 });
    expect(await client.cancel(id)).toEqual({ id, state: 'cancelled' });
    expect((await client.get(id)).state).toBe('cancelled');
    const { id: busy } = await client.enqueue('later');
    await client.claim('later');
    const err = await apiError(client.cancel(busy));
    expect(err).toMatchObject({ code: 'conflict', status: 409 });
  });

  it('reads queues, replaces settings, pauses and resumes', async () => {
    await client.enqueue('settings-q');
    const all = await client.queues();
    expect(all.queues.find((q) => q.name === 'settings-q')?.counts.queued).toBe(1);

    expect(await client.queue('settings-q')).toMatchObject({
      name: 'settings-q',
      paused: false,
      settingsSource: 'none',
      settings: {},
    });
    const put = await client.putQueueSettings('settings-q', {
      concurrency: 2,
      rate: { limit: 10, per: 'second' },
    });
    expect(put).toEqual({
      name: 'settings-q',
      settingsSource: 'stored',
      settings: { concurrency: 2, rate: { limit: 10, periodMs: 1_000, burst: 1 } },
    });
    expect((await client.queue('settings-q')).settings.concurrency).toBe(2);
    expect(await client.putQueueSettings('settings-q', {})).toMatchObject({
      settingsSource: 'none',
    });

    expect(await client.pause('settings-q')).toEqual({ name: 'settings-q', paused: true });
    expect((await client.queue('settings-q')).paused).toBe(true);
    expect((await client.claim('settings-q')).jobs).toEqual([]);
    expect(await client.resume('settings-q')).toEqual({ name: 'settings-q', paused: false });
    expect((await client.claim('settings-q')).jobs).toHaveLength(1);
  });

  it('lists jobs by state page by page, and iterates over every page', async () => {
    const { jobs } = await client.enqueueBatch(
      'listed',
      Array.from({ length: 25 }, (_, i) => ({ payload: i })),
    );
    const ids = jobs.map((j) => j.id);
    const page1 = await client.listJobs('listed', { state: 'queued', limit: 10 });
    expect(page1.jobs.map((j) => j.id)).toEqual(ids.slice(0, 10));
    expect(page1.cursor).toBeDefined();
    const page2 = await client.listJobs('listed', {
      state: 'queued',
      limit: 10,
      cursor: page1.cursor,
    });
    expect(page2.jobs.map((j) => j.id)).toEqual(ids.slice(10, 20));

    const seen: string[] = [];
    for await (const job of client.allJobs('listed', { state: 'queued', limit: 10 }))
      seen.push(job.id);
    expect(seen).toEqual(ids);
    expect((await client.listJobs('listed', { state: 'completed' })).jobs).toEqual([]);
  });

  it('lists dead jobs and replays them', async () => {
    const { jobs } = await client.enqueueBatch('fragile', [
      { payload: 1, maxAttempts: 1 },
      { payload: 2, maxAttempts: 1 },
    ]);
    const claimed = await client.claim('fragile', { limit: 2 });
    for (const j of claimed.jobs) {
      expect(
        await client.nack(j.id, { leaseToken: j.leaseToken, error: `fail ${j.payload}` }),
      ).toEqual({ id: j.id, state: 'dead' });
    }
    const dead = await client.dead('fragile', { limit: 1 });
    expect(dead.jobs).toHaveLength(1);
    expect(dead.jobs[0]).toMatchObject({ id: jobs[0]!.id, state: 'dead', lastError: 'fail 1' });
    expect((await client.dead('fragile', { cursor: dead.cursor })).jobs.map((j) => j.id)).toEqual([
      jobs[1]!.id,
    ]);

    expect(await client.replay('fragile', [jobs[0]!.id])).toEqual({ replayed: 1 });
    expect(await client.get(jobs[0]!.id)).toMatchObject({ state: 'queued', attempt: 0 });
    expect(await client.replay('fragile')).toEqual({ replayed: 1 });
    expect((await client.queue('fragile')).counts).toMatchObject({ queued: 2, dead: 0 });
  });

  it('binds, reads and removes a push endpoint', async () => {
    const bound = await client.putPush('hooks', { url: 'https://hooks.example.com/edgeq' });
    expect(bound).toEqual({
      queue: 'hooks',
      url: 'https://hooks.example.com/edgeq',
      secrets: [expect.stringMatching(/^whsec_/)],
    });
    expect(await client.getPush('hooks')).toEqual({
      queue: 'hooks',
      url: 'https://hooks.example.com/edgeq',
      secrets: 1,
    });
    expect(await client.deletePush('hooks')).toEqual({ queue: 'hooks', push: null });
    expect((await apiError(client.getPush('hooks'))).code).toBe('not_found');
  });

  it('runs the tick, which puts an expired lease back', async () => {
    const { id } = await client.enqueue('ticked');
    await client.claim('ticked', { leaseMs: 1_000 });
    await pause(1_100);
    const tick = await client.tick();
    expect(tick.reclaimed).toBeGreaterThanOrEqual(1);
    expect(tick.done).toBe(true);
    expect(typeof tick.elapsedMs).toBe('number');
    // Back to wait out the retry backoff, its attempt spent.
    expect(await client.get(id)).toMatchObject({
      state: 'scheduled',
      attempt: 1,
      lastError: expect.stringContaining('lease expired'),
    });
  });

  it('creates, reads, pauses, resumes and deletes schedules', async () => {
    const input = { cron: '0 3 * * *', tz: 'Europe/Paris', queue: 'reports', payload: { r: 1 } };
    const made = await client.putSchedule('nightly', input);
    expect(made.created).toBe(true);
    expect(made.schedule).toMatchObject({ name: 'nightly', ...input, paused: false, catchUp: 1 });
    expect(made.schedule.nextRunAt).toMatch(/T0[12]:00:00.000Z$/); // 03:00 in Paris
    expect((await client.putSchedule('nightly', input)).created).toBe(false);

    expect((await client.schedules()).schedules.map((s) => s.name)).toEqual(['nightly']);
    expect((await client.schedule('nightly')).cron).toBe('0 3 * * *');
    const paused = await client.pauseSchedule('nightly');
    expect(paused.paused).toBe(true);
    expect(paused.nextRunAt).toBeUndefined();
    expect((await client.resumeSchedule('nightly')).paused).toBe(false);
    expect(await client.deleteSchedule('nightly')).toEqual({ name: 'nightly', deleted: true });
    expect((await apiError(client.schedule('nightly'))).status).toBe(404);
  });

  it('reads the OpenAPI document and the Prometheus metrics', async () => {
    const doc = await new EdgeqClient({ url: edgeq.url }).openapi(); // no token needed
    expect(doc.openapi).toMatch(/^3\.1/);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/queues/{queue}/jobs', '/v1/queues/{queue}/claim', '/v1/ack']),
    );
    await client.enqueue('metered');
    const text = await client.metrics();
    expect(text).toContain('# TYPE edgeq_jobs gauge');
    expect(text).toMatch(/edgeq_jobs\{ns="default",queue="metered",state="queued"\} 1/);
  });

  it('says not_found for drain on edgeq serve, which has no in-process handlers', async () => {
    const err = await apiError(client.drain('mail'));
    expect(err).toMatchObject({ code: 'not_found', status: 404 });
    expect(err.message).toContain('no handler');
  });
});

describe('EdgeqClient.drain against an app with a handler, served over HTTP in-process', () => {
  it('runs the handler over the queue and reports the counts', async () => {
    const rt = createRuntime({
      driver: memoryDriver(),
      handlers: { thumbs: (job) => ({ made: job.payload }) },
    });
    const app = createApp(rt, { token: TOKEN });
    const server = honoServe({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    try {
      const { port } = server.address() as AddressInfo;
      const local = new EdgeqClient({ url: `http://127.0.0.1:${port}`, token: TOKEN });
      const { jobs } = await local.enqueueBatch('thumbs', [{ payload: 'a' }, { payload: 'b' }]);
      expect(await local.drain('thumbs')).toEqual({
        ran: 2,
        completed: 2,
        failed: 0,
        lost: 0,
        done: true,
      });
      expect(await local.get(jobs[1]!.id)).toMatchObject({
        state: 'completed',
        result: { made: 'b' },
      });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
