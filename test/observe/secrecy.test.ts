/**
 * No log line holds a token, a lease token, a payload, a result or what a request carried:
 * every route (from the route table) is driven with unique sentinel strings in tokens, payloads,
 * results, nack errors, push URLs and secrets, headers, and in the bodies, paths and queries of
 * failing requests; then again with the store down, and with a corrupt row. Every line written
 * (by the logger or, stray, by anything to the console) must parse as JSON with a request id,
 * and none may contain a sentinel.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@libsql/client';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { libsqlDriver } from '../../src/drivers/libsql/index.js';
import { memoryDriver } from '../../src/drivers/memory/index.js';
import type { Driver } from '../../src/drivers/types.js';
import { ROUTES, type RouteSpec } from '../../src/openapi/table.js';
import { type FaultyStore, hranaStore } from '../faults/stores.js';
import { type Harness, harness } from './harness.js';

const S = {
  admin: 'SNTL-ADMIN-TOKEN-0a1b2c3d4e5f',
  scoped: 'SNTL-SCOPED-TOKEN-1b2c3d4e5f6a',
  wrong: 'SNTL-WRONG-TOKEN-2c3d4e5f6a7b',
  payload: 'SNTL-PAYLOAD-3d4e5f6a',
  result: 'SNTL-RESULT-4e5f6a7b',
  key: 'SNTL-KEY-5f6a7b8c',
  lease: 'SNTL-LEASE-6a7b8c9d',
  error: 'SNTL-NACKERR-7b8c9d0e',
  url: 'SNTL-URL-8c9d0e1f',
  secret: 'whsec_SNTLPUSHSECRET9d0e1f2a3b4c',
  header: 'SNTL-HEADER-0e1f2a3b',
  body: 'SNTL-BODY-1f2a3b4c',
  thrown: 'SNTL-THROWN-2a3b4c5d',
};
/** Real lease tokens handed out by claims: they must not be logged either. */
const leases: string[] = [];
/** Every line written: by the logger, and anything else written to the console. */
const lines: string[] = [];
let requests = 0;

beforeEach(() => {
  for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      lines.push(args.map(String).join(' '));
    });
  }
});
afterEach(() => vi.restoreAllMocks());

const HEADERS = {
  'x-request-id': `${S.header} not safe`,
  'user-agent': S.header,
  cookie: `session=${S.header}`,
  'x-forwarded-for': S.header,
  'x-custom': S.header,
};

function app(driver: Driver): Harness {
  const h = harness(driver, {
    admin: S.admin,
    level: 'debug',
    tokens: [{ token: S.scoped, ns: 'acme', rights: ['enqueue', 'consume', 'admin'] }],
    runtime: {
      handlers: {
        h: {
          immediate: true,
          handler: (job) => {
            if (job.payload === 'throw') throw new Error(`${S.thrown} ${JSON.stringify(job)}`);
            return { r: S.result };
          },
        },
      },
      pushPolicy: { allowlist: ['hooks.edgeq.invalid'] },
    },
  });
  // The harness's logger writes into its own array: gather those lines too.
  const call = h.call;
  h.call = async (...args) => {
    requests++;
    const r = await call(...args);
    lines.push(...h.lines.splice(0));
    return r;
  };
  return h;
}

/** A job and a lease on it, for the routes that take them. */
async function seed(h: Harness): Promise<{ id: string; lease: string }> {
  await h.call('POST', '/v1/queues/q/jobs', { body: { payload: { s: S.payload }, key: S.key } });
  const claimed = await h.call('POST', '/v1/queues/q/claim', { body: { limit: 1 } });
  const job = claimed.json.jobs[0];
  leases.push(job.leaseToken);
  return { id: job.id, lease: job.leaseToken };
}

/** A valid request for the route, carrying sentinels wherever the route takes free data. */
function valid(route: RouteSpec, id: string, lease: string): { path: string; body?: unknown } {
  const path = route.path.replace(':queue', 'q').replace(':id', id).replace(':name', 'sched');
  const bodies: Record<string, unknown> = {
    EnqueueRequest: {
      jobs: [
        { payload: { s: S.payload }, key: `${S.key}-e`, group: S.key },
        { payload: S.payload, debounceMs: 10, key: `${S.key}-d` },
      ],
    },
    ClaimRequest: { limit: 2, acks: [{ id, leaseToken: S.lease, result: { r: S.result } }] },
    AckRequest: {
      leaseToken: lease,
      result: { r: S.result },
      enqueue: [{ queue: 'h', payload: 'throw' }],
    },
    AckManyRequest: { acks: [{ id, leaseToken: S.lease, result: S.result }] },
    NackRequest: { leaseToken: S.lease, error: S.error },
    ExtendRequest: { leaseToken: S.lease, leaseMs: 5_000 },
    QueueSettings: { concurrency: 2 },
    ReplayRequest: { ids: [id] },
    PushRequest: { url: `https://hooks.edgeq.invalid/${S.url}`, secrets: [S.secret] },
    ScheduleRequest: { cron: '* * * * *', queue: 'q', payload: { s: S.payload } },
  };
  const query = route.query ? '?state=queued&limit=5' : '';
  return { path: path + query, ...(route.body ? { body: bodies[route.body.schema] } : {}) };
}

