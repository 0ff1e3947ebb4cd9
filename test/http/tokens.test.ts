/**
 * Scoped tokens and tenants over HTTP: each token acts in its namespace, within its rights and
 * queue list; another tenant's jobs are simply not found; per-token rate limits answer 429 with
 * Retry-After; a bad configuration stops startup with a message that holds no token; and no
 * token ever appears in a response or a log line.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { libsqlDriver } from '../../src/drivers/libsql/index.js';
import { memoryDriver } from '../../src/drivers/memory/index.js';
import type { Driver } from '../../src/drivers/types.js';
import { createApp } from '../../src/handlers/app.js';
import { parseTokens, type TokenConfig, tokensFromEnv } from '../../src/handlers/tokens.js';
import { createWorker } from '../../src/handlers/worker.js';
import { serve } from '../../src/node/serve.js';
import { createRuntime } from '../../src/runtime/runtime.js';
import { tryJson } from '../support/json.js';

const ADMIN = 'admin-secret-0123456789abcdef';
const A = 'tenant-a-secret-0123456789';
const B = 'tenant-b-secret-0123456789';
const A_ENQ = 'a-enqueue-only-0123456789';
const A_CON = 'a-consume-only-0123456789';
const A_ADM = 'a-admin-only-0123456789ab';
const A_PRODUCER = 'a-producer-emails-0123456789';
const A_WORKER = 'a-worker-emails-0123456789';
const A_EMAILS_ADMIN = 'a-emails-admin-0123456789';
const A_CHAIN = 'a-chain-emails-0123456789';
const ROOT = 'default-admin-scoped-0123456789';
const RATED = 'rated-secret-0123456789abc';
const SLOW = 'slow-secret-0123456789abcd';

const TOKENS: TokenConfig[] = [
  { token: A, ns: 'tenant-a', rights: ['enqueue', 'consume', 'admin'] },
  { token: B, ns: 'tenant-b', rights: ['enqueue', 'consume', 'admin'] },
  { token: A_ENQ, ns: 'tenant-a', rights: ['enqueue'] },
  { token: A_CON, ns: 'tenant-a', rights: ['consume'] },
  { token: A_ADM, ns: 'tenant-a', rights: ['admin'] },
  { token: A_PRODUCER, ns: 'tenant-a', rights: ['enqueue'], queues: ['emails'] },
  { token: A_WORKER, ns: 'tenant-a', rights: ['consume'], queues: ['emails'] },
  { token: A_EMAILS_ADMIN, ns: 'tenant-a', rights: ['admin'], queues: ['emails'] },
  { token: A_CHAIN, ns: 'tenant-a', rights: ['enqueue', 'consume'], queues: ['emails'] },
  { token: ROOT, ns: 'default', rights: ['admin'] },
  { token: RATED, ns: 'tenant-r', rights: ['enqueue'], rate: { limit: 3, per: 'second' } },
  { token: SLOW, ns: 'tenant-r', rights: ['enqueue'], rate: { limit: 2, per: 'minute' } },
];
/** Every secret this file uses, including near misses presented as tokens. */
const SECRETS = [ADMIN, ...TOKENS.map((t) => t.token)];
const PRESENTED = [...SECRETS, `${A}x`, A.slice(0, -1), 'wrong-secret-0123456789'];

/** Every response body and header, and every console line, checked for secrets at the end. */
const seen: string[] = [];
const logged: string[] = [];

interface Reply {
  status: number;
  json: any;
  text: string;
  headers: Headers;
}

function tenantApi(driver: Driver, tokens: TokenConfig[] = TOKENS) {
  const clock = { now: Date.UTC(2026, 0, 1) };
  const rt = createRuntime({ driver, now: () => clock.now });
  const app = createApp(rt, { token: ADMIN, tokens });
  const call = async (
    token: string | undefined,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<Reply> => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    const res = await app.request(path, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    seen.push(text, JSON.stringify([...res.headers]));
    return { status: res.status, json: tryJson(text), text, headers: res.headers };
  };
  return { rt, app, clock, call };
}

beforeAll(() => {
  for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    const original = console[level];
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      logged.push(args.map(String).join(' '));
      original(...args);
    });
  }
});
afterAll(() => vi.restoreAllMocks());

