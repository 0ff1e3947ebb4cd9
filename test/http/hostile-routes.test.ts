/**
 * Hostile input at every route, property-based (fast-check): random methods over the real route
 * table, hostile queue names, job ids and schedule names, random bodies (arbitrary JSON, wrong
 * types, prototype keys, deep nesting, huge strings, lone surrogates, invalid UTF-8, non-JSON,
 * streamed or not) and random headers (content-type, lying Content-Length, Authorization
 * variants), over the memory driver and a smaller run over a libSQL file.
 *
 * Every response must be: below 500; JSON; for 4xx exactly `{error:{code,message,field?}}` with
 * a known code that maps to that status; free of stack traces and internal paths; and never
 * carry the admin token, a presented wrong token, the seeded lease token, or (in an error) a
 * payload. Nothing printed to the console during the runs may carry a token or a payload.
 *
 * Fixed seed, modest runs in CI; `FUZZ_RUNS=5000 FUZZ_SEED=123 npx vitest run test/http/hostile`
 * runs more.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@libsql/client';
import fc from 'fast-check';
import type { Hono } from 'hono';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { libsqlDriver } from '../../src/drivers/libsql/index.js';
import { memoryDriver } from '../../src/drivers/memory/index.js';
import { type Driver, JOB_STATES } from '../../src/drivers/types.js';
import { HTTP_STATUS } from '../../src/errors.js';
import { createApp } from '../../src/handlers/app.js';
import { createRuntime } from '../../src/runtime/runtime.js';

const FUZZ_RUNS = Number(process.env.FUZZ_RUNS) || 0;
const SEED = Number(process.env.FUZZ_SEED ?? 20_260_107);
const runs = (ci: number): number => FUZZ_RUNS || ci;
// Long runs outlast the default test timeout.
if (FUZZ_RUNS) vi.setConfig({ testTimeout: 3_600_000 });

const TOKEN = 'hostile-admin-token-0123456789abcdef';
/** Put into payloads, results and unknown fields: an error response must never repeat it. */
const CANARY = 'cnry-payload-7f3a9c';
/** Every wrong token presented starts with this, so an echo of it is unmistakable. */
const WRONG = 'wrongtok-';
/** Small, so huge bodies cross it cheaply. */
const MAX_BODY = 64 * 1024;

// ---------------------------------------------------------------------------------------------
// Names, ids, values.

const HOSTILE_NAMES = [
  '',
  ' ',
  'a b',
  'a:b',
  'q:{edgeq}:x',
  '{edgeq}',
  '{',
  '}',
  '*',
  'q*',
  '.',
  '..',
  '../q',
  'a/b',
  'a\\b',
  'a\u0000b',
  'a\nb',
  'a\rb',
  'a\tb',
  '\u007f',
  '\u0085',
  "'; DROP TABLE edgeq_jobs; --",
  'q" OR 1=1 --',
  "q' OR '1'='1",
  '%00',
  '%zz',
  'é',
  '\ud800',
  '\udfff',
  '😀',
  'q'.repeat(129),
  '__proto__',
  'constructor',
];

const validName = fc
  .stringMatching(/^[A-Za-z0-9_.-]{1,40}$/)
  .filter((s) => s !== '.' && s !== '..');
const anyName = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('q', 'h', 'sq') },
  { weight: 2, arbitrary: validName },
  { weight: 2, arbitrary: fc.constantFrom(...HOSTILE_NAMES) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
);

/**
 * Percent-encodes like a client would, and encodes a lone surrogate as the bytes a sloppy one
 * (WTF-8) sends, which encodeURIComponent refuses to do.
 */
function encodeSegment(s: string): string {
  return s.replace(/\p{Surrogate}|[^\p{Surrogate}]+/gu, (part) => {
    if (!/^\p{Surrogate}$/u.test(part)) return encodeURIComponent(part);
    const c = part.charCodeAt(0);
    return [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)]
      .map((b) => `%${b.toString(16).toUpperCase()}`)
      .join('');
  });
}

