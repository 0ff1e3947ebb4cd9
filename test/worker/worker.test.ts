import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { ReadableStream } from 'node:stream/web';
import { fileURLToPath } from 'node:url';
import { createClient } from '@libsql/client';
import { Redis } from '@upstash/redis';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type HranaServer, startHranaServer } from '../support/hrana-server.js';
import { tryJson } from '../support/json.js';
import { startUpstashServer, type UpstashServer } from '../support/upstash-server.js';
import { wrangler } from '../support/wrangler.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const TOKEN = 'worker-test-token-0123456789';
const COMPAT_DATE = '2026-04-01'; // as in wrangler.toml
const MiB = 1024 * 1024;

let buildDir = '';
let scriptPath = '';
let buildLog = '';

interface Reply {
  status: number;
  json: any;
  text: string;
  headers: Headers;
}

/** Builds the Worker with wrangler's own bundler, offline, as `wrangler deploy` would. */
async function buildWorker(): Promise<void> {
  await mkdir(join(ROOT, '.wrangler'), { recursive: true });
  // Under the repo: Miniflare wants the script under its cwd. Unique so parallel runs don't clash.
  buildDir = await mkdtemp(join(ROOT, '.wrangler', 'test-build-'));
  const { stdout, stderr } = await wrangler(['deploy', '--dry-run', '--outdir', buildDir]);
  buildLog = `${stdout}\n${stderr}`;
  scriptPath = join(buildDir, 'worker.js');
  await stat(scriptPath);
}

/** Starts workerd on the built module; its stdout and stderr are collected into `logs`. */
function startWorker(bindings: Record<string, string>, logs: string[] = []): Miniflare {
  return new Miniflare({
    modules: true,
    scriptPath,
    compatibilityDate: COMPAT_DATE,
    bindings,
    handleRuntimeStdio(out: Readable, err: Readable) {
      out.on('data', (chunk: Buffer) => logs.push(chunk.toString('utf8')));
      err.on('data', (chunk: Buffer) => logs.push(chunk.toString('utf8')));
    },
  });
}

async function call(
  mf: Miniflare,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` },
): Promise<Reply> {
  const init: { method: string; headers: Record<string, string>; body?: string } = {
    method,
    headers: { ...headers },
  };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    init.headers['content-type'] = 'application/json';
  }
  const res = await mf.dispatchFetch(`http://edgeq.test${path}`, init);
  const text = await res.text();
  return {
    status: res.status,
    json: tryJson(text),
    text,
    headers: res.headers as unknown as Headers,
  };
}

/** Expects a JSON error with this status and code, and never a 500. */
function expectError(r: Reply, status: number, code: string): void {
  expect(r.status, r.text).toBe(status);
  expect(r.headers.get('content-type')).toMatch(/^application\/json/);
  expect(r.json).toMatchObject({ error: { code, message: expect.any(String) } });
}

async function fireScheduled(mf: Miniflare): Promise<void> {
  const worker = await mf.getWorker();
  const res = await worker.scheduled({ cron: '* * * * *', scheduledTime: new Date() });
  expect(res.outcome).toBe('ok');
}

beforeAll(buildWorker, 60_000);

afterAll(async () => {
  if (buildDir) await rm(buildDir, { recursive: true, force: true });
});

describe('the wrangler build', () => {
  it('bundles the Worker into one module well under the Workers size limit', async () => {
    const files = await readdir(buildDir);
    expect(files.filter((f) => /\.m?js$/.test(f))).toEqual(['worker.js']);
    const m = /Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/.exec(buildLog);
    expect(m, buildLog).not.toBeNull();
    const gzipKiB = Number(m![2]);
    // Free plan limit: 3 MiB compressed. Today about 214 KiB; 1 MiB leaves room but flags bloat.
    expect(gzipKiB).toBeGreaterThan(0);
    expect(gzipKiB).toBeLessThan(1024);
  });
});