const JOB = '01KDVDNA000000NVC5EF8CW6QK';
type Right = 'enqueue' | 'consume' | 'admin';
/** Every /v1 route with the right it needs: a test below checks no route is missing. */
const ROUTES: [method: string, pattern: string, path: string, right: Right, body?: unknown][] = [
  ['POST', '/v1/queues/:queue/jobs', '/v1/queues/q/jobs', 'enqueue', {}],
  ['POST', '/v1/queues/:queue/claim', '/v1/queues/q/claim', 'consume', {}],
  ['POST', '/v1/jobs/:id/ack', `/v1/jobs/${JOB}/ack`, 'consume', { leaseToken: 'x' }],
  ['POST', '/v1/jobs/:id/nack', `/v1/jobs/${JOB}/nack`, 'consume', { leaseToken: 'x' }],
  [
    'POST',
    '/v1/jobs/:id/extend',
    `/v1/jobs/${JOB}/extend`,
    'consume',
    { leaseToken: 'x', leaseMs: 5_000 },
  ],
  ['POST', '/v1/ack', '/v1/ack', 'consume', { acks: [{ id: JOB, leaseToken: 'x' }] }],
  ['GET', '/v1/jobs/:id', `/v1/jobs/${JOB}`, 'consume'],
  ['DELETE', '/v1/jobs/:id', `/v1/jobs/${JOB}`, 'admin'],
  ['GET', '/v1/queues', '/v1/queues', 'admin'],
  ['GET', '/v1/queues/:queue', '/v1/queues/q', 'admin'],
  ['PUT', '/v1/queues/:queue', '/v1/queues/q', 'admin', {}],
  ['POST', '/v1/queues/:queue/pause', '/v1/queues/q/pause', 'admin'],
  ['POST', '/v1/queues/:queue/resume', '/v1/queues/q/resume', 'admin'],
  ['GET', '/v1/queues/:queue/jobs', '/v1/queues/q/jobs?state=queued', 'admin'],
  ['GET', '/v1/queues/:queue/dead', '/v1/queues/q/dead', 'admin'],
  ['POST', '/v1/queues/:queue/dead/replay', '/v1/queues/q/dead/replay', 'admin', {}],
  [
    'PUT',
    '/v1/queues/:queue/push',
    '/v1/queues/q/push',
    'admin',
    { url: 'https://example.com/hook' },
  ],
  ['GET', '/v1/queues/:queue/push', '/v1/queues/q/push', 'admin'],
  ['DELETE', '/v1/queues/:queue/push', '/v1/queues/q/push', 'admin'],
  ['POST', '/v1/queues/:queue/drain', '/v1/queues/q/drain', 'admin'],
  ['POST', '/v1/tick', '/v1/tick', 'admin'],
  ['GET', '/v1/capabilities', '/v1/capabilities', 'admin'],
  ['GET', '/v1/schedules', '/v1/schedules', 'admin'],
  [
    'PUT',
    '/v1/schedules/:name',
    '/v1/schedules/s',
    'admin',
    { cron: '* * * * *', queue: 'q', payload: 1 },
  ],
  ['GET', '/v1/schedules/:name', '/v1/schedules/s', 'admin'],
  ['POST', '/v1/schedules/:name/pause', '/v1/schedules/s/pause', 'admin'],
  ['POST', '/v1/schedules/:name/resume', '/v1/schedules/s/resume', 'admin'],
  ['DELETE', '/v1/schedules/:name', '/v1/schedules/s', 'admin'],
];

