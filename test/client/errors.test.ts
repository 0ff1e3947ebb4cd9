/**
 * Typed errors: every error answer of a live `edgeq serve` becomes an `EdgeqApiError` with the
 * API's code, status and field; a 429 carries `retryAfterMs` (and one short enough is waited out
 * and retried); no answer at all is an `EdgeqNetworkError` (`network_error` or `timeout`); and a
 * body that is not an edgeq error (a proxy's page) is still a clear `http_error`.
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import { type AddressInfo, createServer as createTcpServer, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EdgeqApiError,
  EdgeqClient,
  EdgeqClientError,
  EdgeqNetworkError,
} from '../../src/client/index.js';
import type { TokenConfig } from '../../src/handlers/tokens.js';
import { type Edgeq, startEdgeq, TOKEN } from './support.js';

const SCOPED = 'client-scoped-mine-only-0123456789';
const SLOW = 'client-rated-per-minute-0123456789';
const FAST = 'client-rated-per-second-0123456789';
const TOKENS: TokenConfig[] = [
  { token: SCOPED, ns: 'default', rights: ['enqueue', 'consume'], queues: ['mine'] },
  { token: SLOW, ns: 'default', rights: ['enqueue'], rate: { limit: 1, per: 'minute' } },
  { token: FAST, ns: 'default', rights: ['enqueue'], rate: { limit: 2, per: 'second' } },
];

let edgeq: Edgeq;
let admin: EdgeqClient;

beforeAll(async () => {
  edgeq = await startEdgeq({
    env: { EDGEQ_TOKENS: JSON.stringify(TOKENS), EDGEQ_MAX_BODY_BYTES: '4096' },
  });
  admin = new EdgeqClient({ url: edgeq.url, token: TOKEN });
});
afterAll(() => edgeq?.stop());

async function rejection(p: Promise<unknown>): Promise<EdgeqClientError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(EdgeqClientError);
  return err as EdgeqClientError;
}

async function listen(server: Server | ReturnType<typeof createTcpServer>): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

describe('API errors as EdgeqApiError', () => {
  it('400 names the field, and is not retried', async () => {
    const err = await rejection(admin.enqueue('q', { maxAttempts: 0 }));
    expect(err).toBeInstanceOf(EdgeqApiError);
    expect(err).toMatchObject({ code: 'invalid_request', status: 400, field: 'maxAttempts' });
    expect(err.attempts).toBe(1);
    const batch = await rejection(admin.enqueueBatch('q', [{}, { priority: 1.5 }]));
    expect(batch).toMatchObject({
      status: 400,
      field: 'jobs.1.priority',
      path: '/v1/queues/q/jobs',
    });
  });

  it('401 for an unknown token', async () => {
    const stranger = new EdgeqClient({ url: edgeq.url, token: 'not-a-known-token-0123456789' });
    expect(await rejection(stranger.queues())).toMatchObject({ code: 'unauthorized', status: 401 });
  });

  it('403 for a scoped token outside its queues, while its own queue works', async () => {
    const scoped = new EdgeqClient({ url: edgeq.url, token: SCOPED });
    expect((await scoped.enqueue('mine')).created).toBe(true);
    const err = await rejection(scoped.enqueue('theirs'));
    expect(err).toMatchObject({ code: 'forbidden', status: 403 });
    expect(err.message).toContain('theirs');
  });

  it('404 for a job that does not exist', async () => {
    expect(await rejection(admin.get('no-such-job'))).toMatchObject({
      code: 'not_found',
      status: 404,
      method: 'GET',
      path: '/v1/jobs/no-such-job',
    });
  });

  it('409 lease_lost for a stale lease token, on ack, nack and extend', async () => {
    const { id } = await admin.enqueue('leases');
    const { jobs } = await admin.claim('leases');
    expect(jobs[0]!.id).toBe(id);
    for (const call of [
      admin.ack(id, { leaseToken: 'stale' }),
      admin.nack(id, { leaseToken: 'stale' }),
      admin.extend(id, { leaseToken: 'stale', leaseMs: 5_000 }),
    ]) {
      const err = await rejection(call);
      expect(err).toMatchObject({ code: 'lease_lost', status: 409, attempts: 1 });
    }
    expect((await admin.get(id)).state).toBe('active'); // the stale calls changed nothing
  });

  it('413 for a body over the limit', async () => {
    const err = await rejection(admin.enqueue('q', { payload: 'x'.repeat(8_000) }));
    expect(err).toMatchObject({ code: 'payload_too_large', status: 413 });
  });

  it('429 with retryAfterMs; a Retry-After past maxRetryDelayMs is not waited out', async () => {
    const rated = new EdgeqClient({ url: edgeq.url, token: SLOW });
    await rated.enqueue('rated');
    const started = Date.now();
    const err = await rejection(rated.enqueue('rated'));
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(err).toBeInstanceOf(EdgeqApiError);
    expect(err).toMatchObject({ code: 'rate_limited', status: 429, attempts: 1 });
    const after = (err as EdgeqApiError).retryAfterMs!;
    expect(after).toBeGreaterThanOrEqual(50_000);
    expect(after).toBeLessThanOrEqual(60_000);
  });

  it('429 with a short Retry-After is waited out and retried', async () => {
    const rated = new EdgeqClient({ url: edgeq.url, token: FAST });
    await rated.enqueue('rated');
    await rated.enqueue('rated');
    const started = Date.now();
    const third = await rated.enqueue('rated'); // over 2 per second: told to come back in 1 s
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(third.created).toBe(true);
    // Without retries the same situation is an error carrying the delay.
    const once = new EdgeqClient({ url: edgeq.url, token: FAST, retries: 0 });
    await once.enqueue('rated').catch(() => undefined);
    const err = await rejection(once.enqueue('rated'));
    expect(err).toMatchObject({ code: 'rate_limited', retryAfterMs: 1_000 });
  });
});

describe('no answer as EdgeqNetworkError', () => {
  it('network_error for a closed port, after the retries', async () => {
    const probe = createTcpServer();
    const port = await listen(probe);
    await new Promise((r) => probe.close(r)); // nothing listens there now
    const client = new EdgeqClient({ url: `http://127.0.0.1:${port}`, retryDelayMs: 5 });
    const err = await rejection(client.get('x'));
    expect(err).toBeInstanceOf(EdgeqNetworkError);
    expect(err).toMatchObject({ code: 'network_error', attempts: 3 });
    expect(err.message).toContain('ECONNREFUSED');
    expect(err.cause).toBeDefined();
  });

  it('timeout for a server that never answers', async () => {
    const sockets: Socket[] = [];
    const silent = createTcpServer((s) => sockets.push(s));
    const port = await listen(silent);
    try {
      const client = new EdgeqClient({
        url: `http://127.0.0.1:${port}`,
        timeoutMs: 200,
        retries: 1,
        retryDelayMs: 5,
      });
      const started = Date.now();
      const err = await rejection(client.queues());
      expect(err).toBeInstanceOf(EdgeqNetworkError);
      expect(err).toMatchObject({ code: 'timeout', attempts: 2 });
      expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });

  it("rejects with the caller's abort reason, without retrying", async () => {
    const ctrl = new AbortController();
    ctrl.abort(new Error('changed my mind'));
    await expect(admin.queues({ signal: ctrl.signal })).rejects.toThrow('changed my mind');
  });
});

describe('answers that are not edgeq errors', () => {
  it('a 502 HTML page is http_error (retried), a 200 that is not JSON too', async () => {
    let hits = 0;
    const page = createHttpServer((req, res) => {
      hits++;
      if (req.url?.startsWith('/v1/queues')) {
        res.writeHead(502, { 'content-type': 'text/html' });
        res.end('<html><body>Bad gateway: upstream secret-ish detail</body></html>');
      } else {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('hello');
      }
    });
    const port = await listen(page);
    try {
      const client = new EdgeqClient({ url: `http://127.0.0.1:${port}`, retryDelayMs: 5 });
      const err = await rejection(client.queues());
      expect(err).toBeInstanceOf(EdgeqApiError);
      expect(err).toMatchObject({ code: 'http_error', status: 502, attempts: 3 });
      expect(hits).toBe(3);
      expect(err.message).toContain('HTTP 502');
      expect(err.message).toContain('text/html');
      expect(err.message).not.toContain('secret-ish'); // the body never reaches the message
      const ok = await rejection(client.health());
      expect(ok).toMatchObject({ code: 'http_error', status: 200 });
    } finally {
      await new Promise((r) => page.close(r));
    }
  });
});