/** Path segments: usually percent-encoded, sometimes raw. */
const segment = (name: fc.Arbitrary<string>) =>
  fc.tuple(name, fc.integer({ min: 0, max: 9 })).map(([n, r]) => (r < 8 ? encodeSegment(n) : n));

const HOSTILE_STRINGS = [
  '',
  '\u0000',
  '\ud800',
  'x\udc00y',
  '\u202e',
  '<script>',
  `${'$'}{7*7}`,
  "' OR 1=1 --",
  'NaN',
  '1e400',
  '-0',
  '0x10',
  '2026-13-45T99:00:00Z',
  '+275760-09-13T00:00:00Z',
  '9999-12-31T23:59:59.999+23:59',
];

const scalar = fc.oneof(
  fc.constantFrom(null, true, false, 0, -0, -1, 1, 1.5, 1e308, -1e308, 2 ** 53, 8.64e15 + 1),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(...HOSTILE_STRINGS),
  fc.string({ unit: 'binary', maxLength: 30 }),
);
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: scalar },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.constant([]) },
  { weight: 1, arbitrary: fc.constant({}) },
);
const payloadValue = fc.oneof(
  anyValue,
  fc.constant(CANARY),
  fc.constant({ secret: CANARY, __proto__note: 'x' }),
  fc.jsonValue({ maxDepth: 2 }).map((v) => [CANARY, v]),
);

/** Job ids: the seeded real ones, ULID-like, or hostile. */
const seeded = { queued: '', active: '', leaseToken: '' };
const idArb = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('queued', 'active').map((k) => seeded[k as 'queued']) },
  { weight: 2, arbitrary: fc.stringMatching(/^[0-9A-Z]{26}$/) },
  { weight: 2, arbitrary: fc.constantFrom(...HOSTILE_NAMES) },
);
/** Mostly in range, so requests get past validation into the runtime; sometimes not. */
const usually = <T>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> =>
  fc.oneof({ weight: 4, arbitrary: good }, { weight: 1, arbitrary: bad });

const tokenArb = usually(
  fc.oneof(
    fc.constant('').map(() => seeded.leaseToken),
    fc.stringMatching(/^[0-9a-f]{32}$/),
  ),
  fc.oneof(fc.constantFrom(...HOSTILE_STRINGS), scalar),
);

// ---------------------------------------------------------------------------------------------
// Bodies: route-shaped objects with good, wrong and unknown fields, or raw hostile bytes.

type Fields = Record<string, fc.Arbitrary<unknown>>;
/** An integer in [min, max], or just outside, or anything. */
const int = (min: number, max: number) =>
  usually(fc.integer({ min, max }), fc.oneof(fc.constantFrom(min - 1, max + 1, min + 0.5), scalar));