describe('scopes', () => {
  it('lists every /v1 route in the rights table', () => {
    const { app } = tenantApi(memoryDriver());
    const routes = app.routes
      .filter((r) => r.method !== 'ALL' && r.path.startsWith('/v1/'))
      .map((r) => `${r.method} ${r.path}`);
    expect(new Set(routes)).toEqual(new Set(ROUTES.map(([m, p]) => `${m} ${p}`)));
  });

  it('answers 401 without a known token and 403 naming the missing right', async () => {
    const { call } = tenantApi(memoryDriver());
    for (const [method, , path, , body] of ROUTES) {
      for (const token of [undefined, `${A}x`, 'short']) {
        const r = await call(token, method, path, body);
        expect(r.status, `${method} ${path}`).toBe(401);
        expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/);
      }
    }
    const r = await call(A_ENQ, 'POST', '/v1/queues/q/claim', {});
    expect(r.status).toBe(403);
    expect(r.json.error).toEqual({
      code: 'forbidden',
      message: 'this token lacks the consume right',
    });
    expect(r.headers.get('www-authenticate')).toBeNull();
  });

  it('gives each right exactly its routes', async () => {
    const { call } = tenantApi(memoryDriver());
    const single: [string, Right][] = [
      [A_ENQ, 'enqueue'],
      [A_CON, 'consume'],
      [A_ADM, 'admin'],
    ];
    for (const [token, has] of single) {
      for (const [method, , path, right, body] of ROUTES) {
        if (path === '/v1/tick') continue; // global: below
        const r = await call(token, method, path, body);
        if (right === has) {
          expect([401, 403], `${has}: ${method} ${path} -> ${r.text}`).not.toContain(r.status);
          expect(r.status).toBeLessThan(500);
        } else {
          expect(r.status, `${has}: ${method} ${path}`).toBe(403);
          expect(r.json.error.message).toContain(`lacks the ${right} right`);
        }
      }
    }
  });

  it('runs the global tick only for an admin of namespace default without a queue list', async () => {
    const { call } = tenantApi(memoryDriver());
    expect((await call(ADMIN, 'POST', '/v1/tick')).status).toBe(200);
    expect((await call(ROOT, 'POST', '/v1/tick')).status).toBe(200);
    const tenant = await call(A, 'POST', '/v1/tick');
    expect(tenant.status).toBe(403);
    expect(tenant.json.error.message).toMatch(/namespace default/);
    expect((await call(A_EMAILS_ADMIN, 'POST', '/v1/tick')).status).toBe(403);
    expect((await call(A_ENQ, 'POST', '/v1/tick')).status).toBe(403);
  });
});

describe('queue lists', () => {
  it('confine producers and workers to their queues', async () => {
    const { call } = tenantApi(memoryDriver());
    const ok = await call(A_PRODUCER, 'POST', '/v1/queues/emails/jobs', { payload: 1 });
    expect(ok.status).toBe(201);
    const other = await call(A_PRODUCER, 'POST', '/v1/queues/reports/jobs', { payload: 2 });
    expect(other.status).toBe(403);
    expect(other.json.error.message).toBe('this token may not use queue reports');
    const report = (await call(A, 'POST', '/v1/queues/reports/jobs', { payload: 3 })).json.id;

    expect((await call(A_WORKER, 'POST', '/v1/queues/reports/claim', {})).status).toBe(403);
    const claimed = await call(A_WORKER, 'POST', '/v1/queues/emails/claim', { limit: 10 });
    expect(claimed.json.jobs.map((j: any) => j.id)).toEqual([ok.json.id]);
    // Reading a job checks its queue; a job of another queue of the tenant is refused.
    expect((await call(A_WORKER, 'GET', `/v1/jobs/${ok.json.id}`)).status).toBe(200);
    const peek = await call(A_WORKER, 'GET', `/v1/jobs/${report}`);
    expect(peek.status).toBe(403);
    expect(peek.text).not.toContain('"payload"');
    // A follow-up job is an enqueue: a consume-only worker may not chain one.
    const lease = claimed.json.jobs[0].leaseToken;
    const chain = await call(A_WORKER, 'POST', `/v1/jobs/${ok.json.id}/ack`, {
      leaseToken: lease,
      enqueue: [{ queue: 'emails' }],
    });
    expect(chain.status).toBe(403);
    expect(chain.json.error.message).toContain('lacks the enqueue right');
    expect((await call(A, 'GET', `/v1/jobs/${ok.json.id}`)).json.state).toBe('active');
    expect(
      (await call(A_WORKER, 'POST', `/v1/jobs/${ok.json.id}/ack`, { leaseToken: lease })).status,
    ).toBe(200);
  });

  it('check follow-up queues before the ack happens', async () => {
    const { call } = tenantApi(memoryDriver());
    await call(A_CHAIN, 'POST', '/v1/queues/emails/jobs', { payload: 1 });
    const [job] = (await call(A_CHAIN, 'POST', '/v1/queues/emails/claim', {})).json.jobs;
    const out = await call(A_CHAIN, 'POST', `/v1/jobs/${job.id}/ack`, {
      leaseToken: job.leaseToken,
      enqueue: [{ queue: 'emails' }, { queue: 'reports' }],
    });
    expect(out.status).toBe(403);
    expect((await call(A, 'GET', `/v1/jobs/${job.id}`)).json.state).toBe('active');
    expect((await call(A, 'GET', '/v1/queues/reports')).json.counts.queued).toBe(0);
    const done = await call(A_CHAIN, 'POST', `/v1/jobs/${job.id}/ack`, {
      leaseToken: job.leaseToken,
      enqueue: [{ queue: 'emails', payload: 'next' }],
    });
    expect(done.status).toBe(200);
    expect(done.json.enqueued).toHaveLength(1);
  });

  it('show an admin with a queue list only its queues', async () => {
    const { call } = tenantApi(memoryDriver());
    const email = (await call(A, 'POST', '/v1/queues/emails/jobs', {})).json.id;
    const report = (await call(A, 'POST', '/v1/queues/reports/jobs', {})).json.id;
    const list = await call(A_EMAILS_ADMIN, 'GET', '/v1/queues');
    expect(list.json.queues.map((q: any) => q.name)).toEqual(['emails']);
    expect((await call(A_EMAILS_ADMIN, 'GET', '/v1/queues/reports')).status).toBe(403);
    expect((await call(A_EMAILS_ADMIN, 'POST', '/v1/queues/reports/pause')).status).toBe(403);
    expect((await call(A_EMAILS_ADMIN, 'POST', '/v1/queues/emails/pause')).status).toBe(200);
    // Schedules may target any queue of the namespace: they need a token without a queue list.
    const sched = await call(A_EMAILS_ADMIN, 'GET', '/v1/schedules');
    expect(sched.status).toBe(403);
    expect(sched.json.error.message).toMatch(/without a queue list/);
    expect((await call(A_EMAILS_ADMIN, 'DELETE', `/v1/jobs/${report}`)).status).toBe(403);
    expect((await call(A, 'GET', `/v1/jobs/${report}`)).json.state).toBe('queued');
    expect((await call(A_EMAILS_ADMIN, 'DELETE', `/v1/jobs/${email}`)).json.state).toBe(
      'cancelled',
    );
  });
});