/** Requests that fail, each carrying sentinels where a careless log line would echo them. */
function failing(route: RouteSpec): { path: string; body?: unknown }[] {
  const bad = route.path
    .replace(':queue', `${S.body}!`)
    .replace(':id', `${S.body}!`)
    .replace(':name', `${S.body}!`);
  const path = route.path
    .replace(':queue', 'q')
    .replace(':id', '01KDVDNA000000NVC5EF8CW6QK')
    .replace(':name', 'sched');
  const out: { path: string; body?: unknown }[] = [];
  const some = route.body ? { body: { payload: S.payload } } : {};
  if (bad !== route.path) out.push({ path: bad, ...some });
  out.push({ path: `${path}?${S.body}=${S.body}&state=${S.body}` });
  if (route.body) {
    out.push({ path, body: `{"payload":"${S.body}", nope` });
    out.push({ path, body: { [S.body]: S.payload, leaseToken: S.lease, payload: S.payload } });
    out.push({
      path,
      body: { leaseToken: { deep: S.lease }, error: [S.error], url: S.url, cron: S.body },
    });
  }
  return out;
}

async function everyRoute(h: Harness, id: string, lease: string): Promise<number[]> {
  const statuses: number[] = [];
  for (const route of ROUTES) {
    const { path, body } = valid(route, id, lease);
    const r = await h.call(route.method, path, { body, headers: HEADERS });
    statuses.push(r.status);
    for (const c of r.json?.jobs ?? []) if (c.leaseToken) leases.push(c.leaseToken);
    for (const f of failing(route)) {
      statuses.push(
        (await h.call(route.method, f.path, { body: f.body, headers: HEADERS })).status,
      );
    }
    for (const token of [S.wrong, `${S.admin}x`, S.admin.slice(0, -1)]) {
      if (route.right === 'public') continue;
      const r = await h.call(route.method, path, { token, body, headers: HEADERS });
      expect(r.status).toBe(401);
    }
    await h.call(route.method, path, { token: S.scoped, body, headers: HEADERS });
  }
  return statuses;
}

describe('log lines', () => {
  it('hold no sentinel after every route, valid and failing, on a working store', async () => {
    const h = app(memoryDriver());
    const { id, lease } = await seed(h);
    const statuses = await everyRoute(h, id, lease);
    // Not vacuous: both successes and a range of failures happened.
    expect(statuses.filter((s) => s < 300).length).toBeGreaterThan(20);
    for (const s of [400, 404, 409]) expect(statuses, String(s)).toContain(s);
    // The immediate handler ran in the background and threw; the tick ran it again.
    await h.call('POST', '/v1/tick');
    await h.call('POST', '/v1/queues/h/drain');
  });

  describe('with the store down', () => {
    let store: FaultyStore;
    beforeAll(async () => {
      store = await hranaStore(23);
    });
    afterAll(async () => {
      await store?.close();
    });

    it('hold no sentinel when every route fails in the store', async () => {
      const h = app(store.driver);
      const { id, lease } = await seed(h);
      store.endpoint.faults = { down: true };
      try {
        const statuses = await everyRoute(h, id, lease);
        expect(statuses.filter((s) => s === 503).length).toBeGreaterThan(25);
      } finally {
        store.endpoint.faults = {};
      }
      expect(lines.some((l) => l.includes('storage call failed'))).toBe(true);
    });
  });

  it('hold no sentinel when a stored row cannot be read back (an unexpected error)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgeq-secrecy-'));
    try {
      const client = createClient({ url: `file:${join(dir, 'q.db')}` });
      const driver = libsqlDriver({ client, local: 'file' });
      const h = app(driver);
      const { id } = (await h.call('POST', '/v1/queues/q/jobs', { body: { payload: 1 } })).json;
      await client.execute({
        sql: 'UPDATE edgeq_jobs SET payload = ? WHERE id = ?',
        args: [`${S.payload} "${S.body}" {`, id],
      });
      expect((await h.call('GET', `/v1/jobs/${id}`, { headers: HEADERS })).status).toBe(500);
      expect((await h.call('GET', '/v1/queues/q/jobs?state=queued')).status).toBe(500);
      expect(lines.some((l) => l.includes('unexpected error'))).toBe(true);
      await driver.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('each parse as JSON with a request id, one request line per request, and none holds a sentinel', () => {
    const secrets = [...Object.values(S), ...leases];
    expect(leases.length).toBeGreaterThan(2);
    expect(lines.length).toBeGreaterThan(requests);
    let requestLines = 0;
    for (const line of lines) {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      expect(typeof parsed.requestId, line).toBe('string');
      expect((parsed.requestId as string).length, line).toBeGreaterThan(0);
      if (parsed.msg === 'request') requestLines++;
      for (const secret of secrets)
        expect(line.includes(secret), `${secret} in ${line}`).toBe(false);
    }
    expect(requestLines).toBe(requests);
  });
});
