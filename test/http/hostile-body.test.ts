/**
 * Hostile bodies at the byte level, property-based (fast-check), over the memory driver:
 * streamed (chunked, no Content-Length) bodies past the limit get 413 after reading at most the
 * limit plus a chunk or two, never to the end (proven with streams that count the bytes pulled
 * from them, some of them endless); a Content-Length that lies (shorter than the body, or not a
 * number) cannot smuggle a body past the limit; JSON must be UTF-8; and a body split into any
 * chunks reads exactly as the same body sent whole.
 *
 * Fixed seed; FUZZ_RUNS and FUZZ_SEED run more.
 */
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { memoryDriver } from '../../src/drivers/memory/index.js';
import { makeApi, TOKEN } from '../support/api.js';

const FUZZ_RUNS = Number(process.env.FUZZ_RUNS) || 0;
const SEED = Number(process.env.FUZZ_SEED ?? 20_260_107);
const runs = (ci: number): number => FUZZ_RUNS || ci;
// Long runs outlast the default test timeout.
if (FUZZ_RUNS) vi.setConfig({ testTimeout: 3_600_000 });
/**
 * "Endless" for these tests: far past any limit, yet finite, so a regression that reads a body
 * to the end fails on the byte count instead of hanging the run (pulls are microtasks, so an
 * endless stream would starve the test timeout).
 */
const ENDLESS = 64 * 1024 * 1024;

/** A pull stream of `total` bytes in `chunk`-byte pieces, counting the bytes pulled. */
function countingStream(
  total: number,
  chunk: number,
  fill = 0x78,
): { stream: ReadableStream<Uint8Array>; pulled: () => number } {
  let pulled = 0;
  const piece = new Uint8Array(chunk).fill(fill);
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(ctl) {
        if (pulled >= total) return ctl.close();
        const n = Math.min(chunk, total - pulled);
        pulled += n;
        ctl.enqueue(n === chunk ? piece.slice() : piece.slice(0, n));
      },
    },
    // No read-ahead beyond what is asked for: `pulled` is what the app consumed (plus one).
    { highWaterMark: 0 },
  );
  return { stream, pulled: () => pulled };
}

/** A stream of the given bytes followed by `rest` more bytes of filler, counting pulls. */
function prefixedStream(prefix: Uint8Array, rest: number, chunk: number) {
  const tail = countingStream(rest, chunk, 0x20);
  let sentPrefix = false;
  let pulled = 0;
  const reader = tail.stream.getReader();
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(ctl) {
        if (!sentPrefix) {
          sentPrefix = true;
          pulled += prefix.byteLength;
          return ctl.enqueue(prefix);
        }
        const { done, value } = await reader.read();
        if (done) return ctl.close();
        pulled += value.byteLength;
        ctl.enqueue(value);
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, pulled: () => pulled };
}

const BODY_ROUTES = [
  '/v1/queues/q/jobs',
  '/v1/queues/q/claim',
  '/v1/jobs/01M88G4MZQ0000R37EBA27MRFA/ack',
  '/v1/jobs/01M88G4MZQ0000R37EBA27MRFA/nack',
  '/v1/jobs/01M88G4MZQ0000R37EBA27MRFA/extend',
  '/v1/ack',
  '/v1/queues/q/dead/replay',
  '/v1/schedules/s',
  '/v1/queues/q',
  '/v1/queues/q/push',
];
const methodOf = (path: string) =>
  path === '/v1/schedules/s' || path === '/v1/queues/q' || path.endsWith('/push') ? 'PUT' : 'POST';

async function send(
  app: ReturnType<typeof makeApi>['app'],
  path: string,
  body: BodyInit,
  headers: Record<string, string> = {},
) {
  const res = await app.request(path, {
    method: methodOf(path),
    headers: { authorization: `Bearer ${TOKEN}`, ...headers },
    body,
    duplex: 'half',
  } as RequestInit);
  const text = await res.text();
  return { status: res.status, text, json: JSON.parse(text) };
}

describe('a streamed body past the limit', () => {
  it('gets 413 after reading at most the limit and a chunk, never to the end', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...BODY_ROUTES),
        fc.integer({ min: 256, max: 256 * 1024 }),
        fc.integer({ min: 1, max: 64 * 1024 }),
        // How much longer than the limit the body is: a little, a lot, or endless.
        fc.oneof(
          fc.integer({ min: 1, max: 10 }),
          fc.constant(8 * 1024 * 1024),
          fc.constant(ENDLESS),
        ),
        fc.boolean(),
        async (path, limit, chunk, over, chunkedHeader) => {
          const api = makeApi(memoryDriver(), { maxBodyBytes: limit });
          const src = countingStream(limit + over, chunk);
          const res = await send(
            api.app,
            path,
            src.stream,
            chunkedHeader ? { 'transfer-encoding': 'chunked' } : {},
          );
          expect(res.status).toBe(413);
          expect(res.json.error.code).toBe('payload_too_large');
          expect(src.pulled()).toBeLessThanOrEqual(limit + 2 * chunk);
          if (over > 2 * chunk) expect(src.pulled()).toBeLessThan(limit + over);
          expect((await api.call('GET', '/v1/queues')).json.queues).toEqual([]);
        },
      ),
      { seed: SEED, numRuns: runs(150) },
    );
  });

  it('gets 413 by its Content-Length alone, before a byte is read', async () => {
    const api = makeApi(memoryDriver(), { maxBodyBytes: 1_000 });
    const src = countingStream(ENDLESS, 512);
    const res = await send(api.app, '/v1/queues/q/jobs', src.stream, {
      'content-length': '1001',
    });
    expect(res.status).toBe(413);
    expect(src.pulled()).toBe(0);
  });
});