const nat = (max: number) => int(0, max);
const time = usually(
  fc.oneof(
    fc.integer({ min: Date.UTC(2025, 0, 1), max: Date.UTC(2026, 11, 31) }),
    fc.constantFrom('2026-01-01T00:00:05Z', '2026-06-01T12:00:00+02:00'),
  ),
  fc.oneof(fc.constantFrom(8.64e15, 8.64e15 + 1, 2 ** 53, -1), scalar),
);
const JOB: Fields = {
  payload: payloadValue,
  delayMs: nat(10_000),
  runAt: time,
  priority: int(-1_000_000, 1_000_000),
  maxAttempts: int(1, 1_000),
  key: usually(
    fc.string({ minLength: 1, maxLength: 20 }),
    fc.oneof(fc.string({ unit: 'binary', maxLength: 20 }), fc.constantFrom(...HOSTILE_STRINGS)),
  ),
  leaseMs: int(1_000, 43_200_000),
  group: usually(fc.string({ minLength: 1, maxLength: 8 }), fc.constantFrom(...HOSTILE_STRINGS)),
  expiresAt: time,
  ttlMs: nat(100_000),
  debounceMs: nat(10_000),
};
const ACK_ITEM = fc.record(
  { id: idArb, leaseToken: tokenArb, result: payloadValue },
  { requiredKeys: [] },
);
const rate = fc.record(
  {
    limit: nat(2_000_000),
    per: fc.constantFrom('second', 'minute', 'hour', 'day', 'week'),
    periodMs: nat(10_000),
    burst: nat(10),
  },
  { requiredKeys: [] },
);
const BODY_FIELDS: Record<string, Fields> = {
  jobs: { ...JOB, jobs: fc.array(fc.record(JOB, { requiredKeys: [] }), { maxLength: 3 }) },
  claim: {
    limit: int(1, 100),
    leaseMs: int(1_000, 43_200_000),
    acks: fc.array(ACK_ITEM, { maxLength: 3 }),
  },
  ack: {
    leaseToken: tokenArb,
    result: payloadValue,
    enqueue: fc.array(fc.record({ ...JOB, queue: anyName }, { requiredKeys: [] }), {
      maxLength: 2,
    }),
  },
  nack: {
    leaseToken: tokenArb,
    error: fc.oneof(fc.string({ unit: 'binary' }), fc.constant(CANARY)),
    retryInMs: nat(10_000),
    dead: fc.boolean(),
  },
  extend: { leaseToken: tokenArb, leaseMs: int(1_000, 43_200_000) },
  ackMany: { acks: fc.array(ACK_ITEM, { maxLength: 3 }) },
  replay: { ids: fc.array(idArb, { maxLength: 3 }) },
  settings: {
    concurrency: nat(2_000_000),
    rate,
    groupConcurrency: nat(10),
    groupRate: rate,
    leaseMs: int(1_000, 43_200_000),
    maxAttempts: nat(2_000),
    backoff: fc.oneof(
      fc.record({ type: fc.constant('exponential'), baseMs: nat(5_000), maxMs: nat(10_000) }),
      fc.record({ type: fc.constant('fixed'), delayMs: nat(5_000), jitter: fc.double() }),
      fc.record({ type: fc.constant('list'), delaysMs: fc.array(nat(5_000), { maxLength: 3 }) }),
    ),
    retention: fc.record({ completedMs: nat(1_000) }, { requiredKeys: [] }),
  },
  push: {
    // The only host the push policy admits is one that can never resolve (see `target`).
    url: fc.constantFrom(
      'https://hooks.edgeq.invalid/x',
      'https://user:pw@hooks.edgeq.invalid/x',
      'http://127.0.0.1:6379/',
      'https://169.254.169.254/latest',
      'file:///etc/passwd',
      'javascript:alert(1)',
      '',
    ),
    secrets: fc.array(
      fc.oneof(fc.constant('whsec_MDEyMzQ1Njc4OWFiY2RlZg=='), fc.string({ maxLength: 20 })),
      { maxLength: 5 },
    ),
    timeoutMs: nat(40_000),
  },
  schedule: {
    cron: usually(
      fc.constantFrom('* * * * *', '@yearly', '*/5 9-17 * * 1-5'),
      fc.constantFrom('0 0 30 2 *', '*/0 * * * *', '', '99 * * * *', '* * * * * * *'),
    ),
    tz: usually(
      fc.constantFrom('UTC', 'Europe/Berlin'),
      fc.constantFrom('Etc/GMT+14', '../../etc/passwd', '\u0000'),
    ),
    queue: anyName,
    payload: payloadValue,
    priority: int(0, 10),
    maxAttempts: int(1, 10),
    leaseMs: int(1_000, 60_000),
    catchUp: int(1, 100),
    paused: fc.boolean(),
  },
  none: {},
};

const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'];
const protoValue = fc.constantFrom<unknown>(
  { polluted: CANARY },
  { prototype: { polluted: CANARY } },
  CANARY,
  null,
);

/** JSON text of an object built entry by entry, so `__proto__` and duplicate keys survive. */
function objectText(entries: [string, unknown][]): string {
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v) ?? 'null'}`).join(',')}}`;
}

/** Fields a route cannot do without; usually present so requests get past the first check. */
const REQUIRED = ['leaseToken', 'acks', 'cron', 'queue', 'url'];