describe('Worker without EDGEQ_TOKEN', () => {
  let mf: Miniflare;
  beforeAll(async () => {
    mf = startWorker({});
    await mf.ready;
  });
  afterAll(() => mf?.dispose());

  it('answers /healthz without a token', async () => {
    const r = await call(mf, 'GET', '/healthz', undefined, {});
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ ok: true, driver: 'memory' });
  });

  const ID = '01JZZZZZZZZZZZZZZZZZZZZZZZ';
  const routes: [string, string, unknown?][] = [
    ['POST', '/v1/queues/q/jobs', { payload: 1 }],
    ['GET', '/v1/queues/q/jobs?state=queued'],
    ['POST', '/v1/queues/q/claim', {}],
    ['POST', `/v1/jobs/${ID}/ack`, { leaseToken: 't' }],
    ['POST', `/v1/jobs/${ID}/nack`, { leaseToken: 't' }],
    ['POST', `/v1/jobs/${ID}/extend`, { leaseToken: 't', leaseMs: 5000 }],
    ['POST', '/v1/ack', { acks: [{ id: ID, leaseToken: 't' }] }],
    ['GET', `/v1/jobs/${ID}`],
    ['DELETE', `/v1/jobs/${ID}`],
    ['GET', '/v1/queues'],
    ['GET', '/v1/queues/q'],
    ['POST', '/v1/queues/q/pause'],
    ['POST', '/v1/queues/q/resume'],
    ['GET', '/v1/queues/q/dead'],
    ['POST', '/v1/queues/q/dead/replay', {}],
    ['POST', '/v1/tick'],
    ['GET', '/v1/capabilities'],
    ['GET', '/v1/no-such-route'],
  ];

  it('answers every /v1 route 401 naming EDGEQ_TOKEN, with or without a bearer token', async () => {
    for (const [method, path, body] of routes) {
      for (const headers of [{}, { authorization: 'Bearer anything' }] as Record<
        string,
        string
      >[]) {
        const r = await call(mf, method, path, body, headers);
        expectError(r, 401, 'unauthorized');
        expect(r.json.error.message, `${method} ${path}`).toContain('EDGEQ_TOKEN');
        expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/);
      }
    }
  });
});

