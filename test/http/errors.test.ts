/** Bad input gets a clear 4xx JSON error with a stable code and loses nothing; never a 500. */
import { describe, expect, it } from 'vitest';
import { memoryDriver } from '../../src/drivers/memory/index.js';
import type { Driver } from '../../src/drivers/types.js';
import { createApp } from '../../src/handlers/app.js';
import { safeEqual } from '../../src/handlers/auth.js';
import { createRuntime } from '../../src/runtime/runtime.js';
import { makeApi, TOKEN } from '../support/api.js';

function expectError(
  res: { status: number; json: any; text: string },
  status: number,
  code: string,
) {
  expect(res.status).toBe(status);
  expect(res.json).toEqual({
    error: expect.objectContaining({ code, message: expect.any(String) }),
  });
  expect(res.text).not.toMatch(/\n\s+at |node_modules|\.ts:\d+/);
}

describe('validation', () => {
  const cases: [string, string, unknown, string | undefined][] = [
    ['malformed JSON', '/v1/queues/q/jobs', '{"payload":', undefined],
    ['a non-object body', '/v1/queues/q/jobs', '[1,2]', undefined],
    ['null body', '/v1/queues/q/jobs', 'null', undefined],
    ['an empty body where one is required', '/v1/queues/q/jobs', '', undefined],
    ['a wrong type', '/v1/queues/q/jobs', { priority: 'high' }, 'priority'],
    ['a fractional number', '/v1/queues/q/jobs', { maxAttempts: 1.5 }, 'maxAttempts'],
    ['an unknown field', '/v1/queues/q/jobs', { payload: 1, colour: 'red' }, 'colour'],
    [
      'an unknown field in a batch',
      '/v1/queues/q/jobs',
      { jobs: [{}, { nope: 1 }] },
      'jobs.1.nope',
    ],
    ['an empty batch', '/v1/queues/q/jobs', { jobs: [] }, 'jobs'],
    ['too big a batch', '/v1/queues/q/jobs', { jobs: Array(1001).fill({}) }, 'jobs'],
    ['a lease below 1 s', '/v1/queues/q/jobs', { leaseMs: 999 }, 'leaseMs'],
    ['a lease above 12 h', '/v1/queues/q/claim', { leaseMs: 12 * 3_600_000 + 1 }, 'leaseMs'],
    ['a bad runAt', '/v1/queues/q/jobs', { runAt: 'tomorrow' }, 'runAt'],
    [
      'a runAt over a year out',
      '/v1/queues/q/jobs',
      { runAt: Date.now() + 400 * 86_400_000 },
      'runAt',
    ],
    ['a negative delay', '/v1/queues/q/jobs', { delayMs: -1 }, 'delayMs'],
    ['claim limit 0', '/v1/queues/q/claim', { limit: 0 }, 'limit'],
    ['claim limit 101', '/v1/queues/q/claim', { limit: 101 }, 'limit'],
    [
      'a claim ack without a token',
      '/v1/queues/q/claim',
      { acks: [{ id: 'a' }] },
      'acks.0.leaseToken',
    ],
    ['an ack without a token', '/v1/jobs/abc/ack', {}, 'leaseToken'],
    [
      'a follow-up without a queue',
      '/v1/jobs/abc/ack',
      { leaseToken: 't', enqueue: [{}] },
      'enqueue.0.queue',
    ],
    [
      'a follow-up to a bad queue',
      '/v1/jobs/abc/ack',
      { leaseToken: 't', enqueue: [{ queue: 'a b' }] },
      'enqueue.0.queue',
    ],
    [
      'a nack with a string delay',
      '/v1/jobs/abc/nack',
      { leaseToken: 't', retryInMs: '5' },
      'retryInMs',
    ],
    ['an extend without leaseMs', '/v1/jobs/abc/extend', { leaseToken: 't' }, 'leaseMs'],
    ['bulk ack of 101', '/v1/ack', { acks: Array(101).fill({ id: 'a', leaseToken: 't' }) }, 'acks'],
    ['replay with bad ids', '/v1/queues/q/dead/replay', { ids: ['../x'] }, 'ids.0'],
    ['a bad queue name', '/v1/queues/a:b/jobs', {}, 'queue'],
    ['a queue name too long', `/v1/queues/${'q'.repeat(129)}/claim`, {}, 'queue'],
    ['a bad job id', '/v1/jobs/a.b/ack', { leaseToken: 't' }, 'id'],
  ];
  for (const [what, path, body, field] of cases) {
    it(`rejects ${what} with 400 invalid_request`, async () => {
      const api = makeApi(memoryDriver());
      const res = await api.call('POST', path, body);
      expectError(res, 400, 'invalid_request');
      if (field) expect(res.json.error.field).toBe(field);
      // Nothing was stored.
      expect((await api.call('GET', '/v1/queues')).json.queues).toEqual([]);
    });
  }

  it('rejects a bad list query', async () => {
    const api = makeApi(memoryDriver());
    expectError(await api.call('GET', '/v1/queues/q/jobs?state=lost'), 400, 'invalid_request');
    expectError(await api.call('GET', '/v1/queues/q/dead?limit=0'), 400, 'invalid_request');
    expectError(await api.call('GET', '/v1/queues/q/dead?extra=1'), 400, 'invalid_request');
  });

  it('answers 404 JSON for an unknown route or job', async () => {
    const api = makeApi(memoryDriver());
    expectError(await api.call('GET', '/v1/nothing'), 404, 'not_found');
    expectError(await api.call('GET', '/v1/jobs/01ABC'), 404, 'not_found');
  });
});

