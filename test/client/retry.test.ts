/**
 * Retry safety against a live `edgeq serve`, through a loopback proxy that lets serve handle a
 * request and then cuts the connection before the answer: the client sees a network error, the
 * effect has happened, and the retry must not repeat it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EdgeqApiError, EdgeqClient, EdgeqNetworkError } from '../../src/client/index.js';
import { type Edgeq, type LossyProxy, pause, startEdgeq, startProxy, TOKEN } from './support.js';

let edgeq: Edgeq;
let proxy: LossyProxy;
let client: EdgeqClient;
let direct: EdgeqClient;

beforeAll(async () => {
  edgeq = await startEdgeq();
  proxy = await startProxy(edgeq.url);
  client = new EdgeqClient({ url: proxy.url, token: TOKEN, retryDelayMs: 10 });
  direct = new EdgeqClient({ url: edgeq.url, token: TOKEN });
});
afterAll(async () => {
  await proxy?.close();
  await edgeq?.stop();
});

const post = (path: string) => (method: string, p: string) => method === 'POST' && p === path;

describe('enqueue after a lost answer', () => {
  it('stores exactly one job, and the retry answers its id', async () => {
    proxy.dropNext(post('/v1/queues/once/jobs'));
    const res = await client.enqueue('once', { payload: { n: 1 } });
    expect(proxy.count('POST', '/v1/queues/once/jobs')).toBe(2);
    expect(res.created).toBe(false); // the first try created it; the retry found it by key
    const { jobs } = await direct.listJobs('once', { state: 'queued' });
    expect(jobs.map((j) => j.id)).toEqual([res.id]);
    expect(jobs[0]!.payload).toEqual({ n: 1 });
  });

  it('stores each job of a batch once', async () => {
    proxy.dropNext(post('/v1/queues/batch/jobs'));
    const res = await client.enqueueBatch('batch', [
      { payload: 1 },
      { payload: 2 },
      { payload: 3 },
    ]);
    expect(proxy.count('POST', '/v1/queues/batch/jobs')).toBe(2);
    const { jobs } = await direct.listJobs('batch', { state: 'queued' });
    expect(jobs.map((j) => j.id)).toEqual(res.jobs.map((j) => j.id));
    expect(jobs.map((j) => j.payload)).toEqual([1, 2, 3]);
  });

  it('is not retried without a key (autoKeys: false), so the caller sees the failure', async () => {
    const unkeyed = new EdgeqClient({ url: proxy.url, token: TOKEN, autoKeys: false });
    proxy.dropNext(post('/v1/queues/unkeyed/jobs'));
    const err = await unkeyed.enqueue('unkeyed').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EdgeqNetworkError);
    expect((err as EdgeqNetworkError).attempts).toBe(1);
    // The job exists all the same: exactly why keyless enqueues must not be repeated blindly.
    expect((await direct.queue('unkeyed')).counts.queued).toBe(1);
  });
});

describe('settling after a lost answer', () => {
  it('an ack whose first try landed is confirmed by reading the job', async () => {
    const { id } = await direct.enqueue('acks');
    const [job] = (await direct.claim('acks')).jobs;
    proxy.dropNext(post(`/v1/jobs/${id}/ack`));
    const res = await client.ack(id, { leaseToken: job!.leaseToken, result: { ok: 1 } });
    expect(res).toEqual({ id, state: 'completed', confirmed: true });
    expect(proxy.count('POST', `/v1/jobs/${id}/ack`)).toBe(2);
    expect(await direct.get(id)).toMatchObject({ state: 'completed', result: { ok: 1 } });
  });

  it('an ack whose lease really was lost still fails, after the same retry', async () => {
    // No retry delay, so the reclaimed job is due at once for the other consumer.
    await direct.putQueueSettings('stolen', { backoff: { type: 'fixed', delayMs: 0 } });
    const { id } = await direct.enqueue('stolen');
    const [mine] = (await direct.claim('stolen', { leaseMs: 1_000 })).jobs;
    await pause(1_050);
    expect((await direct.tick()).reclaimed).toBe(1); // the lease expired: the job goes back
    const [theirs] = (await direct.claim('stolen')).jobs;
    expect(theirs?.id).toBe(id);
    await direct.ack(id, { leaseToken: theirs!.leaseToken, result: 'theirs' });

    proxy.dropNext(post(`/v1/jobs/${id}/ack`));
    const err = await client
      .ack(id, { leaseToken: mine!.leaseToken, result: 'mine' })
      .catch((e) => e);
    expect(err).toBeInstanceOf(EdgeqApiError);
    expect(err).toMatchObject({ code: 'lease_lost', attempts: 2 });
    expect((await direct.get(id)).result).toBe('theirs');
  });

  it('a nack whose first try landed is confirmed', async () => {
    const { id } = await direct.enqueue('nacks');
    const [job] = (await direct.claim('nacks')).jobs;
    proxy.dropNext(post(`/v1/jobs/${id}/nack`));
    const res = await client.nack(id, {
      leaseToken: job!.leaseToken,
      error: 'flaky',
      retryInMs: 0,
    });
    expect(res).toMatchObject({ id, state: 'queued', confirmed: true });
    expect(await direct.get(id)).toMatchObject({ state: 'queued', lastError: 'flaky' });
  });

  it("a claim's piggybacked acks and ackMany are confirmed after a lost answer", async () => {
    const { jobs: made } = await direct.enqueueBatch('piggy', [{}, {}, {}]);
    const first = await direct.claim('piggy', { limit: 2 });
    proxy.dropNext(post('/v1/queues/piggy/claim'));
    const res = await client.claim('piggy', {
      acks: first.jobs.map((j) => ({ id: j.id, leaseToken: j.leaseToken })),
    });
    expect(res.acks).toEqual(first.jobs.map((j) => ({ id: j.id, ok: true })));
    expect(res.jobs).toEqual([]); // the lost first try leased the third job
    expect(await direct.queue('piggy')).toMatchObject({ counts: { completed: 2, active: 1 } });

    const [third] = (await direct.listJobs('piggy', { state: 'active' })).jobs;
    expect(third!.id).toBe(made[2]!.id);
    const { jobs: more } = await direct.enqueueBatch('piggy', [{}, {}]);
    const leased = await direct.claim('piggy', { limit: 2 });
    proxy.dropNext(post('/v1/ack'));
    const many = await client.ackMany(
      leased.jobs.map((j) => ({ id: j.id, leaseToken: j.leaseToken })),
    );
    expect(many.results).toEqual(more.map((j) => ({ id: j.id, ok: true })));
  });

  it('a delete whose first try landed counts as done', async () => {
    await direct.putSchedule('gone', { cron: '@daily', queue: 'q' });
    proxy.dropNext((m, p) => m === 'DELETE' && p === '/v1/schedules/gone');
    expect(await client.deleteSchedule('gone')).toEqual({ name: 'gone', deleted: true });
    expect(proxy.count('DELETE', '/v1/schedules/gone')).toBe(2);
  });
});