const drivers: [string, () => Promise<{ driver: Driver; cleanup: () => void }>][] = [
  ['memory', async () => ({ driver: memoryDriver(), cleanup: () => {} })],
  [
    'libsql file',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'edgeq-tokens-'));
      const driver = libsqlDriver({ url: `file:${join(dir, 'q.db')}` });
      await driver.migrate();
      return { driver, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
    },
  ],
];

describe.each(drivers)('namespaces over HTTP on %s', (_name, open) => {
  it('keeps tenant B invisible to tenant A: no see, claim, count, cancel, ack or replay', async () => {
    const { driver, cleanup } = await open();
    try {
      const { call } = tenantApi(driver);
      const mine = await call(A, 'POST', '/v1/queues/q/jobs', { payload: 'a-1', key: 'k' });
      // The same key in another namespace is another job.
      const theirs = await call(B, 'POST', '/v1/queues/q/jobs', { payload: 'b-secret', key: 'k' });
      expect(theirs.status).toBe(201);
      expect(theirs.json.id).not.toBe(mine.json.id);
      const b1 = theirs.json.id as string;
      const b2 = (await call(B, 'POST', '/v1/queues/q/jobs', { payload: 'b-secret' })).json.id;
      await call(B, 'POST', '/v1/queues/only-b/jobs', { payload: 'b-secret' });

      // Seeing: by id, by listing, by counting.
      for (const token of [A, ADMIN]) {
        const get = await call(token, 'GET', `/v1/jobs/${b1}`);
        expect(get.status).toBe(404);
        expect(get.json.error.code).toBe('not_found');
        const queues = await call(token, 'GET', '/v1/queues');
        expect(queues.json.queues.map((q: any) => q.name)).not.toContain('only-b');
      }
      const counts = await call(A, 'GET', '/v1/queues/q');
      expect(counts.json.counts.queued).toBe(1);
      expect((await call(A, 'GET', '/v1/queues/only-b')).json.counts.queued).toBe(0);
      const listed = await call(A, 'GET', '/v1/queues/q/jobs?state=queued');
      expect(listed.json.jobs.map((j: any) => j.id)).toEqual([mine.json.id]);

      // Claiming: A gets only its own job, however many it asks for.
      const claimA = await call(A, 'POST', '/v1/queues/q/claim', { limit: 10 });
      expect(claimA.json.jobs.map((j: any) => j.id)).toEqual([mine.json.id]);
      expect((await call(A, 'POST', '/v1/queues/q/claim', { limit: 10 })).json.jobs).toEqual([]);

      // Cancelling and acking B's job, even with B's real lease token.
      expect((await call(A, 'DELETE', `/v1/jobs/${b2}`)).status).toBe(404);
      const claimB = await call(B, 'POST', '/v1/queues/q/claim', { limit: 1 });
      const held = claimB.json.jobs[0];
      const lease = { leaseToken: held.leaseToken };
      expect((await call(A, 'POST', `/v1/jobs/${held.id}/ack`, lease)).status).toBe(404);
      expect((await call(A, 'POST', `/v1/jobs/${held.id}/nack`, lease)).status).toBe(404);
      const ext = await call(A, 'POST', `/v1/jobs/${held.id}/extend`, { ...lease, leaseMs: 5_000 });
      expect(ext.status).toBe(404);
      const batch = await call(A, 'POST', '/v1/ack', { acks: [{ id: held.id, ...lease }] });
      expect(batch.json.results).toEqual([{ id: held.id, ok: false, error: 'not_found' }]);
      expect((await call(B, 'GET', `/v1/jobs/${held.id}`)).json.state).toBe('active');

      // Replaying: B's dead job stays dead whatever A asks.
      expect(
        (await call(B, 'POST', `/v1/jobs/${held.id}/nack`, { ...lease, dead: true })).json,
      ).toEqual({ id: held.id, state: 'dead' });
      expect((await call(A, 'POST', '/v1/queues/q/dead/replay', {})).json.replayed).toBe(0);
      const byId = await call(A, 'POST', '/v1/queues/q/dead/replay', { ids: [held.id] });
      expect(byId.json.replayed).toBe(0);
      expect((await call(A, 'GET', '/v1/queues/q/dead')).json.jobs).toEqual([]);
      const dead = await call(B, 'GET', '/v1/queues/q/dead');
      expect(dead.json.jobs.map((j: any) => j.id)).toEqual([held.id]);

      // Pausing is per namespace too.
      await call(A, 'POST', '/v1/queues/q/pause');
      expect((await call(B, 'GET', '/v1/queues/q')).json.paused).toBe(false);

      // Nothing A received names B's jobs or payloads; B's own view is whole.
      const aTexts = [counts, listed, claimA, byId].map((r) => r.text).join('\n');
      for (const leak of [b1, b2, 'b-secret']) expect(aTexts).not.toContain(leak);
      expect((await call(B, 'GET', '/v1/queues/q')).json.counts).toMatchObject({
        queued: 1,
        dead: 1,
      });
      expect((await call(B, 'POST', '/v1/queues/q/dead/replay', {})).json.replayed).toBe(1);
    } finally {
      await driver.close();
      cleanup();
    }
  });
});

