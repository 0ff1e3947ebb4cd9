/** Flow control over HTTP and from code: queue settings, groups, deadlines, debounce. */
import { describe, expect, it } from 'vitest';
import { memoryDriver } from '../../src/drivers/memory/index.js';
import { createRuntime } from '../../src/runtime/runtime.js';
import { makeApi } from '../support/api.js';

describe('queue settings over HTTP', () => {
  it('stores settings, reports them, and enforces the limits on claims', async () => {
    const api = makeApi(memoryDriver());
    const put = await api.call('PUT', '/v1/queues/emails', {
      concurrency: 2,
      rate: { limit: 100, per: 'second', burst: 10 },
      maxAttempts: 9,
      backoff: { type: 'fixed', delayMs: 250 },
    });
    expect(put.status).toBe(200);
    expect(put.json).toEqual({
      name: 'emails',
      settingsSource: 'stored',
      settings: {
        concurrency: 2,
        rate: { limit: 100, periodMs: 1_000, burst: 10 },
        maxAttempts: 9,
        backoff: { type: 'fixed', delayMs: 250, jitter: 0 },
      },
    });
    const got = await api.call('GET', '/v1/queues/emails');
    expect(got.json).toMatchObject({ settingsSource: 'stored', settings: put.json.settings });

    await api.call('POST', '/v1/queues/emails/jobs', { jobs: [{}, {}, {}, {}] });
    const claim = await api.call('POST', '/v1/queues/emails/claim', { limit: 10 });
    expect(claim.json.jobs).toHaveLength(2);
    expect(claim.json.jobs[0].maxAttempts).toBe(9);
    const nack = await api.call('POST', `/v1/jobs/${claim.json.jobs[0].id}/nack`, {
      leaseToken: claim.json.jobs[0].leaseToken,
    });
    expect(nack.json.runAt).toBe(new Date(api.clock.now + 250).toISOString());

    const cleared = await api.call('PUT', '/v1/queues/emails', {});
    expect(cleared.json).toEqual({ name: 'emails', settingsSource: 'none', settings: {} });
  });

  it('rejects bad settings with the field named', async () => {
    const api = makeApi(memoryDriver());
    const cases: [unknown, string][] = [
      [{ concurrency: 0 }, 'concurrency'],
      [{ rate: { limit: 10 } }, 'rate'],
      [{ rate: { limit: 10, per: 'second', periodMs: 5 } }, 'rate'],
      [{ rate: { limit: 2, per: 'second', burst: 3 } }, 'rate'],
      [{ backoff: { type: 'exponential', baseMs: 10, maxMs: 5 } }, 'backoff.maxMs'],
      [{ backoff: { type: 'list', delaysMs: [] } }, 'backoff.delaysMs'],
      [{ retention: { completedMs: 10 } }, 'retention'],
      [{ surprise: 1 }, 'surprise'],
    ];
    for (const [body, field] of cases) {
      const res = await api.call('PUT', '/v1/queues/q', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json.error.code).toBe('invalid_request');
      expect(res.json.error.field).toBe(field);
    }
  });

  it('refuses to change a queue configured in code', async () => {
    const api = makeApi(memoryDriver(), {}, { queues: { fixed: { concurrency: 1 } } });
    const res = await api.call('PUT', '/v1/queues/fixed', { concurrency: 5 });
    expect(res.status).toBe(409);
    expect(res.json.error.code).toBe('conflict');
    const got = await api.call('GET', '/v1/queues/fixed');
    expect(got.json).toMatchObject({ settingsSource: 'code', settings: { concurrency: 1 } });
  });
});