function shapedBody(fields: Fields): fc.Arbitrary<string> {
  const names = Object.keys(fields);
  const required = names.filter((n) => REQUIRED.includes(n));
  const optional = names.filter((n) => !REQUIRED.includes(n));
  const picked = fc
    .tuple(
      fc.subarray(required, { minLength: Math.max(0, required.length - 1) }),
      fc.subarray(optional, { maxLength: Math.min(4, optional.length) }),
      fc.integer({ min: 0, max: 9 }),
    )
    // Nine times in ten every required field is there.
    .map(([some, rest, r]) => [...(r < 9 ? required : some), ...rest]);
  const known = picked.chain((keys) =>
    fc.tuple(
      ...keys.map((k) =>
        fc
          .oneof({ weight: 9, arbitrary: fields[k]! }, { weight: 1, arbitrary: anyValue })
          .map((v): [string, unknown] => [k, v]),
      ),
    ),
  );
  const extra = fc.array(
    fc.oneof(
      fc.tuple(fc.constantFrom(...PROTO_KEYS), protoValue),
      fc.tuple(fc.string({ unit: 'binary', maxLength: 12 }), fc.constant(CANARY)),
      fc.tuple(fc.constant('k'.repeat(5_000)), fc.constant(CANARY)),
    ),
    { maxLength: 2 },
  );
  return fc
    .tuple(
      known,
      fc.oneof({ weight: 3, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: extra }),
    )
    .map(([k, e]) => objectText([...k, ...e] as [string, unknown][]));
}

const deep = fc
  .tuple(fc.constantFrom(63, 64, 65, 1_000, 30_000), fc.constantFrom('[', '{"a":'), fc.boolean())
  .map(([n, open, wrapped]) => {
    const close = open === '[' ? ']' : '}';
    const tail = open === '[' ? '' : '1';
    const v = open.repeat(n) + tail + close.repeat(n);
    return wrapped ? `{"payload":${v}}` : v;
  });

const huge = fc
  .tuple(
    fc.constantFrom(MAX_BODY - 40, MAX_BODY + 1, 3 * MAX_BODY),
    fc.constantFrom('payload', 'key', 'leaseToken', 'error', 'cron'),
  )
  .map(([n, field]) => objectText([[field, 'x'.repeat(n)]]));

/** Raw bytes: the body as sent. */
type RawBody = { text: string } | { bytes: Uint8Array<ArrayBuffer> };

const rawBody: (fields: Fields) => fc.Arbitrary<RawBody | undefined> = (fields) =>
  fc.oneof(
    { weight: 20, arbitrary: shapedBody(fields).map((text) => ({ text })) },
    { weight: 2, arbitrary: fc.json({ maxDepth: 3 }).map((text) => ({ text })) },
    { weight: 1, arbitrary: deep.map((text) => ({ text })) },
    { weight: 1, arbitrary: huge.map((text) => ({ text })) },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(
          '{"payload":"\\ud800"}',
          '{"key":"\\udfff"}',
          '{"payload":"\\u0000"}',
          '{"payload":1e400}',
          '{"__proto__":{"polluted":true}}',
          '{"constructor":{"prototype":{"polluted":true}}}',
          '{"payload":{"__proto__":{"polluted":true}}}',
          'null',
          '"string"',
          '[]',
          '12',
          '{',
          '{"a":1}{"b":2}',
          '\ufeff{}',
          ' \n\t ',
        )
        .map((text) => ({ text })),
    },
    {
      weight: 1,
      arbitrary: fc.string({ unit: 'binary', maxLength: 50 }).map((text) => ({ text })),
    },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((bytes) => ({ bytes })) },
    {
      weight: 1,
      // Invalid UTF-8 inside an otherwise fine JSON string.
      arbitrary: fc
        .constantFrom([0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xe2, 0x82])
        .map((bad) => ({
          bytes: Uint8Array.from([...new TextEncoder().encode('{"payload":"'), ...bad, 0x22, 0x7d]),
        })),
    },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );

