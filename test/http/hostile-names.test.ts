/**
 * Hostile names and values, property-based (fast-check). Queue names, schedule names and job ids
 * become parts of Redis keys and SQL values, so any name that could inject (':', '{', '}',
 * spaces, quotes, control characters, '.' or '..') is refused with 400 naming the field, at every
 * route that takes one, in the path or in the body, and nothing is stored. Valid names round-trip
 * verbatim. Keys, groups, lease tokens, errors and cursors that no store can hold faithfully
 * (NUL, lone surrogates, times past the Date range) are refused or made storable before any
 * driver sees them, so every accepted job reads back; the unstorable strings are also sent to
 * real Postgres, which fails on them, to prove none reaches it.
 *
 * Fixed seed; FUZZ_RUNS and FUZZ_SEED run more.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@libsql/client';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { libsqlDriver } from '../../src/drivers/libsql/index.js';
import { memoryDriver } from '../../src/drivers/memory/index.js';
import { PostgresDriver } from '../../src/drivers/postgres/index.js';
import type { Driver } from '../../src/drivers/types.js';
import { type Api, makeApi } from '../support/api.js';
import { freshSchema, noTransactionPg, PG_URL } from '../support/pg-transports.js';

const FUZZ_RUNS = Number(process.env.FUZZ_RUNS) || 0;
const SEED = Number(process.env.FUZZ_SEED ?? 20_260_107);
const runs = (ci: number): number => FUZZ_RUNS || ci;
// Long runs outlast the default test timeout.
if (FUZZ_RUNS) vi.setConfig({ testTimeout: 3_600_000 });

const dir = mkdtempSync(join(tmpdir(), 'edgeq-hostile-names-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

async function libsqlFile(): Promise<Driver> {
  const driver = libsqlDriver({
    client: createClient({ url: `file:${join(dir, `n${files++}.db`)}` }),
    local: 'file',
  });
  await driver.migrate();
  return driver;
}

/** Percent-encodes, including a lone surrogate (as the WTF-8 bytes a sloppy client sends). */
function encodeSegment(s: string): string {
  return s.replace(/\p{Surrogate}|[^\p{Surrogate}]+/gu, (part) => {
    if (!/^\p{Surrogate}$/u.test(part)) return encodeURIComponent(part);
    const c = part.charCodeAt(0);
    return [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)]
      .map((b) => `%${b.toString(16).toUpperCase()}`)
      .join('');
  });
}

// ---------------------------------------------------------------------------------------------
// Names.

/** Characters no name may hold: Redis key separators and hash tags, SQL quoting, controls. */
const INJECT = [
  ':',
  '{',
  '}',
  ' ',
  '\u0000',
  '\n',
  '\r',
  '\t',
  '\u007f',
  '\u0085',
  "'",
  '"',
  ';',
  '`',
  '*',
  '?',
  '[',
  ']',
  '/',
  '\\',
  '%',
  '#',
  '$',
  '@',
  '+',
  ',',
  '=',
  'é',
  'ﬀ',
  '\u200b',
  '\ud800',
  '\udfff',
  '😀',
];
const validQueue = fc
  .stringMatching(/^[A-Za-z0-9_.-]{1,128}$/)
  .filter((s) => s !== '.' && s !== '..');
const validId = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);

/** A valid name with one injected character, or one of the names that are wrong as a whole. */
function badName(valid: fc.Arbitrary<string>, whole: string[]): fc.Arbitrary<string> {
  return fc.oneof(
    fc
      .tuple(valid, fc.constantFrom(...INJECT), fc.nat())
      .map(([v, c, at]) => v.slice(0, at % (v.length + 1)) + c + v.slice(at % (v.length + 1))),
    fc.constantFrom(...whole),
    fc.constantFrom(
      "q'; DROP TABLE edgeq_jobs; --",
      "q' OR '1'='1",
      'q:{edgeq}:x',
      '{edgeq}:default:q:x:jobs',
      'q\r\nKEYS *',
    ),
  );
}
const badQueue = badName(validQueue, ['.', '..', '', 'q'.repeat(129)]);
const badId = badName(validId, ['.', '..', '', 'a.b', 'x'.repeat(65)]);

interface NameCase {
  what: string;
  method: string;
  /** The request for a bad name, and the field the 400 must name. */
  build: (bad: string) => { path: string; body?: unknown; field: string; inPath: boolean };
}