describe('job flow fields over HTTP', () => {
  it('carries a group, and a deadline that ends the job dead on the tick', async () => {
    const api = makeApi(memoryDriver());
    const res = await api.call('POST', '/v1/queues/q/jobs', {
      jobs: [{ group: 'tenant-1', ttlMs: 1_000 }, { expiresAt: api.clock.now + 60_000 }],
    });
    const [a, b] = res.json.jobs;
    const job = await api.call('GET', `/v1/jobs/${a.id}`);
    expect(job.json).toMatchObject({
      group: 'tenant-1',
      expiresAt: new Date(api.clock.now + 1_000).toISOString(),
    });
    api.clock.now += 1_000;
    const tick = await api.call('POST', '/v1/tick');
    expect(tick.json.expired).toBe(1);
    expect((await api.call('GET', `/v1/jobs/${a.id}`)).json).toMatchObject({
      state: 'dead',
      lastError: 'expired',
    });
    const claim = await api.call('POST', '/v1/queues/q/claim', { limit: 5 });
    expect(claim.json.jobs.map((j: { id: string }) => j.id)).toEqual([b.id]);
  });

  it('debounces by key: one job, the last payload, run debounceMs after the last enqueue', async () => {
    const api = makeApi(memoryDriver());
    const first = await api.call('POST', '/v1/queues/q/jobs', {
      key: 'user-1',
      debounceMs: 5_000,
      payload: 1,
    });
    expect(first.status).toBe(201);
    api.clock.now += 3_000;
    const second = await api.call('POST', '/v1/queues/q/jobs', {
      key: 'user-1',
      debounceMs: 5_000,
      payload: 2,
    });
    expect(second.status).toBe(200);
    expect(second.json).toEqual({ id: first.json.id, created: false, debounced: true });
    const job = (await api.call('GET', `/v1/jobs/${first.json.id}`)).json;
    expect(job).toMatchObject({
      payload: 2,
      debounceKey: 'user-1',
      runAt: new Date(api.clock.now + 5_000).toISOString(),
    });
    expect(job.key).toBeUndefined();
  });

  it('rejects contradictory flow fields', async () => {
    const api = makeApi(memoryDriver());
    const now = api.clock.now;
    const cases: [unknown, string][] = [
      [{ debounceMs: 10 }, 'key'],
      [{ key: 'k', debounceMs: 10, delayMs: 5 }, 'debounceMs'],
      [{ ttlMs: 10, expiresAt: now + 50 }, 'ttlMs'],
      [{ expiresAt: now - 1 }, 'expiresAt'],
      [{ delayMs: 100, ttlMs: 50 }, 'ttlMs'],
      [{ expiresAt: 'soon' }, 'expiresAt'],
      [{ group: '' }, 'group'],
    ];
    for (const [body, field] of cases) {
      const res = await api.call('POST', '/v1/queues/q/jobs', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json.error.field, JSON.stringify(body)).toBe(field);
    }
  });
});

describe('queue settings in code', () => {
  it('applies limits and job defaults without reading the store', async () => {
    const clock = { now: Date.UTC(2026, 0, 1) };
    const rt = createRuntime({
      driver: memoryDriver(),
      now: () => clock.now,
      queues: {
        q: {
          concurrency: 1,
          maxAttempts: 2,
          leaseMs: 4_000,
          backoff: { type: 'list', delaysMs: [7] },
        },
      },
    });
    await rt.enqueue('q', [{}, {}]);
    const calls = rt.calls;
    const first = await rt.claim('q', { limit: 5 });
    expect(rt.calls - calls).toBe(1);
    expect(first.jobs).toHaveLength(1);
    expect(first.jobs[0]).toMatchObject({
      maxAttempts: 2,
      leaseExpiresAt: new Date(clock.now + 4_000).toISOString(),
    });
    expect((await rt.claim('q', { limit: 5 })).jobs).toEqual([]);
    const n = await rt.nack(first.jobs[0]!.id, { leaseToken: first.jobs[0]!.leaseToken });
    expect(n.runAt).toBe(new Date(clock.now + 7).toISOString());
  });

  it('prunes a queue with its own retention, and the rest with the default', async () => {
    const clock = { now: Date.UTC(2026, 0, 1) };
    const rt = createRuntime({
      driver: memoryDriver(),
      now: () => clock.now,
      limits: { completedRetentionMs: 10_000 },
      queues: { short: { retention: { completedMs: 1_000 } } },
    });
    for (const q of ['short', 'other']) {
      await rt.enqueue(q, [{}]);
      const [j] = (await rt.claim(q)).jobs;
      await rt.ack(j!.id, { leaseToken: j!.leaseToken });
    }
    clock.now += 2_000;
    expect((await rt.tick()).pruned).toBe(1);
    expect((await rt.queue('short')).counts.completed).toBe(0);
    expect((await rt.queue('other')).counts.completed).toBe(1);
    clock.now += 10_000;
    expect((await rt.tick()).pruned).toBe(1);
  });

  it('refuses invalid settings in code at startup', () => {
    expect(() =>
      createRuntime({ driver: memoryDriver(), queues: { q: { concurrency: -1 } } }),
    ).toThrow(/settings of queue "q": concurrency/);
  });
});
