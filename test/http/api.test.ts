/** The HTTP contract, route by route, on the memory driver (drivers are covered by test/contract). */
import { describe, expect, it } from 'vitest';
import { memoryDriver } from '../../src/drivers/memory/index.js';
import { makeApi } from '../support/api.js';

describe('HTTP API', () => {
  it('enqueues one job, then the same key again', async () => {
    const api = makeApi(memoryDriver());
    const first = await api.call('POST', '/v1/queues/emails/jobs', {
      payload: { to: 'a' },
      key: 'k1',
    });
    expect(first.status).toBe(201);
    expect(first.json).toEqual({ id: expect.any(String), created: true });
    const again = await api.call('POST', '/v1/queues/emails/jobs', {
      payload: { to: 'b' },
      key: 'k1',
    });
    expect(again.status).toBe(200);
    expect(again.json).toEqual({ id: first.json.id, created: false });
  });

  it('enqueues a batch and reports each job', async () => {
    const api = makeApi(memoryDriver());
    const res = await api.call('POST', '/v1/queues/q/jobs', {
      jobs: [{ payload: 1 }, { payload: 2, key: 'x' }, { payload: 3, key: 'x' }],
    });
    expect(res.status).toBe(201);
    expect(res.json.jobs.map((j: { created: boolean }) => j.created)).toEqual([true, true, false]);
    expect(res.json.jobs[1].id).toBe(res.json.jobs[2].id);
  });

  it('runs the whole lifecycle: claim, extend, nack, claim again, ack with follow-ups', async () => {
    const api = makeApi(memoryDriver());
    const { json: created } = await api.call('POST', '/v1/queues/q/jobs', {
      payload: { n: 1 },
      maxAttempts: 3,
    });
    const claim = await api.call('POST', '/v1/queues/q/claim', { limit: 10, leaseMs: 5_000 });
    expect(claim.status).toBe(200);
    const [job] = claim.json.jobs;
    expect(job).toEqual({
      id: created.id,
      queue: 'q',
      payload: { n: 1 },
      priority: 0,
      attempt: 1,
      maxAttempts: 3,
      leaseToken: expect.stringMatching(/^[0-9a-f]{32}$/),
      leaseExpiresAt: new Date(api.clock.now + 5_000).toISOString(),
      createdAt: new Date(api.clock.now).toISOString(),
    });
    const ext = await api.call('POST', `/v1/jobs/${job.id}/extend`, {
      leaseToken: job.leaseToken,
      leaseMs: 60_000,
    });
    expect(ext.json).toEqual({
      id: job.id,
      leaseExpiresAt: new Date(api.clock.now + 60_000).toISOString(),
    });

    const nack = await api.call('POST', `/v1/jobs/${job.id}/nack`, {
      leaseToken: job.leaseToken,
      error: 'smtp down',
      retryInMs: 2_000,
    });
    expect(nack.json).toEqual({
      id: job.id,
      state: 'queued',
      runAt: new Date(api.clock.now + 2_000).toISOString(),
    });
    const early = await api.call('POST', '/v1/queues/q/claim', {});
    expect(early.json).toEqual({ jobs: [] });
    api.clock.now += 2_000;
    const again = await api.call('POST', '/v1/queues/q/claim', {});
    const second = again.json.jobs[0];
    expect(second).toMatchObject({ id: job.id, attempt: 2 });

    const ack = await api.call('POST', `/v1/jobs/${job.id}/ack`, {
      leaseToken: second.leaseToken,
      result: { sent: true },
      enqueue: [{ queue: 'audit', payload: { sent: job.id } }],
    });
    expect(ack.status).toBe(200);
    expect(ack.json).toMatchObject({ id: job.id, state: 'completed' });
    expect(ack.json.enqueued).toHaveLength(1);
    const got = await api.call('GET', `/v1/jobs/${job.id}`);
    expect(got.json).toMatchObject({
      id: job.id,
      state: 'completed',
      result: { sent: true },
      lastError: 'smtp down',
      attempt: 2,
    });
    expect(got.text).not.toContain(second.leaseToken);
    const audit = await api.call('GET', '/v1/queues/audit');
    expect(audit.json.counts.queued).toBe(1);
  });

  it('answers 409 lease_lost to a stale token and changes nothing', async () => {
    const api = makeApi(memoryDriver());
    await api.call('POST', '/v1/queues/q/jobs', { payload: 1, leaseMs: 1_000 });
    const a = (await api.call('POST', '/v1/queues/q/claim', {})).json.jobs[0];
    api.clock.now += 1_001;
    await api.call('POST', '/v1/tick');
    api.clock.now += 60_000;
    const b = (await api.call('POST', '/v1/queues/q/claim', {})).json.jobs[0];
    expect(b.id).toBe(a.id);
    const before = (await api.call('GET', `/v1/jobs/${a.id}`)).json;
    for (const [path, body] of [
      [`/v1/jobs/${a.id}/ack`, { leaseToken: a.leaseToken }],
      [`/v1/jobs/${a.id}/nack`, { leaseToken: a.leaseToken }],
      [`/v1/jobs/${a.id}/extend`, { leaseToken: a.leaseToken, leaseMs: 5_000 }],
    ] as const) {
      const res = await api.call('POST', path, body);
      expect(res.status).toBe(409);
      expect(res.json.error.code).toBe('lease_lost');
    }
    expect((await api.call('GET', `/v1/jobs/${a.id}`)).json).toEqual(before);
    const unknown = await api.call('POST', '/v1/jobs/nope/ack', { leaseToken: 'x' });
    expect(unknown.status).toBe(404);
  });

  it('carries acks on claim and acks in bulk with per-job results', async () => {
    const api = makeApi(memoryDriver());
    await api.call('POST', '/v1/queues/q/jobs', { jobs: [{}, {}, {}, {}] });
    const first = (await api.call('POST', '/v1/queues/q/claim', { limit: 2 })).json.jobs;
    const next = await api.call('POST', '/v1/queues/q/claim', {
      limit: 1,
      acks: first.map((j: { id: string; leaseToken: string }) => ({
        id: j.id,
        leaseToken: j.leaseToken,
      })),
    });
    expect(next.json.acks).toEqual(first.map((j: { id: string }) => ({ id: j.id, ok: true })));
    expect(next.json.jobs).toHaveLength(1);
    const j = next.json.jobs[0];
    const bulk = await api.call('POST', '/v1/ack', {
      acks: [
        { id: j.id, leaseToken: j.leaseToken, result: 7 },
        { id: first[0].id, leaseToken: first[0].leaseToken },
      ],
    });
    expect(bulk.json).toEqual({
      results: [
        { id: j.id, ok: true },
        { id: first[0].id, ok: false, error: 'lease_lost' },
      ],
    });
  });

  it('dead-letters, lists and replays', async () => {
    const api = makeApi(memoryDriver());
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push(
        (await api.call('POST', '/v1/queues/q/jobs', { payload: i, maxAttempts: 1 })).json.id,
      );
    }
    const jobs = (await api.call('POST', '/v1/queues/q/claim', { limit: 3 })).json.jobs;
    for (const j of jobs) {
      const r = await api.call('POST', `/v1/jobs/${j.id}/nack`, {
        leaseToken: j.leaseToken,
        error: `e${j.payload}`,
      });
      expect(r.json.state).toBe('dead');
    }
    const page1 = await api.call('GET', '/v1/queues/q/dead?limit=2');
    expect(page1.json.jobs).toHaveLength(2);
    expect(page1.json.jobs[0]).toMatchObject({ id: ids[0], state: 'dead', lastError: 'e0' });
    const page2 = await api.call('GET', `/v1/queues/q/dead?limit=2&cursor=${page1.json.cursor}`);
    expect(page2.json).toEqual({ jobs: [expect.objectContaining({ id: ids[2] })] });
    const one = await api.call('POST', '/v1/queues/q/dead/replay', { ids: [ids[1]] });
    expect(one.json).toEqual({ replayed: 1 });
    const rest = await api.call('POST', '/v1/queues/q/dead/replay');
    expect(rest.json).toEqual({ replayed: 2 });
    const listed = await api.call('GET', '/v1/queues/q/jobs?state=queued');
    expect(listed.json.jobs).toHaveLength(3);
  });

  it('cancels waiting jobs, refuses active ones, pauses and resumes queues', async () => {
    const api = makeApi(memoryDriver());
    const a = (await api.call('POST', '/v1/queues/q/jobs', { delayMs: 60_000 })).json.id;
    await api.call('POST', '/v1/queues/q/jobs', {});
    expect((await api.call('DELETE', `/v1/jobs/${a}`)).json).toEqual({ id: a, state: 'cancelled' });
    const active = (await api.call('POST', '/v1/queues/q/claim', {})).json.jobs[0];
    const refused = await api.call('DELETE', `/v1/jobs/${active.id}`);
    expect(refused.status).toBe(409);
    expect(refused.json.error.code).toBe('conflict');
    expect((await api.call('DELETE', '/v1/jobs/missing')).status).toBe(404);

    expect((await api.call('POST', '/v1/queues/q/pause')).json).toEqual({
      name: 'q',
      paused: true,
    });
    await api.call('POST', '/v1/queues/q/jobs', {});
    expect((await api.call('POST', '/v1/queues/q/claim', {})).json.jobs).toEqual([]);
    const list = await api.call('GET', '/v1/queues');
    expect(list.json.queues).toEqual([
      {
        name: 'q',
        paused: true,
        counts: { scheduled: 0, queued: 1, active: 1, completed: 0, dead: 0, cancelled: 1 },
      },
    ]);
    await api.call('POST', '/v1/queues/q/resume');
    expect((await api.call('POST', '/v1/queues/q/claim', {})).json.jobs).toHaveLength(1);
    const fresh = await api.call('GET', '/v1/queues/never-used');
    expect(fresh.json).toEqual({
      name: 'never-used',
      paused: false,
      counts: { scheduled: 0, queued: 0, active: 0, completed: 0, dead: 0, cancelled: 0 },
      settingsSource: 'none',
      settings: {},
    });
  });

  it('ticks: reclaims expired leases and prunes past retention', async () => {
    const api = makeApi(memoryDriver(), { completedRetentionMs: 1_000 });
    await api.call('POST', '/v1/queues/q/jobs', { jobs: [{ leaseMs: 1_000 }, {}] });
    const [x, y] = (await api.call('POST', '/v1/queues/q/claim', { limit: 2 })).json.jobs;
    await api.call('POST', `/v1/jobs/${y.id}/ack`, { leaseToken: y.leaseToken });
    api.clock.now += 1_001;
    const tick = await api.call('POST', '/v1/tick');
    expect(tick.json).toMatchObject({ reclaimed: 1, dead: 0, pruned: 1, done: true });
    expect((await api.call('GET', `/v1/jobs/${x.id}`)).json).toMatchObject({
      state: 'scheduled',
      attempt: 1,
      lastError: expect.stringContaining('lease expired'),
    });
    expect((await api.call('GET', `/v1/jobs/${y.id}`)).status).toBe(404);
  });

  it('reports capabilities and health', async () => {
    const api = makeApi(memoryDriver());
    expect((await api.call('GET', '/v1/capabilities')).json).toEqual({
      driver: 'memory',
      capabilities: { durable: false, shared: false, replaySafe: false },
    });
    const health = await api.app.request('/healthz');
    expect(health.status).toBe(200);
  });
});
