import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { deliver, retryAfterMs } from '../../src/push/deliver.js';
import { generateSecret } from '../../src/push/sign.js';
import type { UrlPolicy } from '../../src/push/ssrf.js';

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

/** A local HTTP server whose behaviour each test sets. */
class TestServer {
  readonly received: Received[] = [];
  handler: Handler = (_req, res) => res.end('ok');
  private server: Server;
  constructor() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        this.received.push({ method: req.method!, url: req.url!, headers: req.headers, body });
        this.handler(req, res, body);
      });
    });
  }
  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
  }
  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }
  reset(): void {
    this.received.length = 0;
    this.handler = (_req, res) => res.end('ok');
    this.server.closeAllConnections();
  }
  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const local: UrlPolicy = { allowHttp: true, allowPrivate: true };
const secret = generateSecret();
const body = JSON.stringify({ queue: 'emails', id: 'job_1', payload: { n: 1 } });
const nowS = () => Math.floor(Date.now() / 1000);

const a = new TestServer();
const b = new TestServer(); // redirect target

beforeAll(async () => {
  await a.start();
  await b.start();
});
afterEach(() => {
  a.reset();
  b.reset();
});
afterAll(async () => {
  await a.stop();
  await b.stop();
});

const send = (extra: Partial<Parameters<typeof deliver>[0]> = {}) =>
  deliver({
    url: a.url,
    policy: local,
    secrets: [secret],
    id: 'msg_job_1',
    body,
    nowSeconds: nowS(),
    ...extra,
  });