// ---------------------------------------------------------------------------------------------
// Routes: the full table of createApp, with the body shape each one reads.

interface Route {
  method: string;
  path: fc.Arbitrary<string>;
  body: string;
}
const q = segment(anyName);
const id = segment(idArb);
const sched = segment(anyName);
const query = fc
  .array(
    fc.tuple(
      fc.constantFrom('state', 'limit', 'cursor', '__proto__', 'constructor', 'x'),
      fc.oneof(
        fc.constantFrom('queued', 'dead', 'active', 'lost', '1', '0', '1e3', '0x10', '-1', ' ', ''),
        fc.constant('').map(() => seeded.queued),
        fc.constantFrom(...HOSTILE_STRINGS),
      ),
    ),
    { maxLength: 3 },
  )
  .map((kv) => (kv.length ? `?${kv.map(([k, v]) => `${k}=${encodeSegment(v)}`).join('&')}` : ''));

const p = (...parts: (string | fc.Arbitrary<string>)[]): fc.Arbitrary<string> =>
  fc
    .tuple(...parts.map((x) => (typeof x === 'string' ? fc.constant(x) : x)))
    .map((xs) => xs.join(''));

const ROUTES: Route[] = [
  { method: 'POST', path: p('/v1/queues/', q, '/jobs'), body: 'jobs' },
  { method: 'POST', path: p('/v1/queues/', q, '/claim'), body: 'claim' },
  { method: 'POST', path: p('/v1/jobs/', id, '/ack'), body: 'ack' },
  { method: 'POST', path: p('/v1/jobs/', id, '/nack'), body: 'nack' },
  { method: 'POST', path: p('/v1/jobs/', id, '/extend'), body: 'extend' },
  { method: 'POST', path: p('/v1/ack'), body: 'ackMany' },
  { method: 'GET', path: p('/v1/jobs/', id), body: 'none' },
  { method: 'DELETE', path: p('/v1/jobs/', id), body: 'none' },
  { method: 'GET', path: p('/v1/queues'), body: 'none' },
  { method: 'GET', path: p('/v1/queues/', q), body: 'none' },
  { method: 'PUT', path: p('/v1/queues/', q), body: 'settings' },
  { method: 'POST', path: p('/v1/queues/', q, '/pause'), body: 'none' },
  { method: 'POST', path: p('/v1/queues/', q, '/resume'), body: 'none' },
  { method: 'GET', path: p('/v1/queues/', q, '/jobs', query), body: 'none' },
  { method: 'GET', path: p('/v1/queues/', q, '/dead', query), body: 'none' },
  { method: 'POST', path: p('/v1/queues/', q, '/dead/replay'), body: 'replay' },
  { method: 'PUT', path: p('/v1/queues/', q, '/push'), body: 'push' },
  { method: 'GET', path: p('/v1/queues/', q, '/push'), body: 'none' },
  { method: 'DELETE', path: p('/v1/queues/', q, '/push'), body: 'none' },
  { method: 'POST', path: p('/v1/queues/', q, '/drain'), body: 'none' },
  { method: 'POST', path: p('/v1/tick'), body: 'none' },
  { method: 'GET', path: p('/v1/capabilities'), body: 'none' },
  { method: 'GET', path: p('/v1/schedules'), body: 'none' },
  { method: 'GET', path: p('/v1/schedules/', sched), body: 'none' },
  { method: 'PUT', path: p('/v1/schedules/', sched), body: 'schedule' },
  { method: 'DELETE', path: p('/v1/schedules/', sched), body: 'none' },
  { method: 'POST', path: p('/v1/schedules/', sched, '/pause'), body: 'none' },
  { method: 'POST', path: p('/v1/schedules/', sched, '/resume'), body: 'none' },
  { method: 'GET', path: p('/healthz'), body: 'none' },
  { method: 'PATCH', path: p('/v1/queues/', q, '/jobs'), body: 'jobs' },
  {
    method: 'POST',
    path: p('/v1/', fc.string({ maxLength: 10 }).map(encodeSegment)),
    body: 'none',
  },
];