describe('body limit', () => {
  it('answers 413 to a body over the limit by Content-Length', async () => {
    const api = makeApi(memoryDriver());
    const big = JSON.stringify({ payload: 'x'.repeat(1024 * 1024) });
    expectError(await api.call('POST', '/v1/queues/q/jobs', big), 413, 'payload_too_large');
    expect((await api.call('GET', '/v1/queues')).json.queues).toEqual([]);
  });

  it('answers 413 to a streamed body without Content-Length', async () => {
    const api = makeApi(memoryDriver(), { maxBodyBytes: 1_000 });
    const chunk = new TextEncoder().encode('x'.repeat(400));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(ctl) {
        if (sent++ < 5) ctl.enqueue(chunk);
        else ctl.close();
      },
    });
    const res = await api.app.request('/v1/queues/q/jobs', {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect((await res.json()).error.code).toBe('payload_too_large');
  });

  it('accepts a body just under a configured limit', async () => {
    const api = makeApi(memoryDriver(), { maxBodyBytes: 2_000 });
    const body = JSON.stringify({ payload: 'y'.repeat(1_900) });
    expect((await api.call('POST', '/v1/queues/q/jobs', body)).status).toBe(201);
  });
});

describe('auth', () => {
  it('requires the bearer token on every /v1 route but health', async () => {
    const api = makeApi(memoryDriver());
    for (const [method, path] of [
      ['POST', '/v1/queues/q/jobs'],
      ['POST', '/v1/queues/q/claim'],
      ['GET', '/v1/queues'],
      ['POST', '/v1/tick'],
      ['GET', '/v1/capabilities'],
      ['DELETE', '/v1/jobs/abc'],
    ]) {
      const missing = await api.call(method!, path!, {}, { authorization: '' });
      expectError(missing, 401, 'unauthorized');
      const wrong = await api.call(method!, path!, {}, { authorization: `Bearer ${TOKEN}x` });
      expectError(wrong, 401, 'unauthorized');
      const basic = await api.call(method!, path!, {}, { authorization: `Basic ${TOKEN}` });
      expectError(basic, 401, 'unauthorized');
    }
    const res = await api.app.request('/v1/queues');
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await api.app.request('/healthz')).status).toBe(200);
  });

  it('never runs open without a token unless told to, and names the secret to set', async () => {
    const rt = createRuntime({ driver: memoryDriver() });
    const closed = createApp(rt, { missingTokenHint: 'set the EDGEQ_TOKEN secret' });
    const res = await closed.request('/v1/queues', {
      headers: { authorization: 'Bearer anything' },
    });
    expect(res.status).toBe(401);
    expect((await res.json()).error.message).toContain('EDGEQ_TOKEN');
    const open = createApp(rt, { open: true });
    expect((await open.request('/v1/queues')).status).toBe(200);
  });

  it('open mode answers loopback Host names only, so a DNS-rebound page cannot drive it', async () => {
    const rt = createRuntime({ driver: memoryDriver() });
    const open = createApp(rt, { open: true });
    for (const host of ['127.0.0.1:8787', 'localhost:8787', '[::1]:8787']) {
      expect((await open.request(`http://${host}/v1/queues`)).status, host).toBe(200);
    }
    const rebound = await open.request('http://attacker.example:8787/v1/queues/q/jobs', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ payload: 1 }),
    });
    expect(rebound.status).toBe(403);
    expect((await rebound.json()).error.code).toBe('forbidden');
    expect(await rt.queues()).toEqual([]);
    const local = await open.request('http://127.0.0.1:8787/v1/queues/q/jobs', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ payload: 1 }),
    });
    expect(local.status).toBe(201);
    expect((await rt.queues()).map((q) => q.name)).toEqual(['q']);
  });

  it('compares tokens in constant time and correctly', async () => {
    expect(await safeEqual('abc', 'abc')).toBe(true);
    expect(await safeEqual('abc', 'abd')).toBe(false);
    expect(await safeEqual('abc', 'abcd')).toBe(false);
    expect(await safeEqual('', 'a')).toBe(false);
  });
});