const q = (bad: string) => encodeSegment(bad);
const queuePaths: [string, string, unknown?][] = [
  ['POST', '/jobs', { payload: 1 }],
  ['POST', '/claim', {}],
  ['GET', ''],
  ['PUT', '', { concurrency: 1 }],
  ['POST', '/pause'],
  ['POST', '/resume'],
  ['GET', '/jobs?state=queued'],
  ['GET', '/dead'],
  ['POST', '/dead/replay', {}],
  ['PUT', '/push', { url: 'https://hooks.edgeq.invalid/x' }],
  ['GET', '/push'],
  ['DELETE', '/push'],
  ['POST', '/drain'],
];
const schedulePaths: [string, string, unknown?][] = [
  ['GET', ''],
  ['PUT', '', { cron: '* * * * *', queue: 'q' }],
  ['DELETE', ''],
  ['POST', '/pause'],
  ['POST', '/resume'],
];
const jobPaths: [string, string, unknown?][] = [
  ['POST', '/ack', { leaseToken: 't' }],
  ['POST', '/nack', { leaseToken: 't' }],
  ['POST', '/extend', { leaseToken: 't', leaseMs: 5_000 }],
  ['GET', ''],
  ['DELETE', ''],
];

const QUEUE_CASES: NameCase[] = [
  ...queuePaths.map(([method, rest, body]) => ({
    what: `${method} /v1/queues/:queue${rest}`,
    method,
    build: (bad: string) => ({
      path: `/v1/queues/${q(bad)}${rest}`,
      body,
      field: 'queue',
      inPath: true,
    }),
  })),
  ...schedulePaths.map(([method, rest, body]) => ({
    what: `${method} /v1/schedules/:name${rest}`,
    method,
    build: (bad: string) => ({
      path: `/v1/schedules/${q(bad)}${rest}`,
      body,
      field: 'name',
      inPath: true,
    }),
  })),
  {
    what: 'a follow-up job to a queue (ack body)',
    method: 'POST',
    build: (bad) => ({
      path: '/v1/jobs/01M88G4MZQ0000R37EBA27MRFA/ack',
      body: { leaseToken: 't', enqueue: [{ queue: bad }] },
      field: 'enqueue.0.queue',
      inPath: false,
    }),
  },
  {
    what: 'the queue of a schedule (schedule body)',
    method: 'PUT',
    build: (bad) => ({
      path: '/v1/schedules/s',
      body: { cron: '* * * * *', queue: bad },
      field: 'queue',
      inPath: false,
    }),
  },
];

const ID_CASES: NameCase[] = [
  ...jobPaths.map(([method, rest, body]) => ({
    what: `${method} /v1/jobs/:id${rest}`,
    method,
    build: (bad: string) => ({
      path: `/v1/jobs/${q(bad)}${rest}`,
      body,
      field: 'id',
      inPath: true,
    }),
  })),
  {
    what: 'replay ids',
    method: 'POST',
    build: (bad) => ({
      path: '/v1/queues/q/dead/replay',
      body: { ids: [bad] },
      field: 'ids.0',
      inPath: false,
    }),
  },
  {
    what: 'acks sent with a claim',
    method: 'POST',
    build: (bad) => ({
      path: '/v1/queues/q/claim',
      body: { acks: [{ id: bad, leaseToken: 't' }] },
      field: 'acks.0.id',
      inPath: false,
    }),
  },
  {
    what: 'bulk acks',
    method: 'POST',
    build: (bad) => ({
      path: '/v1/ack',
      body: { acks: [{ id: bad, leaseToken: 't' }] },
      field: 'acks.0.id',
      inPath: false,
    }),
  },
  {
    what: 'a list cursor',
    method: 'GET',
    build: (bad) => ({
      path: `/v1/queues/q/jobs?state=queued&cursor=${q(bad)}`,
      field: 'cursor',
      inPath: false,
    }),
  },
];

/** What the store holds, as the API shows it: must not change when a name is refused. */
async function snapshot(api: Api): Promise<string> {
  const queues = await api.call('GET', '/v1/queues');
  const schedules = await api.call('GET', '/v1/schedules');
  return queues.text + schedules.text;
}