// ---------------------------------------------------------------------------------------------
// Headers.

/** Header values a Request accepts: Latin-1 without NUL, CR or LF. */
const headerText = fc.string({
  unit: fc
    .oneof(
      fc.integer({ min: 0x20, max: 0x7e }),
      fc.integer({ min: 0x80, max: 0xff }),
      fc.constant(9),
    )
    .map((c) => String.fromCharCode(c)),
  maxLength: 40,
});
const wrongToken = fc.stringMatching(/^[\x21-\x7e]{4,40}$/).map((s) => WRONG + s);

const authorization = fc.oneof(
  { weight: 24, arbitrary: fc.constant(`Bearer ${TOKEN}`) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      undefined,
      '',
      'Bearer',
      'Bearer ',
      `bearer ${TOKEN}`,
      `BEARER\t${TOKEN}`,
      `Bearer  ${TOKEN}  `,
      `Bearer ${TOKEN} ${TOKEN}`,
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN.slice(0, -1)}`,
      TOKEN,
      `Basic ${btoa(`admin:${TOKEN}`)}`,
      `Token ${TOKEN}`,
      `Bearer ${TOKEN},Bearer ${TOKEN}`,
    ),
  },
  { weight: 2, arbitrary: wrongToken.map((t) => `Bearer ${t}`) },
  { weight: 1, arbitrary: headerText },
);
const contentType = fc.constantFrom(
  undefined,
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'text/plain',
  'multipart/form-data; boundary=x',
  'application/x-www-form-urlencoded',
  '*/*',
  'application/json\u00ff',
);
/** How Content-Length relates to the real body: absent, true, or a lie. */
const lengthLie = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('none', 'true') },
  { weight: 1, arbitrary: fc.constantFrom('short', 'long', 'zero', 'junk', 'neg', 'huge') },
);

interface Call {
  method: string;
  path: string;
  body: RawBody | undefined;
  auth: string | undefined;
  type: string | undefined;
  length: string;
  chunked: boolean;
  streamed: boolean;
}

const callArb: fc.Arbitrary<Call> = fc.constantFrom(...ROUTES).chain((r) =>
  fc.record({
    method: fc.oneof(
      { weight: 9, arbitrary: fc.constant(r.method) },
      { weight: 1, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS') },
    ),
    path: r.path,
    body: rawBody(BODY_FIELDS[r.body]!),
    auth: authorization,
    type: contentType,
    length: lengthLie,
    chunked: fc.boolean(),
    streamed: fc.boolean(),
  }),
);

function bytesOf(body: RawBody | undefined): Uint8Array<ArrayBuffer> | undefined {
  if (!body) return undefined;
  return 'bytes' in body ? body.bytes : new TextEncoder().encode(body.text);
}

function lengthHeader(kind: string, n: number): string | undefined {
  switch (kind) {
    case 'true':
      return String(n);
    case 'short':
      return String(Math.max(0, n - 1));
    case 'long':
      return String(n + 10);
    case 'zero':
      return '0';
    case 'junk':
      return '12abc';
    case 'neg':
      return '-1';
    case 'huge':
      return '99999999999999';
    default:
      return undefined;
  }
}

function toRequest(call: Call): Request | undefined {
  let url: URL;
  try {
    url = new URL(call.path, 'http://localhost');
  } catch {
    return undefined;
  }
  const headers = new Headers();
  if (call.auth !== undefined) headers.set('authorization', call.auth);
  if (call.type !== undefined) headers.set('content-type', call.type);
  const bytes = call.method === 'GET' || call.method === 'HEAD' ? undefined : bytesOf(call.body);
  const init: RequestInit & { duplex?: 'half' } = { method: call.method, headers };
  if (bytes) {
    const len = lengthHeader(call.length, bytes.byteLength);
    if (len !== undefined) headers.set('content-length', len);
    if (call.chunked) headers.set('transfer-encoding', 'chunked');
    if (call.streamed) {
      init.body = new ReadableStream<Uint8Array>({
        start(ctl) {
          for (let i = 0; i < bytes.byteLength; i += 4_096) ctl.enqueue(bytes.slice(i, i + 4_096));
          ctl.close();
        },
      });
      init.duplex = 'half';
    } else {
      init.body = bytes;
    }
  }
  return new Request(url, init);
}

// ---------------------------------------------------------------------------------------------
// The checks.

const STACK = /\n\s+at |node_modules|\/work\/|file:\/\/|\.ts:\d+|\.js:\d+|Error:/;
const KNOWN = new Set(Object.keys(HTTP_STATUS));

function secretsOf(call: Call): string[] {
  const out = [TOKEN, seeded.leaseToken];
  const m = call.auth?.match(new RegExp(`${WRONG}[\\x21-\\x7e]+`));
  if (m) out.push(m[0]);
  return out;
}

function checkResponse(call: Call, status: number, text: string): void {
  const where = `${call.method} ${call.path.slice(0, 80)}`;
  expect(status, where).toBeLessThan(500);
  expect(text, where).not.toMatch(STACK);
  for (const s of secretsOf(call)) expect(text.includes(s), `${where} echoes a token`).toBe(false);
  if (call.method === 'HEAD') return;
  const json = JSON.parse(text) as { error?: { code: string; message: string; field?: string } };
  if (status < 400) return;
  expect(text.includes(CANARY), `${where} echoes a payload`).toBe(false);
  expect(Object.keys(json), where).toEqual(['error']);
  const err = json.error!;
  expect(KNOWN.has(err.code), `${where} code ${err.code}`).toBe(true);
  expect(HTTP_STATUS[err.code as keyof typeof HTTP_STATUS], where).toBe(status);
  expect(typeof err.message, where).toBe('string');
  expect(err.message.length, where).toBeLessThan(400);
  for (const k of Object.keys(err)) expect(['code', 'message', 'field'], where).toContain(k);
  if (err.field !== undefined) expect(err.field.length, where).toBeLessThan(200);
}

/** Every console line written while the properties ran. */
const logged: string[] = [];
beforeEach(() => {
  logged.length = 0;
  for (const m of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, m).mockImplementation((...args: unknown[]) => {
      logged.push(
        args.map((a) => (a instanceof Error ? `${a.message}\n${a.stack}` : String(a))).join(' '),
      );
    });
  }
});
afterEach(() => vi.restoreAllMocks());

function checkLogs(): void {
  for (const line of logged) {
    expect(line.includes(TOKEN), line.slice(0, 200)).toBe(false);
    expect(line.includes(seeded.leaseToken), line.slice(0, 200)).toBe(false);
    expect(line.includes(CANARY), line.slice(0, 200)).toBe(false);
    expect(line.includes(WRONG), line.slice(0, 200)).toBe(false);
  }
}

// ---------------------------------------------------------------------------------------------
// The app under attack: a seeded state so ids and tokens can hit real jobs.

async function target(driver: Driver): Promise<Hono> {
  const rt = createRuntime({
    driver,
    limits: { maxBodyBytes: MAX_BODY },
    handlers: { h: async () => {} },
    // Admits one host that can never resolve, so a fuzzed binding never leaves the machine.
    pushPolicy: { allowlist: ['hooks.edgeq.invalid'] },
  });
  const app = createApp(rt, { token: TOKEN });
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await app.request(path, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    expect(res.status, `${method} ${path}`).toBeLessThan(300);
    return res.json() as Promise<any>;
  };
  const first = await call('POST', '/v1/queues/q/jobs', { payload: { secret: CANARY } });
  seeded.queued = (await call('POST', '/v1/queues/q/jobs', { payload: CANARY })).id;
  const claimed = await call('POST', '/v1/queues/q/claim', { limit: 1 });
  expect(claimed.jobs[0].id).toBe(first.id);
  seeded.active = first.id;
  seeded.leaseToken = claimed.jobs[0].leaseToken;
  await call('PUT', '/v1/schedules/sq', { cron: '* * * * *', queue: 'sq', payload: CANARY });
  return app;
}

/** `FUZZ_STATS=1`: how often each status came back, to see what the generators reach. */
const stats = new Map<string, number>();
afterAll(() => {
  if (!process.env.FUZZ_STATS) return;
  const lines = [...stats].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${n}\t${k}`);
  process.stdout.write(`${lines.join('\n')}\n`);
});