describe('rate limits', () => {
  it('answers 429 rate_limited with Retry-After, per token, refilling with the clock', async () => {
    const { call, clock } = tenantApi(memoryDriver());
    for (let i = 0; i < 3; i++) {
      expect((await call(RATED, 'POST', '/v1/queues/q/jobs', {})).status).toBe(201);
    }
    const limited = await call(RATED, 'POST', '/v1/queues/q/jobs', {});
    expect(limited.status).toBe(429);
    expect(limited.json.error.code).toBe('rate_limited');
    expect(limited.json.error.message).toBe(
      'this token may make 3 requests per second; retry in 1 s',
    );
    expect(limited.headers.get('retry-after')).toBe('1');
    // Other tokens, and unlimited ones, are not affected.
    expect((await call(A, 'POST', '/v1/queues/q/jobs', {})).status).toBe(201);
    // One request per 1/3 s comes back.
    clock.now += 334;
    expect((await call(RATED, 'POST', '/v1/queues/q/jobs', {})).status).toBe(201);
    expect((await call(RATED, 'POST', '/v1/queues/q/jobs', {})).status).toBe(429);
    clock.now += 1_000;
    for (let i = 0; i < 3; i++) {
      expect((await call(RATED, 'POST', '/v1/queues/q/jobs', {})).status).toBe(201);
    }
    // A refused request is not stored.
    expect((await call(ADMIN, 'GET', '/v1/queues')).json.queues).toEqual([]);
    const r = await call(ROOT, 'GET', '/v1/queues');
    expect(r.status).toBe(200);
  });

  it('says how long to wait for a per-minute rate, and is kept per app instance', async () => {
    const driver = memoryDriver();
    const one = tenantApi(driver);
    expect((await one.call(SLOW, 'POST', '/v1/queues/q/jobs', {})).status).toBe(201);
    expect((await one.call(SLOW, 'POST', '/v1/queues/q/jobs', {})).status).toBe(201);
    const limited = await one.call(SLOW, 'POST', '/v1/queues/q/jobs', {});
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('30');
    // Another instance (isolate) over the same store has its own budget: the limit is per
    // instance, so approximate across a deployment.
    const two = tenantApi(driver);
    expect((await two.call(SLOW, 'POST', '/v1/queues/q/jobs', {})).status).toBe(201);
    one.clock.now += 29_999;
    expect((await one.call(SLOW, 'POST', '/v1/queues/q/jobs', {})).headers.get('retry-after')).toBe(
      '1',
    );
    one.clock.now += 1;
    expect((await one.call(SLOW, 'POST', '/v1/queues/q/jobs', {})).status).toBe(201);
  });
});