async function refusesBadNames(api: Api, numRuns: number): Promise<void> {
  // A queue and a schedule exist, so a refused name has something it could have touched.
  expect((await api.call('POST', '/v1/queues/q/jobs', { payload: 1 })).status).toBe(201);
  expect((await api.call('PUT', '/v1/schedules/s0', { cron: '@yearly', queue: 'q' })).status).toBe(
    201,
  );
  const before = await snapshot(api);
  const cases = [
    ...QUEUE_CASES.map((c) => fc.tuple(fc.constant(c), badQueue)),
    ...ID_CASES.map((c) => fc.tuple(fc.constant(c), badId)),
  ];
  await fc.assert(
    fc.asyncProperty(fc.oneof(...cases), async ([c, bad]) => {
      const req = c.build(bad);
      const where = `${c.what} with ${JSON.stringify(bad)}`;
      // '.', '..' and '' cannot be sent as a path segment: the URL collapses them into another
      // path (`/v1/queues/./push` is `/v1/queues/push`). They are refused in bodies instead.
      fc.pre(!(req.inPath && (bad === '.' || bad === '..' || bad === '')));
      const res = await api.call(c.method, req.path, req.body);
      expect(res.status, `${where}: ${res.text}`).toBe(400);
      expect(res.json.error.code, where).toBe('invalid_request');
      expect(res.json.error.field, where).toBe(req.field);
      expect(await snapshot(api), where).toBe(before);
    }),
    { seed: SEED, numRuns },
  );
}

describe('names that could inject are refused at every route that takes one', () => {
  it('memory driver', async () => {
    await refusesBadNames(makeApi(memoryDriver()), runs(600));
  });

  it('libSQL file driver', async () => {
    await refusesBadNames(makeApi(await libsqlFile()), runs(200));
  });

  it('"." and ".." cannot name a queue anywhere, since no URL could address it', async () => {
    const api = makeApi(memoryDriver());
    for (const name of ['.', '..']) {
      const follow = await api.call('POST', '/v1/jobs/01M88G4MZQ0000R37EBA27MRFA/ack', {
        leaseToken: 't',
        enqueue: [{ queue: name }],
      });
      expect(follow.status).toBe(400);
      expect(follow.json.error.field).toBe('enqueue.0.queue');
      const sched = await api.call('PUT', '/v1/schedules/s', { cron: '@yearly', queue: name });
      expect(sched.status).toBe(400);
      expect(sched.json.error.field).toBe('queue');
    }
    // Names that merely contain dots are fine.
    for (const name of ['...', '.a', 'a.', 'a..b']) {
      expect((await api.call('POST', `/v1/queues/${name}/jobs`, {})).status).toBe(201);
    }
  });
});