/** Whatever the attack managed to store can still be read: every queue, state and job. */
async function readBack(app: Hono): Promise<void> {
  const get = async (path: string) => {
    const res = await app.request(path, { headers: { authorization: `Bearer ${TOKEN}` } });
    const text = await res.text();
    expect(res.status, `${path}: ${text.slice(0, 200)}`).toBe(200);
    return JSON.parse(text);
  };
  const { queues } = await get('/v1/queues');
  for (const { name } of queues as { name: string }[]) {
    for (const state of JOB_STATES) {
      const { jobs } = await get(`/v1/queues/${name}/jobs?state=${state}&limit=1000`);
      for (const job of jobs as { id: string }[]) await get(`/v1/jobs/${job.id}`);
    }
  }
  await get('/v1/schedules');
}

async function attack(app: Hono, numRuns: number): Promise<void> {
  await fc.assert(
    fc.asyncProperty(callArb, async (call) => {
      const req = toRequest(call);
      if (!req) return;
      const res = await app.fetch(req);
      const text = await res.text();
      if (process.env.FUZZ_STATS) {
        const route = call.path.replace(/^\/v1\/(queues|jobs|schedules)\/[^/?]*/, '/v1/$1/:x');
        const key = `${res.status} ${call.method} ${route.split('?')[0]}`;
        stats.set(key, (stats.get(key) ?? 0) + 1);
      }
      checkResponse(call, res.status, text);
    }),
    { seed: SEED, numRuns },
  );
  await readBack(app);
  checkLogs();
  expect(Object.keys(Object.prototype)).toEqual([]);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
}