describe('Worker with EDGEQ_TOKEN and the memory driver', () => {
  let mf: Miniflare;
  const logs: string[] = [];
  beforeAll(async () => {
    mf = startWorker({ EDGEQ_TOKEN: TOKEN }, logs);
    await mf.ready;
  });
  afterAll(() => mf?.dispose());

  it('serves health and capabilities from the memory driver', async () => {
    expect((await call(mf, 'GET', '/healthz')).json).toEqual({ ok: true, driver: 'memory' });
    const caps = await call(mf, 'GET', '/v1/capabilities');
    expect(caps.status).toBe(200);
    expect(caps.json).toMatchObject({ driver: 'memory', capabilities: { durable: false } });
    // The Worker warns that memory is not durable (workerd output, read back through Miniflare).
    await expect.poll(() => logs.join(''), { timeout: 5_000 }).toContain('in-memory driver');
  });

  it('enqueue, get, claim, extend, ack: state persists across requests in the isolate', async () => {
    const q = 'mem-flow';
    const enq = await call(mf, 'POST', `/v1/queues/${q}/jobs`, { payload: { n: 1 }, priority: 5 });
    expect(enq.status).toBe(201);
    expect(enq.json).toEqual({ id: expect.any(String), created: true });
    const id: string = enq.json.id;

    const dup = await call(mf, 'POST', `/v1/queues/${q}/jobs`, { payload: 2, key: 'k1' });
    const again = await call(mf, 'POST', `/v1/queues/${q}/jobs`, { payload: 3, key: 'k1' });
    expect([dup.status, again.status]).toEqual([201, 200]);
    expect(again.json).toEqual({ id: dup.json.id, created: false });

    const got = await call(mf, 'GET', `/v1/jobs/${id}`);
    expect(got.status).toBe(200);
    expect(got.json).toMatchObject({
      id,
      queue: q,
      state: 'queued',
      payload: { n: 1 },
      attempt: 0,
    });

    const counts = await call(mf, 'GET', `/v1/queues/${q}`);
    expect(counts.json).toMatchObject({ name: q, paused: false, counts: { queued: 2, active: 0 } });

    const claim = await call(mf, 'POST', `/v1/queues/${q}/claim`, { limit: 1 });
    expect(claim.status).toBe(200);
    expect(claim.json.jobs).toHaveLength(1);
    const [job] = claim.json.jobs;
    expect(job).toMatchObject({
      id,
      attempt: 1,
      payload: { n: 1 },
      leaseToken: expect.any(String),
    });

    const ext = await call(mf, 'POST', `/v1/jobs/${id}/extend`, {
      leaseToken: job.leaseToken,
      leaseMs: 60_000,
    });
    expect(ext.status).toBe(200);
    expect(Date.parse(ext.json.leaseExpiresAt)).toBeGreaterThan(Date.parse(job.leaseExpiresAt));

    const ack = await call(mf, 'POST', `/v1/jobs/${id}/ack`, {
      leaseToken: job.leaseToken,
      result: { ok: 1 },
    });
    expect(ack.status).toBe(200);
    expect(ack.json).toEqual({ id, state: 'completed' });

    const done = await call(mf, 'GET', `/v1/jobs/${id}`);
    expect(done.json).toMatchObject({ state: 'completed', result: { ok: 1 } });
    const listed = await call(mf, 'GET', `/v1/queues/${q}/jobs?state=completed`);
    expect(listed.json.jobs.map((j: { id: string }) => j.id)).toEqual([id]);
    const all = await call(mf, 'GET', '/v1/queues');
    expect(all.json.queues.map((x: { name: string }) => x.name)).toContain(q);
  });

  it('a stale lease token gets 409 lease_lost; nack retries, cancel cancels', async () => {
    const q = 'mem-fence';
    const { json: e } = await call(mf, 'POST', `/v1/queues/${q}/jobs`, { payload: 'x' });
    const first = (await call(mf, 'POST', `/v1/queues/${q}/claim`, {})).json.jobs[0];
    expect(first.id).toBe(e.id);

    const nack = await call(mf, 'POST', `/v1/jobs/${e.id}/nack`, {
      leaseToken: first.leaseToken,
      error: 'boom',
      retryInMs: 0,
    });
    expect(nack.status).toBe(200);
    expect(nack.json).toMatchObject({ id: e.id, state: 'queued', runAt: expect.any(String) });

    // The first lease is gone: every fenced call with its token is a 409.
    for (const [path, body] of [
      [`/v1/jobs/${e.id}/ack`, { leaseToken: first.leaseToken }],
      [`/v1/jobs/${e.id}/nack`, { leaseToken: first.leaseToken }],
      [`/v1/jobs/${e.id}/extend`, { leaseToken: first.leaseToken, leaseMs: 5_000 }],
    ] as const) {
      expectError(await call(mf, 'POST', path, body), 409, 'lease_lost');
    }
    const second = (await call(mf, 'POST', `/v1/queues/${q}/claim`, {})).json.jobs[0];
    expect(second).toMatchObject({ id: e.id, attempt: 2 });
    expect((await call(mf, 'GET', `/v1/jobs/${e.id}`)).json.lastError).toBe('boom');
    const batch = await call(mf, 'POST', '/v1/ack', {
      acks: [
        { id: e.id, leaseToken: first.leaseToken },
        { id: e.id, leaseToken: second.leaseToken },
      ],
    });
    expect(batch.json.results).toEqual([
      { id: e.id, ok: false, error: 'lease_lost' },
      { id: e.id, ok: true },
    ]);

    const { json: c } = await call(mf, 'POST', `/v1/queues/${q}/jobs`, { delayMs: 60_000 });
    expect((await call(mf, 'DELETE', `/v1/jobs/${c.id}`)).json).toEqual({
      id: c.id,
      state: 'cancelled',
    });
    expect((await call(mf, 'DELETE', `/v1/jobs/${c.id}`)).status).toBe(200); // idempotent
    const finished = await call(mf, 'DELETE', `/v1/jobs/${e.id}`);
    expectError(finished, 409, 'conflict');
    expect(finished.json.error.message).toContain('completed');
    expectError(await call(mf, 'GET', '/v1/jobs/nope'), 404, 'not_found');
  });

  it('pause stops claims, resume restarts them', async () => {
    const q = 'mem-pause';
    await call(mf, 'POST', `/v1/queues/${q}/jobs`, { payload: 1 });
    expect((await call(mf, 'POST', `/v1/queues/${q}/pause`)).json).toEqual({
      name: q,
      paused: true,
    });
    expect((await call(mf, 'GET', `/v1/queues/${q}`)).json.paused).toBe(true);
    expect((await call(mf, 'POST', `/v1/queues/${q}/claim`, {})).json.jobs).toEqual([]);
    expect((await call(mf, 'POST', `/v1/queues/${q}/resume`)).json).toEqual({
      name: q,
      paused: false,
    });
    expect((await call(mf, 'POST', `/v1/queues/${q}/claim`, {})).json.jobs).toHaveLength(1);
  });

  it('dead-letters on nack {dead:true}, lists dead jobs and replays them', async () => {
    const q = 'mem-dead';
    const { json: e } = await call(mf, 'POST', `/v1/queues/${q}/jobs`, { payload: 'd' });
    const j = (await call(mf, 'POST', `/v1/queues/${q}/claim`, {})).json.jobs[0];
    const nack = await call(mf, 'POST', `/v1/jobs/${e.id}/nack`, {
      leaseToken: j.leaseToken,
      error: 'fatal',
      dead: true,
    });
    expect(nack.json).toEqual({ id: e.id, state: 'dead' });
    const dead = await call(mf, 'GET', `/v1/queues/${q}/dead`);
    expect(dead.status).toBe(200);
    expect(dead.json.jobs).toMatchObject([{ id: e.id, state: 'dead', lastError: 'fatal' }]);
    expect((await call(mf, 'GET', `/v1/queues/${q}`)).json.counts.dead).toBe(1);

    const replay = await call(mf, 'POST', `/v1/queues/${q}/dead/replay`, { ids: [e.id] });
    expect(replay.json).toEqual({ replayed: 1 });
    expect((await call(mf, 'GET', `/v1/jobs/${e.id}`)).json.state).toBe('queued');
    expect((await call(mf, 'GET', `/v1/queues/${q}/dead`)).json.jobs).toEqual([]);
  });

  it('POST /v1/tick runs the tick and reports what it did', async () => {
    const r = await call(mf, 'POST', '/v1/tick');
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ reclaimed: 0, dead: 0, done: true, pruned: expect.any(Number) });
  });

  it('bad requests get a 4xx JSON error, never a 500', async () => {
    const q = 'mem-bad';
    const json = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
    expectError(
      await call(mf, 'POST', `/v1/queues/${q}/jobs`, '{"payload":'),
      400,
      'invalid_request',
    );
    expectError(await call(mf, 'POST', `/v1/queues/${q}/jobs`, ''), 400, 'invalid_request');
    expectError(await call(mf, 'POST', `/v1/queues/${q}/claim`, '[1,'), 400, 'invalid_request');

    const unknown = await call(mf, 'POST', `/v1/queues/${q}/jobs`, { payload: 1, colour: 'red' });
    expectError(unknown, 400, 'invalid_request');
    expect(unknown.json.error).toMatchObject({ field: 'colour' });
    expect(unknown.json.error.message).toContain('colour');
    const badClaim = await call(mf, 'POST', `/v1/queues/${q}/claim`, { limit: 0 });
    expectError(badClaim, 400, 'invalid_request');
    expect(badClaim.json.error.field).toBe('limit');
    expectError(await call(mf, 'POST', '/v1/queues/bad%20name/jobs', {}), 400, 'invalid_request');

    // Oversized: with a content-length, and streamed without one.
    const big = JSON.stringify({ payload: 'x'.repeat(MiB + 16) });
    expectError(await call(mf, 'POST', `/v1/queues/${q}/jobs`, big), 413, 'payload_too_large');
    const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(ctrl) {
        if (sent > MiB + chunk.length) return ctrl.close();
        ctrl.enqueue(sent === 0 ? new TextEncoder().encode('{"payload":"') : chunk);
        sent += chunk.length;
      },
    });
    const res = await mf.dispatchFetch(`http://edgeq.test/v1/queues/${q}/jobs`, {
      method: 'POST',
      headers: json,
      body: stream,
      duplex: 'half',
    });
    const text = await res.text();
    expect(res.status, text).toBe(413);
    expect(JSON.parse(text)).toMatchObject({ error: { code: 'payload_too_large' } });
    expect((await call(mf, 'GET', `/v1/queues/${q}`)).json.counts.queued).toBe(0);

    // Auth with a token configured.
    expectError(await call(mf, 'GET', '/v1/queues', undefined, {}), 401, 'unauthorized');
    for (const authorization of ['Bearer wrong', 'Basic abc', `Bearer ${TOKEN}x`, 'Bearer']) {
      const r = await call(mf, 'GET', '/v1/queues', undefined, { authorization });
      expectError(r, 401, 'unauthorized');
    }
    expectError(await call(mf, 'GET', '/v1/nope'), 404, 'not_found');
    expect(logs.join('')).not.toContain('unexpected error');
  });

  it('the scheduled (cron) handler reclaims an expired lease', async () => {
    const q = 'mem-cron';
    const { json: e } = await call(mf, 'POST', `/v1/queues/${q}/jobs`, {
      payload: 'c',
      leaseMs: 1_000,
    });
    const claimed = await call(mf, 'POST', `/v1/queues/${q}/claim`, {});
    expect(claimed.json.jobs[0]).toMatchObject({ id: e.id, attempt: 1 });
    const expires = Date.parse(claimed.json.jobs[0].leaseExpiresAt);
    // workerd runs on the real clock: wait until the lease has strictly expired.
    await new Promise((r) => setTimeout(r, Math.max(0, expires - Date.now()) + 100));
    await fireScheduled(mf);
    // The tick runs in ctx.waitUntil; workerd reports the scheduled outcome once it settled.
    const job = (await call(mf, 'GET', `/v1/jobs/${e.id}`)).json;
    expect(job).toMatchObject({
      state: expect.stringMatching(/^(queued|scheduled)$/),
      attempt: 1,
      lastError: expect.stringContaining('lease'),
    });
    expect(job.leaseExpiresAt).toBeUndefined();
    expectError(
      await call(mf, 'POST', `/v1/jobs/${e.id}/ack`, {
        leaseToken: claimed.json.jobs[0].leaseToken,
      }),
      409,
      'lease_lost',
    );
  });
});