describe('valid names are stored verbatim', () => {
  for (const [driverName, open, n] of [
    ['memory', async () => memoryDriver(), 150],
    ['libSQL file', libsqlFile, 60],
  ] as const) {
    it(`${driverName}: a queue and a schedule of any valid name round-trip`, async () => {
      const api = makeApi(await open());
      await fc.assert(
        fc.asyncProperty(validQueue, async (name) => {
          const enq = await api.call('POST', `/v1/queues/${name}/jobs`, { payload: name });
          expect(enq.status, name).toBe(201);
          const info = await api.call('GET', `/v1/queues/${name}`);
          expect(info.json.name).toBe(name);
          expect(info.json.counts.queued).toBeGreaterThanOrEqual(1);
          const job = await api.call('GET', `/v1/jobs/${enq.json.id}`);
          expect(job.json.queue).toBe(name);
          const put = await api.call('PUT', `/v1/schedules/${name}`, {
            cron: '@yearly',
            queue: name,
          });
          expect(put.status, put.text).toBeLessThan(300);
          expect((await api.call('GET', `/v1/schedules/${name}`)).json.name).toBe(name);
        }),
        { seed: SEED, numRuns: runs(n) },
      );
      const { queues } = (await api.call('GET', '/v1/queues')).json;
      for (const { name } of queues as { name: string }[]) expect(name).toMatch(/^[\w.-]+$/);
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Values: keys, groups, tokens, errors, cursors and times.

/** Strings a store cannot keep as they are: NUL (Postgres) and lone surrogates (all of them). */
const UNSTORABLE = ['\u0000', 'a\u0000b', '\ud800', '\udfff', 'x\udc00y', '\u0001', '\u007f'];
const unstorable = fc.oneof(
  fc.constantFrom(...UNSTORABLE),
  fc
    .tuple(fc.string({ maxLength: 8 }), fc.constantFrom(...UNSTORABLE), fc.string({ maxLength: 8 }))
    .map((parts) => parts.join('')),
);

describe('values no store can hold faithfully never reach a driver', () => {
  it('keys and groups with control characters or lone surrogates get 400', async () => {
    const api = makeApi(await libsqlFile());
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('key', 'group'), unstorable, async (field, value) => {
        const res = await api.call('POST', '/v1/queues/q/jobs', { [field]: value });
        expect(res.status, JSON.stringify(value)).toBe(400);
        expect(res.json.error.field).toBe(field);
        const batch = await api.call('POST', '/v1/queues/q/jobs', { jobs: [{ [field]: value }] });
        expect(batch.json.error.field).toBe(`jobs.0.${field}`);
      }),
      { seed: SEED, numRuns: runs(100) },
    );
    expect((await api.call('GET', '/v1/queues')).json.queues).toEqual([]);
  });

  it('two different printable keys are never merged, and each reads back verbatim', async () => {
    // libSQL stores a lone surrogate as U+FFFD, so "\ud800" and "\udfff" used to be one key
    // (the second enqueue was answered with the first job); those are now refused (above), and
    // printable text of any script stays distinct.
    const api = makeApi(await libsqlFile());
    const key = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 });
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(key, { minLength: 2, maxLength: 2 }), async ([a, b]) => {
        const ra = await api.call('POST', '/v1/queues/keys/jobs', { key: a });
        const rb = await api.call('POST', '/v1/queues/keys/jobs', { key: b });
        expect(ra.json.id).not.toBe(rb.json.id);
        expect((await api.call('GET', `/v1/jobs/${ra.json.id}`)).json.key).toBe(a);
        expect((await api.call('GET', `/v1/jobs/${rb.json.id}`)).json.key).toBe(b);
      }),
      { seed: SEED, numRuns: runs(60) },
    );
  });

  it('lease tokens are visible ASCII; cursors are job ids', async () => {
    const api = makeApi(memoryDriver());
    for (const token of ['\u0000', 't\nx', 'tok en', 'é', '\ud800', 'x'.repeat(129)]) {
      const res = await api.call('POST', '/v1/jobs/abc/ack', { leaseToken: token });
      expect(res.status).toBe(400);
      expect(res.json.error.field).toBe('leaseToken');
    }
    for (const cursor of ["' OR 1=1 --", '%00', 'a b', 'x'.repeat(65)]) {
      const res = await api.call(
        'GET',
        `/v1/queues/q/jobs?state=queued&cursor=${encodeURIComponent(cursor)}`,
      );
      expect(res.status).toBe(400);
      expect(res.json.error.field).toBe('cursor');
    }
  });

  it('a nack error is kept, with NUL and lone surrogates made storable instead of refused', async () => {
    const api = makeApi(memoryDriver());
    await api.call('POST', '/v1/queues/q/jobs', {});
    const [job] = (await api.call('POST', '/v1/queues/q/claim', {})).json.jobs;
    const res = await api.call('POST', `/v1/jobs/${job.id}/nack`, {
      leaseToken: job.leaseToken,
      error: 'boom\u0000 at \ud800 line\n2',
      dead: true,
    });
    expect(res.status).toBe(200);
    const read = await api.call('GET', `/v1/jobs/${job.id}`);
    expect(read.json.lastError).toBe('boom\ufffd at \ufffd line\n2');
  });

  it('an unknown field is named, clipped, whatever its size or number', async () => {
    const api = makeApi(memoryDriver());
    const long = 'k'.repeat(5_000);
    const one = await api.call('POST', '/v1/queues/q/jobs', `{"${long}":1}`);
    expect(one.status).toBe(400);
    expect(one.text.length).toBeLessThan(300);
    expect(one.json.error.field).toBe(`${'k'.repeat(64)}…`);
    const many = Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`f${i}`, i]));
    const res = await api.call('POST', '/v1/queues/q/claim', many);
    expect(res.status).toBe(400);
    expect(res.json.error.message).toBe('unknown field f0 (and 4999 more)');
  });
});