describe('configuration', () => {
  const good = { token: 'x'.repeat(16), ns: 'n', rights: ['enqueue'] };
  const cases: [string, unknown, RegExp][] = [
    ['not an array', { token: A }, /^tokens must be an array of/],
    ['an entry that is not an object', [A], /^tokens\[0\] must be an object/],
    ['an unknown field', [{ ...good, [A]: 1 }], /^tokens\[0\] has a field other than/],
    ['a short token', [{ ...good, token: 'short-secret' }], /^tokens\[0\]\.token must be 16/],
    ['a token with a space', [{ ...good, token: `${A} x` }], /^tokens\[0\]\.token must be/],
    ['a missing ns', [{ token: A, rights: ['admin'] }], /^tokens\[0\]\.ns must be/],
    ['an ns with a colon', [{ ...good, ns: 'a:b' }], /^tokens\[0\]\.ns must be/],
    ['no rights', [{ ...good, rights: [] }], /^tokens\[0\]\.rights must be a non-empty/],
    ['a bad right', [{ ...good, rights: ['enqueue', A] }], /^tokens\[0\]\.rights\[1\] is not/],
    ['an empty queue list', [{ ...good, queues: [] }], /^tokens\[0\]\.queues must be/],
    ['a bad queue', [{ ...good, queues: ['ok', '{x}'] }], /^tokens\[0\]\.queues\[1\] must be/],
    ['a bad rate', [{ ...good, rate: { limit: 1, per: 'hour' } }], /^tokens\[0\]\.rate\.per/],
    ['a zero rate', [{ ...good, rate: { limit: 0, per: 'second' } }], /^tokens\[0\]\.rate\.limit/],
    [
      'a rate with extra keys',
      [{ ...good, rate: { limit: 1, per: 'second', burst: 2 } }],
      /rate must be/,
    ],
    [
      'a repeated token',
      [
        { ...good, token: A },
        { ...good, token: B },
        { ...good, token: A },
      ],
      /^tokens\[2\]\.token is the same as tokens\[0\]\.token$/,
    ],
    ['the admin token again', [{ ...good, token: ADMIN }], /same as the admin token/],
  ];
  it.each(cases)('refuses %s, naming the entry but never a value', (_what, raw, message) => {
    let error: Error | undefined;
    try {
      createApp(createRuntime({ driver: memoryDriver() }), { token: ADMIN, tokens: raw as never });
    } catch (err) {
      error = err as Error;
    }
    expect(error?.message).toMatch(message);
    for (const secret of [A, B, ADMIN, 'short-secret', 'x'.repeat(16), 'a:b', '{x}']) {
      expect(error?.message).not.toContain(secret);
    }
  });

  it('reads EDGEQ_TOKENS from env, and never quotes it when it is not JSON', () => {
    expect(tokensFromEnv({})).toBeUndefined();
    expect(tokensFromEnv({ EDGEQ_TOKENS: '' })).toBeUndefined();
    const json = JSON.stringify([{ token: A, ns: 'a', rights: ['enqueue'], queues: ['q'] }]);
    expect(tokensFromEnv({ EDGEQ_TOKENS: json })).toEqual(parseTokens(JSON.parse(json)));
    const broken = `[{"token":"${A}", ns: 'a'}]`;
    expect(() => tokensFromEnv({ EDGEQ_TOKENS: broken })).toThrow(
      /^EDGEQ_TOKENS is not valid JSON/,
    );
    try {
      tokensFromEnv({ EDGEQ_TOKENS: broken });
    } catch (err) {
      expect((err as Error).message).not.toContain(A.slice(0, 8));
    }
    expect(() => tokensFromEnv({ EDGEQ_TOKENS: json }, A)).toThrow(
      'EDGEQ_TOKENS[0].token is the same as the admin token (EDGEQ_TOKEN)',
    );
  });

  it('configures the Worker from EDGEQ_TOKENS, and fails closed when it is wrong', async () => {
    const worker = createWorker(() => ({ driver: memoryDriver() }));
    const ctx = { waitUntil: () => {} };
    const env = { EDGEQ_TOKENS: JSON.stringify([{ token: A, ns: 'a', rights: ['enqueue'] }]) };
    const req = (token: string, path = '/v1/queues/q/jobs') =>
      new Request(`http://edgeq${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: '{}',
      });
    expect((await worker.fetch(req(A), env, ctx)).status).toBe(201);
    expect((await worker.fetch(req(A, '/v1/queues/q/claim'), env, ctx)).status).toBe(403);
    expect((await worker.fetch(req(B), env, ctx)).status).toBe(401);
    const bad = { EDGEQ_TOKEN: ADMIN, EDGEQ_TOKENS: `[{"token":"${A}","ns":"a","rights":[]}]` };
    const res = await worker.fetch(req(A), bad, ctx);
    expect(res.status).toBe(500);
    const text = await res.text();
    seen.push(text);
    expect(text).not.toContain(A);
    expect(logged.join('\n')).toContain('EDGEQ_TOKENS[0].rights must be a non-empty array');
  });

  it('serves scoped tokens from edgeq serve, and refuses a bad configuration before listening', async () => {
    const tokens: TokenConfig[] = [{ token: A, ns: 'a', rights: ['enqueue'] }];
    const server = await serve({
      driver: memoryDriver(),
      port: 0,
      host: '127.0.0.1',
      tokens,
      tickIntervalMs: 0,
      log: (line) => logged.push(line),
    });
    try {
      const post = (token?: string) =>
        fetch(`${server.url}/v1/queues/q/jobs`, {
          method: 'POST',
          headers: token ? { authorization: `Bearer ${token}` } : {},
          body: '{}',
        });
      // Tokens configured: the server is not open, even on loopback.
      expect((await post()).status).toBe(401);
      expect((await post(A)).status).toBe(201);
      expect(await server.runtime.queue('q', 'a')).toMatchObject({ counts: { queued: 1 } });
    } finally {
      await server.close();
    }
    await expect(
      serve({
        driver: memoryDriver(),
        port: 0,
        host: '127.0.0.1',
        tokens: [{ token: A, ns: 'a', rights: ['fly' as never] }],
        tickIntervalMs: 0,
        log: () => {},
      }),
    ).rejects.toThrow(/^tokens\[0\]\.rights\[0\] is not/);
  });
});

describe('secrecy', () => {
  it('never shows a token in a response, a header or a log line', async () => {
    // A last burst of near misses and errors on top of everything the tests above did.
    const { call } = tenantApi(memoryDriver());
    for (const token of PRESENTED) {
      await call(token, 'POST', '/v1/queues/q/jobs', { payload: 1 });
      await call(token, 'POST', '/v1/tick');
      await call(token, 'GET', '/v1/jobs/not-a-job!');
    }
    expect(seen.length).toBeGreaterThan(500);
    const all = [...seen, ...logged].join('\n');
    for (const secret of PRESENTED) expect(all).not.toContain(secret);
  });
});