describe('hostile requests at every route', () => {
  it('memory driver: never a 5xx, a stack, a token or a payload in a response or log', async () => {
    await attack(await target(memoryDriver()), runs(1_500));
  });

  const dir = mkdtempSync(join(tmpdir(), 'edgeq-hostile-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('libSQL file driver: the same, fewer runs', async () => {
    const driver = libsqlDriver({
      client: createClient({ url: `file:${join(dir, 'q.db')}` }),
      local: 'file',
    });
    await driver.migrate();
    await attack(await target(driver), runs(300));
    await driver.close?.();
  });
});

describe('an unexpected error', () => {
  // A row written by another tool, or damaged on disk: its payload is not JSON. Reading it is a
  // 500 with no detail, and the log line says what failed without quoting the data (V8's
  // JSON.parse message quotes the text it choked on).
  it('is a bare 500, and its log line quotes none of the data', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgeq-hostile-500-'));
    try {
      const client = createClient({ url: `file:${join(dir, 'q.db')}` });
      const driver = libsqlDriver({ client, local: 'file' });
      await driver.migrate();
      const rt = createRuntime({ driver });
      const app = createApp(rt, { token: TOKEN });
      const headers = { authorization: `Bearer ${TOKEN}` };
      const res = await app.request('/v1/queues/q/jobs', {
        method: 'POST',
        headers,
        body: JSON.stringify({ payload: 'x' }),
      });
      const { id } = (await res.json()) as { id: string };
      await client.execute({
        sql: 'UPDATE edgeq_jobs SET payload = ? WHERE id = ?',
        args: [`${CANARY} ${TOKEN} not json`, id],
      });
      const read = await app.request(`/v1/jobs/${id}`, { headers });
      const text = await read.text();
      expect(read.status).toBe(500);
      expect(JSON.parse(text)).toEqual({ error: { code: 'internal', message: 'internal error' } });
      expect(logged.some((l) => l.includes('unexpected error'))).toBe(true);
      checkLogs();
      await driver.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