/** A job as a producer could send it: every field in or near its range, times at the edges. */
const edgeTime = fc.oneof(
  fc.integer({ min: 0, max: 8_640_000_000_000_000 + 10 }),
  fc.constantFrom(8_640_000_000_000_000, 8_640_000_000_000_001, 2 ** 53 - 1),
  fc
    .date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true })
    .map((d) => d.toISOString()),
  fc.constantFrom('9999-12-31T23:59:59.999Z', '0000-01-01T00:00:00Z', '2026-01-01T00:00:00+14:00'),
);
const jobArb = fc.record(
  {
    payload: fc.jsonValue({ maxDepth: 4 }),
    runAt: edgeTime,
    expiresAt: edgeTime,
    ttlMs: fc.integer({ min: 1, max: 365 * 86_400_000 }),
    delayMs: fc.integer({ min: 0, max: 365 * 86_400_000 }),
    priority: fc.integer({ min: -1_000_000, max: 1_000_000 }),
    maxAttempts: fc.integer({ min: 1, max: 1_000 }),
    key: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }),
    group: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }),
  },
  { requiredKeys: [] },
);

async function acceptedJobsReadBack(api: Api, numRuns: number): Promise<void> {
  await fc.assert(
    fc.asyncProperty(jobArb, async (job) => {
      const res = await api.call('POST', '/v1/queues/edge/jobs', job);
      expect(res.status, res.text).toBeLessThan(500);
      if (res.status >= 300) return;
      const read = await api.call('GET', `/v1/jobs/${res.json.id}`);
      expect(read.status, `${JSON.stringify(job)}: ${read.text}`).toBe(200);
      expect(read.json.payload).toEqual(JSON.parse(JSON.stringify(job.payload ?? null)));
    }),
    { seed: SEED, numRuns },
  );
  // And so can every list page holding them.
  for (const state of ['scheduled', 'queued']) {
    let cursor = '';
    do {
      const list = await api.call('GET', `/v1/queues/edge/jobs?state=${state}${cursor}`);
      expect(list.status, list.text).toBe(200);
      cursor = list.json.cursor ? `&cursor=${list.json.cursor}` : '';
    } while (cursor);
  }
}

describe('every accepted job can be read back', () => {
  // Before: an expiresAt past the Date range (8.64e15 ms) was stored, and every read of the job,
  // or of a list holding it, was a 500.
  it('memory driver', async () => {
    await acceptedJobsReadBack(makeApi(memoryDriver()), runs(300));
  });
  it('libSQL file driver', async () => {
    await acceptedJobsReadBack(makeApi(await libsqlFile()), runs(100));
  });
});

describe('on real Postgres, which refuses NUL and lone surrogates, none reaches it', () => {
  const schema = freshSchema();
  const admin = new pg.Pool({ connectionString: PG_URL, max: 1 });
  let driver: PostgresDriver | undefined;
  afterAll(async () => {
    await driver?.close();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  });

  it('never answers 5xx to them, in any field that reaches the store', async () => {
    driver = new PostgresDriver({ transport: noTransactionPg(), schema });
    await driver.migrate();
    const api = makeApi(driver);
    await api.call('POST', '/v1/queues/q/jobs', {});
    const [job] = (await api.call('POST', '/v1/queues/q/claim', {})).json.jobs;
    const requests = (s: string): [string, string, unknown][] => [
      ['POST', '/v1/queues/q/jobs', { key: s }],
      ['POST', '/v1/queues/q/jobs', { group: s }],
      ['POST', '/v1/queues/q/jobs', { payload: s }],
      ['POST', '/v1/queues/q/jobs', { payload: { [s]: s } }],
      ['POST', `/v1/jobs/${job.id}/extend`, { leaseToken: s, leaseMs: 5_000 }],
      ['POST', '/v1/ack', { acks: [{ id: job.id, leaseToken: s, result: s }] }],
      ['POST', `/v1/jobs/${job.id}/nack`, { leaseToken: job.leaseToken, error: s }],
      ['GET', `/v1/queues/q/jobs?state=queued&cursor=${encodeSegment(s)}`, undefined],
    ];
    await fc.assert(
      fc.asyncProperty(unstorable, async (s) => {
        for (const [method, path, body] of requests(s)) {
          const res = await api.call(method, path, body);
          expect(res.status, `${method} ${path} ${JSON.stringify(body)}: ${res.text}`).toBeLessThan(
            500,
          );
        }
      }),
      { seed: SEED, numRuns: runs(25) },
    );
  });
});