describe('deliver', () => {
  it('200: ok, and the request is a signed JSON POST the reference library verifies', async () => {
    const r = await send();
    expect(r).toMatchObject({ ok: true, status: 200 });
    expect(r.error).toBeUndefined();
    expect(r.durationMs).toBeGreaterThanOrEqual(0);
    expect(a.received).toHaveLength(1);
    const got = a.received[0]!;
    expect(got.method).toBe('POST');
    expect(got.url).toBe('/hook');
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.headers['webhook-id']).toBe('msg_job_1');
    expect(got.body).toBe(body);
    const headers = got.headers as Record<string, string>;
    expect(new Webhook(secret).verify(got.body, headers)).toEqual(JSON.parse(body));
  });

  it('with two secrets, a receiver holding either one verifies the delivery', async () => {
    const next = generateSecret();
    expect((await send({ secrets: [secret, next] })).ok).toBe(true);
    const got = a.received[0]!;
    const headers = got.headers as Record<string, string>;
    expect(new Webhook(secret).verify(got.body, headers)).toBeTruthy();
    expect(new Webhook(next).verify(got.body, headers)).toBeTruthy();
  });

  it('204 and 201 are ok too', async () => {
    a.handler = (_req, res) => res.writeHead(204).end();
    expect(await send()).toMatchObject({ ok: true, status: 204 });
    a.handler = (_req, res) => res.writeHead(201).end('{}');
    expect(await send()).toMatchObject({ ok: true, status: 201 });
  });

  it('500: failure, the response body is never returned', async () => {
    a.handler = (_req, res) => res.writeHead(500).end('stack trace with SECRET_TOKEN');
    const r = await send();
    expect(r).toMatchObject({ ok: false, status: 500, error: 'HTTP 500' });
    expect(JSON.stringify(r)).not.toContain('SECRET_TOKEN');
    expect(r.retryAfterMs).toBeUndefined();
  });

  it('302: the redirect is not followed and its target receives nothing', async () => {
    a.handler = (_req, res) => res.writeHead(302, { location: b.url }).end();
    const r = await send();
    expect(r).toMatchObject({ ok: false, status: 302, error: 'redirect not followed (302)' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(a.received).toHaveLength(1);
    expect(b.received).toHaveLength(0);
  });

  it('307/308 (which would re-POST the body) are not followed either', async () => {
    for (const status of [307, 308]) {
      a.handler = (_req, res) => res.writeHead(status, { location: b.url }).end();
      expect(await send()).toMatchObject({ ok: false, status });
    }
    expect(b.received).toHaveLength(0);
  });

  it('timeout: a server that never answers is abandoned after timeoutMs', async () => {
    a.handler = () => {}; // stall
    const r = await send({ timeoutMs: 300 });
    expect(r).toMatchObject({ ok: false, error: 'timeout' });
    expect(r.status).toBeUndefined();
    expect(r.durationMs).toBeGreaterThanOrEqual(250);
    expect(r.durationMs).toBeLessThan(3_000);
  });

  it('timeout also bounds a response body that trickles forever', async () => {
    a.handler = (_req, res) => {
      res.writeHead(200);
      const t = setInterval(() => res.write('x'), 20);
      res.on('close', () => clearInterval(t));
    };
    const r = await send({ timeoutMs: 400 });
    expect(r).toMatchObject({ ok: true, status: 200 }); // status was received in time
    expect(r.durationMs).toBeLessThan(3_000);
  });

  it('a 10 MB response body is not read: deliver returns quickly, the server cannot finish', async () => {
    const total = 10 * 1024 * 1024;
    let written = 0;
    let finished = false;
    const closed = new Promise<void>((resolve) => {
      a.handler = (_req, res) => {
        res.writeHead(200, { 'content-length': String(total) });
        const chunk = Buffer.alloc(64 * 1024, 0x61);
        const pump = () => {
          while (written < total) {
            written += chunk.length;
            if (!res.write(chunk)) return void res.once('drain', pump);
          }
          res.end(() => {
            finished = true;
          });
        };
        res.on('close', () => resolve());
        pump();
      };
    });
    const started = Date.now();
    const r = await send();
    expect(r).toMatchObject({ ok: true, status: 200 });
    expect(Date.now() - started).toBeLessThan(2_000);
    await closed; // the client hung up
    expect(finished).toBe(false);
    // Whatever the kernel buffers absorbed, the server never got 10 MB out.
    expect(written).toBeLessThan(total);
  });

  it('reads at most 64 KiB (plus one chunk) of the response body, then cancels', async () => {
    a.handler = (_req, res) => {
      res.writeHead(200);
      const chunk = Buffer.alloc(16 * 1024, 0x62);
      const pump = () => {
        while (!res.destroyed) if (!res.write(chunk)) return void res.once('drain', pump);
      };
      pump();
    };
    let pulled = 0;
    let cancelled = false;
    const counting = (async (input: string, init: RequestInit) => {
      const res = await fetch(input, init);
      const reader = res.body!.getReader();
      const body = new ReadableStream<Uint8Array>(
        {
          async pull(controller) {
            const { done, value } = await reader.read();
            if (done) return controller.close();
            pulled += value.byteLength;
            controller.enqueue(value);
          },
          cancel(reason) {
            cancelled = true;
            return reader.cancel(reason);
          },
        },
        { highWaterMark: 0 },
      );
      return new Response(body, { status: res.status, headers: res.headers });
    }) as unknown as typeof fetch;
    const r = await send({ fetchImpl: counting });
    expect(r).toMatchObject({ ok: true, status: 200 });
    expect(cancelled).toBe(true);
    expect(pulled).toBeGreaterThanOrEqual(64 * 1024);
    expect(pulled).toBeLessThan(64 * 1024 + 128 * 1024);
  });

  it('429 with Retry-After in seconds', async () => {
    a.handler = (_req, res) => res.writeHead(429, { 'retry-after': '120' }).end();
    expect(await send()).toMatchObject({ ok: false, status: 429, retryAfterMs: 120_000 });
  });

  it('503 with Retry-After as an HTTP date, relative to nowSeconds', async () => {
    const now = nowS();
    const at = new Date((now + 90) * 1000).toUTCString();
    a.handler = (_req, res) => res.writeHead(503, { 'retry-after': at }).end();
    expect(await send({ nowSeconds: now })).toMatchObject({
      ok: false,
      status: 503,
      error: 'HTTP 503',
      retryAfterMs: 90_000,
    });
  });

  it('429 without or with a garbage Retry-After has no retryAfterMs', async () => {
    a.handler = (_req, res) => res.writeHead(429).end();
    expect((await send()).retryAfterMs).toBeUndefined();
    a.handler = (_req, res) => res.writeHead(429, { 'retry-after': '1.5' }).end();
    expect((await send()).retryAfterMs).toBeUndefined();
  });

  it('network error: nothing listening', async () => {
    const probe = new TestServer();
    await probe.start();
    const url = probe.url;
    await probe.stop();
    const r = await send({ url });
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/^network error/);
  });

  it('the default policy refuses the same local URL and sends nothing', async () => {
    const r = await deliver({ url: a.url, secrets: [secret], id: 'm', body, nowSeconds: nowS() });
    expect(r).toMatchObject({ ok: false });
    expect(r.error).toMatch(/^refused \(scheme\)/);
    const https = a.url.replace('http:', 'https:');
    const r2 = await deliver({ url: https, secrets: [secret], id: 'm', body, nowSeconds: nowS() });
    expect(r2.error).toBe('refused (private): 127.0.0.1 is loopback (127.0.0.0/8)');
    const r3 = await send({ policy: { allowHttp: true } });
    expect(r3.error).toMatch(/^refused \(private\)/);
    expect(a.received).toHaveLength(0);
  });

  it('a bad secret is a failed attempt, not a throw, and the error does not echo it', async () => {
    const r = await send({ secrets: ['whsec_???not-base64'] });
    expect(r).toMatchObject({ ok: false });
    expect(r.error).toMatch(/^not signed: .*base64/);
    expect(r.error).not.toContain('not-base64');
    expect(a.received).toHaveLength(0);
  });

  it('uses fetchImpl with redirect manual, a signal and the normalised URL', async () => {
    let seen: { url: string; init: RequestInit } | undefined;
    const fetchImpl = (async (url: string, init: RequestInit) => {
      seen = { url, init };
      return new Response(null, { status: 202 });
    }) as unknown as typeof fetch;
    const r = await deliver({
      url: 'HTTPS://Hooks.Example.COM/x',
      secrets: [secret],
      id: 'm',
      body,
      nowSeconds: 1_700_000_000,
      fetchImpl,
    });
    expect(r).toMatchObject({ ok: true, status: 202 });
    expect(seen!.url).toBe('https://hooks.example.com/x');
    expect(seen!.init).toMatchObject({ method: 'POST', redirect: 'manual', body });
    expect(seen!.init.signal).toBeInstanceOf(AbortSignal);
    expect((seen!.init.headers as Record<string, string>)['webhook-timestamp']).toBe('1700000000');
  });
});

describe('retryAfterMs', () => {
  it.each([
    ['0', 0],
    ['  30 ', 30_000],
    ['Wed, 21 Oct 2015 07:28:00 GMT', 60_000], // now = 07:27:00
    ['Wed, 21 Oct 2015 07:00:00 GMT', 0], // in the past: retry now
    ['Wednesday, 21-Oct-15 07:28:00 GMT', 60_000], // RFC 850
    ['Wed Oct 21 07:28:00 2015', 60_000], // asctime: no zone, but GMT by definition
    ['Thu Oct  1 07:28:00 2015', 0], // asctime, day padded with a space, in the past
    ['-5', undefined],
    ['1.5', undefined],
    ['', undefined],
    [null, undefined],
    ['soon', undefined],
  ])('%j -> %s', (value, expected) => {
    const now = Date.parse('Wed, 21 Oct 2015 07:27:00 GMT') / 1000;
    expect(retryAfterMs(value, now)).toBe(expected);
  });
});