describe('a Content-Length that lies', () => {
  // Before: bodyLimit trusted any Content-Length it could parse (and let through any it could
  // not), then the route read the whole body: an in-process caller of app.fetch could send
  // megabytes under "Content-Length: 10", or an endless stream under "Content-Length: abc".
  it('shorter than the body: 400 once the body passes it, nothing stored', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...BODY_ROUTES),
        fc.integer({ min: 0, max: 900 }),
        fc.integer({ min: 1, max: 4_096 }),
        fc.oneof(fc.constant(3 * 1024 * 1024), fc.constant(ENDLESS)),
        async (path, declared, chunk, total) => {
          const api = makeApi(memoryDriver(), { maxBodyBytes: 1_000 });
          // A valid body, padded with spaces past both the declared length and the limit.
          const head = new TextEncoder().encode(`{"payload":"${'p'.repeat(declared)}"}`);
          const src = prefixedStream(head, total, chunk);
          const res = await send(api.app, path, src.stream, {
            'content-length': String(declared),
          });
          expect(res.status, res.text).toBe(400);
          expect(res.json.error.code).toBe('invalid_request');
          expect(src.pulled()).toBeLessThanOrEqual(head.byteLength + chunk);
          expect((await api.call('GET', '/v1/queues')).json.queues).toEqual([]);
        },
      ),
      { seed: SEED, numRuns: runs(100) },
    );
  });

  it('not a byte count: 400 without reading the body', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...BODY_ROUTES),
        fc.oneof(
          fc.constantFrom('', ' ', 'abc', '-1', '10abc', '1e3', '0x10', '1.5', '+5', '5,5', 'NaN'),
          fc.stringMatching(/^[^0-9\s][\x21-\x7e]{0,10}$/),
        ),
        async (path, header) => {
          const api = makeApi(memoryDriver(), { maxBodyBytes: 1_000 });
          const src = countingStream(ENDLESS, 1_024);
          const res = await send(api.app, path, src.stream, { 'content-length': header });
          expect(res.status, res.text).toBe(400);
          expect(res.json.error.code).toBe('invalid_request');
          expect(src.pulled()).toBeLessThanOrEqual(2_048);
        },
      ),
      { seed: SEED, numRuns: runs(60) },
    );
  });

  it('longer than the body, or true: the body is read as sent', async () => {
    const api = makeApi(memoryDriver());
    const body = JSON.stringify({ payload: 'ok' });
    for (const length of [body.length, body.length + 10]) {
      const res = await send(api.app, '/v1/queues/q/jobs', body, {
        'content-length': String(length),
      });
      expect(res.status).toBe(201);
    }
  });
});

describe('JSON must be UTF-8', () => {
  // Before: malformed bytes were silently replaced by U+FFFD and the altered payload stored.
  it('malformed UTF-8 anywhere in the body gets 400 and nothing is stored', async () => {
    const bad = fc.constantFrom(
      [0xff],
      [0xfe],
      [0xc0, 0x80],
      [0xc3],
      [0xe2, 0x82],
      [0xed, 0xa0, 0x80],
      [0xf4, 0x90, 0x80, 0x80],
      [0x80],
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...BODY_ROUTES), bad, fc.nat(), async (path, b, at) => {
        const api = makeApi(memoryDriver());
        const ok = new TextEncoder().encode('{"payload":"abcdef"}');
        const i = 12 + (at % 6);
        const bytes = Uint8Array.from([...ok.slice(0, i), ...b, ...ok.slice(i)]);
        const res = await send(api.app, path, bytes, { 'content-type': 'application/json' });
        expect(res.status, res.text).toBe(400);
        expect(res.json.error.code).toBe('invalid_request');
        expect((await api.call('GET', '/v1/queues')).json.queues).toEqual([]);
      }),
      { seed: SEED, numRuns: runs(60) },
    );
  });

  it('any JSON payload, split into any chunks, reads back exactly as sent', async () => {
    const api = makeApi(memoryDriver());
    await fc.assert(
      fc.asyncProperty(
        fc.jsonValue({ maxDepth: 4 }),
        fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 20 }),
        fc.boolean(),
        async (payload, cuts, withLength) => {
          const bytes = new TextEncoder().encode(JSON.stringify({ payload }));
          // Cut anywhere, including inside a multi-byte character.
          const parts: Uint8Array[] = [];
          let at = 0;
          for (let i = 0; at < bytes.byteLength; i++) {
            const n = cuts[i % cuts.length]!;
            parts.push(bytes.slice(at, at + n));
            at += n;
          }
          const stream = new ReadableStream<Uint8Array>({
            start(ctl) {
              for (const p of parts) ctl.enqueue(p);
              ctl.close();
            },
          });
          const res = await send(
            api.app,
            '/v1/queues/q/jobs',
            stream,
            withLength ? { 'content-length': String(bytes.byteLength) } : {},
          );
          expect(res.status, res.text).toBe(201);
          const read = await api.call('GET', `/v1/jobs/${res.json.id}`);
          expect(read.json.payload).toEqual(JSON.parse(JSON.stringify(payload)));
        },
      ),
      { seed: SEED, numRuns: runs(150) },
    );
  });
});
