/**
 * Real answers of the app, success and error, validate against the responses the document
 * gives for their route and status: every operation is called at least once with a 2xx, and
 * each error status the API uses is provoked for real (a full store, a down store, a corrupt
 * row, a token over its rate).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@libsql/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as z from 'zod';
import type { ScheduleView } from '../../src/cron/store.js';
import type { TickResult } from '../../src/cron/tick.js';
import { libsqlDriver } from '../../src/drivers/libsql/index.js';
import { memoryDriver } from '../../src/drivers/memory/index.js';
import type * as res from '../../src/handlers/responses.js';
import { openApiDocument } from '../../src/openapi/document.js';
import { ROUTES } from '../../src/openapi/table.js';
import type { PushView } from '../../src/push/queues.js';
import type { DrainResult } from '../../src/runtime/handlers.js';
import type { ClaimedView, JobView } from '../../src/runtime/views.js';
import { type FaultyStore, hranaStore } from '../faults/stores.js';
import { type Harness, harness, type Reply } from '../observe/harness.js';
import { checker } from './validate.js';

// Compile-time: what the runtime's views hold fits the documented schemas.
type Fits<A, B> = [A] extends [B] ? true : false;
const fits: [
  Fits<JobView, z.output<typeof res.jobResponse>>,
  Fits<ClaimedView, z.output<typeof res.claimedJob>>,
  Fits<TickResult, z.output<typeof res.tickResponse>>,
  Fits<DrainResult, z.output<typeof res.drainResponse>>,
  Fits<ScheduleView, z.output<typeof res.scheduleResponse>>,
  Fits<PushView, z.output<typeof res.pushResponse>>,
] = [true, true, true, true, true, true];

const doc = openApiDocument();
const { check, operation } = checker(doc);

/** Operations answered with a 2xx, and statuses seen, across the whole file. */
const succeeded = new Set<string>();
const statuses = new Set<number>();

async function checked(h: Harness, method: string, path: string, opts = {}): Promise<Reply> {
  const r = await h.call(method, path, opts);
  const problems = check(method, path, r.status, r.headers.get('content-type') ?? '', r.json);
  expect(problems, `${method} ${path} -> ${r.status} ${r.text.slice(0, 300)}`).toEqual([]);
  const hit = operation(method, path);
  if (hit && r.status < 300) succeeded.add(hit.op.operationId);
  statuses.add(r.status);
  return r;
}