describe('Worker with LIBSQL_URL: libSQL over HTTP to a real SQLite file', () => {
  let mf: Miniflare;
  let hrana: HranaServer;
  let dir: string;
  let dbPath: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edgeq-worker-libsql-'));
    dbPath = join(dir, 'edgeq.db');
    hrana = await startHranaServer({ path: dbPath, authToken: 'hrana-secret' });
    mf = startWorker({
      EDGEQ_TOKEN: TOKEN,
      LIBSQL_URL: hrana.url,
      LIBSQL_AUTH_TOKEN: 'hrana-secret',
    });
    await mf.ready;
  });
  afterAll(async () => {
    await mf?.dispose();
    await hrana?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('enqueue, claim and ack from workerd land in the SQLite file', async () => {
    expect((await call(mf, 'GET', '/healthz')).json).toEqual({ ok: true, driver: 'libsql' });
    const caps = await call(mf, 'GET', '/v1/capabilities');
    expect(caps.json).toEqual({
      driver: 'libsql',
      capabilities: { durable: true, shared: true, replaySafe: false },
    });

    const before = hrana.requests;
    const enq = await call(mf, 'POST', '/v1/queues/durable/jobs', { payload: { hello: 'sqlite' } });
    expect(enq.status, enq.text).toBe(201);
    const id: string = enq.json.id;

    const direct = createClient({ url: `file:${dbPath}` });
    try {
      const stateOf = async () => {
        const rs = await direct.execute({
          sql: 'SELECT state FROM edgeq_jobs WHERE id = ?',
          args: [id],
        });
        return rs.rows[0]?.state;
      };
      expect(await stateOf()).toBe('queued');

      const claim = await call(mf, 'POST', '/v1/queues/durable/claim', { limit: 5 });
      expect(claim.status, claim.text).toBe(200);
      expect(claim.json.jobs).toMatchObject([{ id, attempt: 1, payload: { hello: 'sqlite' } }]);
      expect(await stateOf()).toBe('active');

      const ack = await call(mf, 'POST', `/v1/jobs/${id}/ack`, {
        leaseToken: claim.json.jobs[0].leaseToken,
        result: 42,
      });
      expect(ack.status, ack.text).toBe(200);
      expect(ack.json).toEqual({ id, state: 'completed' });
      expect(await stateOf()).toBe('completed');
      expect((await call(mf, 'GET', `/v1/jobs/${id}`)).json).toMatchObject({
        state: 'completed',
        result: 42,
      });
    } finally {
      direct.close();
    }
    // Every write went over HTTP to the Hrana server.
    expect(hrana.requests - before).toBeGreaterThanOrEqual(3);
  });

  it('the scheduled handler runs the tick against libSQL', async () => {
    await fireScheduled(mf);
    const r = await call(mf, 'POST', '/v1/tick');
    expect(r.status, r.text).toBe(200);
    expect(r.json).toMatchObject({ reclaimed: 0, dead: 0, done: true });
  });

  it('storage that refuses or cannot be reached is a 503 driver_unavailable, not a 500', async () => {
    const refusedBefore = hrana.requests;
    const logs: string[] = [];
    const cases: Record<string, string>[] = [
      { LIBSQL_URL: hrana.url, LIBSQL_AUTH_TOKEN: 'wrong-secret' }, // the server answers 401
      { LIBSQL_URL: 'http://127.0.0.1:1' }, // nothing listens there
    ];
    for (const storage of cases) {
      const bad = startWorker({ EDGEQ_TOKEN: TOKEN, ...storage }, logs);
      try {
        expect((await call(bad, 'GET', '/healthz')).json).toEqual({ ok: true, driver: 'libsql' });
        const r = await call(bad, 'POST', '/v1/queues/durable/jobs', { payload: 1 });
        expectError(r, 503, 'driver_unavailable');
        expect(r.text).not.toContain('secret');
      } finally {
        await bad.dispose();
      }
    }
    // The wrong token was sent and refused before any pipeline ran.
    expect(hrana.requests).toBe(refusedBefore);
    expect(logs.join('')).toContain('storage call failed');
  });
});