describe('storage failures', () => {
  it('answers 503 driver_unavailable without leaking the cause', async () => {
    const broken = new Proxy(memoryDriver(), {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver);
        if (typeof v === 'function' && prop !== 'close') {
          return () => Promise.reject(new Error('ECONNREFUSED secret-host:6379 password=hunter2'));
        }
        return v;
      },
    }) as Driver;
    const api = makeApi(broken);
    const res = await api.call('POST', '/v1/queues/q/jobs', { payload: 1 });
    expectError(res, 503, 'driver_unavailable');
    expect(res.text).not.toContain('hunter2');
    expect(res.text).not.toContain('secret-host');
  });
});

describe('hostile bodies never get a 500', () => {
  const bodies = [
    '{"__proto__":{"admin":true}}',
    '{"constructor":{"prototype":{}}}',
    '{"payload":1e400}',
    '{"priority":1e400}',
    '{"leaseToken":null}',
    `{"payload":${'['.repeat(5000)}${']'.repeat(5000)}}`,
    '\u0000\u0001',
    '{"jobs":{"length":5}}',
    '{"jobs":null}',
    '{"acks":"all"}',
    '{"ids":[1,2]}',
    '"string"',
    '12',
    'true',
    '{"limit":"10"}',
    '{"runAt":"2026-13-45T99:00:00Z"}',
    `{"key":"${'k'.repeat(300)}"}`,
  ];
  const paths = [
    '/v1/queues/q/jobs',
    '/v1/queues/q/claim',
    '/v1/jobs/abc/ack',
    '/v1/jobs/abc/nack',
    '/v1/jobs/abc/extend',
    '/v1/ack',
    '/v1/queues/q/dead/replay',
  ];
  it('answers each with a 4xx JSON error', async () => {
    const api = makeApi(memoryDriver());
    for (const path of paths) {
      for (const body of bodies) {
        const res = await api.call('POST', path, body);
        // A body that happens to be valid for a route (e.g. {} for claim) may succeed.
        if (res.status < 300) continue;
        expect(res.status, `${path} ${body.slice(0, 40)}`).toBeGreaterThanOrEqual(400);
        expect(res.status, `${path} ${body.slice(0, 40)}`).toBeLessThan(500);
        expect(res.json?.error?.code).toBeTypeOf('string');
      }
    }
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });
});