describe('answers match the document', () => {
  it('every route, in a working session on the memory driver', async () => {
    expect(fits.every(Boolean)).toBe(true);
    const h = harness(memoryDriver(), {
      runtime: {
        handlers: { h: async (job) => ({ ran: job.id }) },
        pushPolicy: { allowlist: ['hooks.example.com'] },
      },
    });
    const call = (method: string, path: string, opts = {}) => checked(h, method, path, opts);
    const q = '/v1/queues/emails';

    expect((await call('GET', '/healthz', { token: null })).status).toBe(200);
    expect((await call('POST', `${q}/jobs`, { body: { payload: 1, key: 'k' } })).status).toBe(201);
    expect((await call('POST', `${q}/jobs`, { body: { payload: 1, key: 'k' } })).status).toBe(200);
    await call('POST', `${q}/jobs`, { body: { jobs: [{ payload: 2 }, { payload: 3 }] } });
    await call('POST', `${q}/jobs`, { body: { payload: 'later', delayMs: 60_000 } });
    const claimed = (await call('POST', `${q}/claim`, { body: { limit: 3 } })).json.jobs;
    expect(claimed).toHaveLength(3);
    const [a, b, c] = claimed as { id: string; leaseToken: string }[];
    await call('POST', `/v1/jobs/${a!.id}/extend`, {
      body: { leaseToken: a!.leaseToken, leaseMs: 60_000 },
    });
    await call('POST', `/v1/jobs/${a!.id}/ack`, {
      body: { leaseToken: a!.leaseToken, result: { ok: 1 }, enqueue: [{ queue: 'audit' }] },
    });
    await call('POST', `/v1/jobs/${b!.id}/nack`, { body: { leaseToken: b!.leaseToken } });
    await call('POST', `/v1/jobs/${c!.id}/nack`, {
      body: { leaseToken: c!.leaseToken, dead: true },
    });
    // A stale lease: 409 lease_lost.
    expect(
      (await call('POST', `/v1/jobs/${a!.id}/ack`, { body: { leaseToken: 'stale' } })).status,
    ).toBe(409);
    await call('POST', '/v1/ack', { body: { acks: [{ id: a!.id, leaseToken: 'stale' }] } });
    await call('POST', `${q}/claim`, { body: { acks: [{ id: a!.id, leaseToken: 'stale' }] } });
    await call('GET', `/v1/jobs/${a!.id}`);
    await call('GET', '/v1/queues');
    await call('GET', q);
    await call('PUT', q, { body: { concurrency: 2, rate: { limit: 10, per: 'second' } } });
    await call('POST', `${q}/pause`);
    await call('POST', `${q}/resume`);
    const waiting = (await call('GET', `${q}/jobs?state=scheduled&limit=1`)).json.jobs[0];
    await call('GET', `${q}/jobs?state=completed`);
    await call('DELETE', `/v1/jobs/${waiting.id}`);
    // Finished jobs cannot be cancelled: 409 conflict.
    expect((await call('DELETE', `/v1/jobs/${a!.id}`)).status).toBe(409);
    await call('GET', `${q}/dead?limit=10`);
    await call('POST', `${q}/dead/replay`, { body: {} });
    await call('PUT', `${q}/push`, { body: { url: 'https://hooks.example.com/edgeq' } });
    await call('GET', `${q}/push`);
    await call('DELETE', `${q}/push`);
    await call('POST', '/v1/queues/h/jobs', { body: { payload: 'work' } });
    await call('POST', '/v1/queues/h/drain');
    await call('PUT', '/v1/schedules/nightly', { body: { cron: '0 3 * * *', queue: 'emails' } });
    await call('PUT', '/v1/schedules/nightly', {
      body: { cron: '0 4 * * *', queue: 'emails', payload: { kind: 'report' } },
    });
    await call('GET', '/v1/schedules');
    await call('GET', '/v1/schedules/nightly');
    await call('POST', '/v1/schedules/nightly/pause');
    await call('POST', '/v1/schedules/nightly/resume');
    await call('DELETE', '/v1/schedules/nightly');
    await call('POST', '/v1/tick');
    await call('GET', '/v1/capabilities');
    await call('GET', '/metrics');
    await call('GET', '/openapi.json', { token: null });
    await call('GET', '/docs', { token: null });

    // Errors the routes answer themselves.
    expect((await call('POST', `${q}/jobs`, { body: { payload: 1, bogus: true } })).status).toBe(
      400,
    );
    expect((await call('GET', `${q}/jobs?state=nope`)).status).toBe(400);
    expect((await call('GET', `/v1/jobs/${a!.id.replace(/.$/, 'Z')}`)).status).toBe(404);
    expect((await call('GET', '/v1/schedules/nightly')).status).toBe(404);
    expect((await call('GET', '/v1/queues', { token: null })).status).toBe(401);
    expect((await call('GET', '/metrics', { token: 'wrong-token-0123456789' })).status).toBe(401);
    const big = 'x'.repeat(1024 * 1024 + 1);
    expect((await call('POST', `${q}/jobs`, { body: { payload: big } })).status).toBe(413);
  });

  it('403 and 429 for scoped tokens', async () => {
    const enq = 'scoped-enqueue-token-0123456789';
    const limited = 'scoped-limited-token-0123456789';
    const h = harness(memoryDriver(), {
      tokens: [
        { token: enq, ns: 'acme', rights: ['enqueue'], queues: ['emails'] },
        { token: limited, ns: 'acme', rights: ['admin'], rate: { limit: 1, per: 'minute' } },
      ],
    });
    expect((await checked(h, 'POST', '/v1/queues/emails/claim', { token: enq })).status).toBe(403);
    expect(
      (await checked(h, 'POST', '/v1/queues/other/jobs', { token: enq, body: {} })).status,
    ).toBe(403);
    expect((await checked(h, 'GET', '/metrics', { token: enq })).status).toBe(403);
    expect((await checked(h, 'GET', '/v1/queues', { token: limited })).status).toBe(200);
    const over = await checked(h, 'GET', '/v1/queues', { token: limited });
    expect([over.status, Number(over.headers.get('retry-after'))]).toEqual([429, 60]);
  });

  describe('503 from a store that is down', () => {
    let store: FaultyStore;
    beforeAll(async () => {
      store = await hranaStore(7);
    });
    afterAll(async () => {
      await store?.close();
    });

    it('every storage route answers the documented 503', async () => {
      const h = harness(store.driver);
      store.endpoint.faults = { down: true };
      try {
        const jobs = { body: { payload: 1 } };
        expect((await checked(h, 'POST', '/v1/queues/q/jobs', jobs)).status).toBe(503);
        const claim = { body: { limit: 1 } };
        expect((await checked(h, 'POST', '/v1/queues/q/claim', claim)).status).toBe(503);
        expect((await checked(h, 'GET', '/metrics')).status).toBe(503);
        expect((await checked(h, 'GET', '/v1/schedules')).status).toBe(503);
      } finally {
        store.endpoint.faults = {};
      }
    });
  });

  it('500 for a row the store cannot give back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgeq-openapi-500-'));
    try {
      const client = createClient({ url: `file:${join(dir, 'q.db')}` });
      const driver = libsqlDriver({ client, local: 'file' });
      const h = harness(driver);
      const { id } = (await checked(h, 'POST', '/v1/queues/q/jobs', { body: { payload: 1 } })).json;
      await client.execute({
        sql: 'UPDATE edgeq_jobs SET payload = ? WHERE id = ?',
        args: ['{', id],
      });
      expect((await checked(h, 'GET', `/v1/jobs/${id}`)).status).toBe(500);
      await driver.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the check catches an answer that drifts from the document', () => {
    const job = { id: 'x', queue: 'q', state: 'queued', payload: null, priority: 0 };
    const json = 'application/json';
    // Missing required fields, an undocumented field, a wrong enum, an undocumented status.
    expect(check('GET', '/v1/jobs/x', 200, json, job).length).toBeGreaterThan(0);
    const full = {
      ...job,
      attempt: 0,
      maxAttempts: 5,
      runAt: '2026-01-01T00:00:00.000Z',
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
    };
    expect(check('GET', '/v1/jobs/x', 200, json, full)).toEqual([]);
    expect(check('GET', '/v1/jobs/x', 200, json, { ...full, leaseToken: 't' })).not.toEqual([]);
    expect(check('GET', '/v1/jobs/x', 200, json, { ...full, state: 'lost' })).not.toEqual([]);
    expect(check('GET', '/v1/jobs/x', 418, json, full)).not.toEqual([]);
    const lost = { error: { code: 'lease_lost', message: 'm' } };
    expect(check('POST', '/v1/jobs/x/ack', 409, json, lost)).toEqual([]);
    expect(
      check('POST', '/v1/jobs/x/ack', 409, json, { error: { code: 'nope', message: 'm' } }),
    ).not.toEqual([]);
  });

  it('covered every operation with a 2xx and every error status', () => {
    const missing = ROUTES.map((r) => r.operationId).filter((id) => !succeeded.has(id));
    expect(missing).toEqual([]);
    for (const s of [200, 201, 400, 401, 403, 404, 409, 413, 429, 500, 503]) {
      expect(statuses.has(s), String(s)).toBe(true);
    }
  });
});