describe('a misconfigured Worker', () => {
  it('answers JSON 500 naming no detail, logs the cause, and its cron tick does not throw', async () => {
    const logs: string[] = [];
    const mf = startWorker({ EDGEQ_TOKEN: TOKEN, EDGEQ_LEASE_MS: 'abc' }, logs);
    try {
      await mf.ready;
      const r = await call(mf, 'POST', '/v1/queues/q/jobs', { payload: 1 });
      expect(r.status).toBe(500);
      expect(r.json).toEqual({
        error: { code: 'internal', message: 'edgeq is misconfigured; see the Worker logs' },
      });
      await fireScheduled(mf);
      await vi.waitFor(() => expect(logs.join('')).toContain('EDGEQ_LEASE_MS must be a positive'));
    } finally {
      await mf.dispose();
    }
  });
});

describe('Worker with UPSTASH_REDIS_REST_*: Upstash REST to the real Redis', () => {
  let mf: Miniflare;
  let upstash: UpstashServer;
  const prefix = `{edgeqworker-${Math.random().toString(36).slice(2, 8)}}`;
  beforeAll(async () => {
    upstash = await startUpstashServer();
    mf = startWorker({
      EDGEQ_TOKEN: TOKEN,
      UPSTASH_REDIS_REST_URL: upstash.url,
      UPSTASH_REDIS_REST_TOKEN: upstash.token,
      EDGEQ_REDIS_PREFIX: prefix,
      // LIBSQL_URL is set too: Upstash wins when both are configured.
      LIBSQL_URL: 'http://127.0.0.1:1',
    });
    await mf.ready;
  });
  afterAll(async () => {
    await mf?.dispose();
    const redis = new Redis({ url: upstash.url, token: upstash.token });
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    await upstash?.close();
  });

  it('enqueue, claim, ack and tick from workerd land in Redis, one REST request each', async () => {
    expect((await call(mf, 'GET', '/healthz')).json).toEqual({ ok: true, driver: 'upstash' });
    const enq = await call(mf, 'POST', '/v1/queues/redis/jobs', { payload: { hello: 'redis' } });
    expect(enq.status, enq.text).toBe(201);
    const id: string = enq.json.id;
    const redis = new Redis({
      url: upstash.url,
      token: upstash.token,
      automaticDeserialization: false,
    });
    expect(await redis.hget(`${prefix}:default:j:${id}`, 's')).toBe('queued');

    const before = upstash.requests;
    const claim = await call(mf, 'POST', '/v1/queues/redis/claim', { limit: 5 });
    expect(claim.json.jobs).toMatchObject([{ id, attempt: 1, payload: { hello: 'redis' } }]);
    // One script call, one request (the script cache is warm after the enqueue's fallback).
    expect(upstash.requests - before).toBeLessThanOrEqual(2);
    const ack = await call(mf, 'POST', `/v1/jobs/${id}/ack`, {
      leaseToken: claim.json.jobs[0].leaseToken,
      result: 'sent',
    });
    expect(ack.json).toEqual({ id, state: 'completed' });
    expect(await redis.hget(`${prefix}:default:j:${id}`, 's')).toBe('completed');
    await fireScheduled(mf);
    expect((await call(mf, 'GET', '/v1/queues/redis')).json.counts.completed).toBe(1);
  });

  it('queue settings stored through the Worker limit its claims, one REST request each', async () => {
    const put = await call(mf, 'PUT', '/v1/queues/limited', {
      concurrency: 2,
      groupConcurrency: 1,
    });
    expect(put.json.settingsSource).toBe('stored');
    const jobs = [{ group: 'a' }, { group: 'a' }, { group: 'b' }, { group: 'c' }];
    await call(mf, 'POST', '/v1/queues/limited/jobs', { jobs });
    const before = upstash.requests;
    const first = await call(mf, 'POST', '/v1/queues/limited/claim', { limit: 10 });
    expect(upstash.requests - before).toBe(1);
    expect(first.json.jobs.map((j: { group: string }) => j.group)).toEqual(['a', 'b']);
    expect((await call(mf, 'POST', '/v1/queues/limited/claim', { limit: 10 })).json.jobs).toEqual(
      [],
    );
  });
});
