/**
 * Structured logs: the logger's line format and levels, `EDGEQ_LOG`, and the request middleware:
 * the request id (taken from a safe `X-Request-Id`, else minted), echoed on every answer, and one
 * line per request with the route pattern, status, duration, error code and namespace.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryDriver } from '../../src/drivers/memory/index.js';
import {
  createLogger,
  LOG_LEVELS,
  logLevelFromEnv,
  newRequestId,
  requestIdFrom,
} from '../../src/observe/log.js';
import { type FaultyStore, hranaStore } from '../faults/stores.js';
import { ADMIN, harness } from './harness.js';

describe('the logger', () => {
  it('writes one JSON object per line: time, level, msg first, then bound and own fields', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'info', write: (l) => lines.push(l), now: () => 0 });
    log.child({ requestId: 'r1' }).info('hello', { n: 1, nested: { ok: true }, gone: undefined });
    expect(lines).toEqual([
      '{"time":"1970-01-01T00:00:00.000Z","level":"info","msg":"hello","requestId":"r1","n":1,"nested":{"ok":true}}',
    ]);
  });

  it('writes a level and those above it; off writes nothing', () => {
    for (const level of LOG_LEVELS) {
      const seen: string[] = [];
      const log = createLogger({ level, write: (_, l) => seen.push(l) });
      log.debug('d');
      log.info('i');
      log.warn('w');
      log.error('e');
      const from = LOG_LEVELS.indexOf(level);
      expect(seen, level).toEqual(['debug', 'info', 'warn', 'error'].slice(from));
      expect(log.enabled('warn')).toBe(from <= 2);
    }
  });

  it('reads EDGEQ_LOG, and refuses a value it does not know', () => {
    expect(logLevelFromEnv({}, 'info')).toBe('info');
    expect(logLevelFromEnv({ EDGEQ_LOG: '' }, 'warn')).toBe('warn');
    expect(logLevelFromEnv({ EDGEQ_LOG: 'debug' }, 'info')).toBe('debug');
    expect(logLevelFromEnv({ EDGEQ_LOG: 'off' }, 'info')).toBe('off');
    expect(() => logLevelFromEnv({ EDGEQ_LOG: 'verbose' }, 'info')).toThrow(
      'EDGEQ_LOG must be one of debug, info, warn, error, off',
    );
  });

  it('adopts a short safe request id and mints one for anything else', () => {
    for (const safe of ['abc', 'req-1.2_3:x', 'A'.repeat(64)])
      expect(requestIdFrom(safe)).toBe(safe);
    for (const unsafe of [
      undefined,
      null,
      '',
      'A'.repeat(65),
      'has space',
      'new\nline',
      'ünï',
      '"q"',
    ]) {
      const id = requestIdFrom(unsafe);
      expect(id).toMatch(/^[0-9a-f]{16}$/);
      expect(id).not.toBe(unsafe);
    }
    expect(new Set(Array.from({ length: 1000 }, newRequestId)).size).toBe(1000);
  });
});

describe('the request line', () => {
  it('echoes the request id on every answer, and logs it once per request', async () => {
    const h = harness(memoryDriver(), { level: 'info' });
    const cases: [string, string, { token?: string | null; body?: unknown }, number][] = [
      ['POST', '/v1/queues/q/jobs', { body: { payload: 1 } }, 201],
      ['POST', '/v1/queues/q/jobs', { body: { nope: 1 } }, 400],
      ['GET', '/v1/queues', { token: null }, 401],
      ['GET', '/v1/jobs/01KDVDNA000000NVC5EF8CW6QK', {}, 404],
      ['GET', '/nowhere', {}, 404],
      ['GET', '/healthz', { token: null }, 200],
      ['GET', '/metrics', {}, 200],
    ];
    for (const [i, [method, path, opts, status]] of cases.entries()) {
      const given = `given-${i}.${status}`;
      const r = await h.call(method, path, { ...opts, headers: { 'x-request-id': given } });
      expect(r.status, path).toBe(status);
      expect(r.headers.get('x-request-id'), path).toBe(given);
      const minted = await h.call(method, path, opts);
      expect(minted.headers.get('x-request-id')).toMatch(/^[0-9a-f]{16}$/);
    }
    const logged = h.logged();
    expect(logged).toHaveLength(cases.length * 2);
    const ids = logged.map((l) => l.requestId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const l of logged) expect(l).toMatchObject({ level: 'info', msg: 'request' });
  });

  it('names the route pattern, status, duration, error code and namespace, never the path', async () => {
    const h = harness(memoryDriver(), {
      level: 'info',
      tokens: [{ token: 'acme-token-0123456789', ns: 'acme', rights: ['consume'] }],
    });
    const { id } = (await h.call('POST', '/v1/queues/emails/jobs', { body: {} })).json;
    await h.call('POST', `/v1/jobs/${id}/ack`, { body: { leaseToken: 'stale-token' } });
    await h.call('POST', '/v1/queues/emails/jobs', { token: 'acme-token-0123456789', body: {} });
    await h.call('POST', '/v1/queues/emails/claim', { token: 'wrong-token-0123456789' });
    await h.call('GET', '/v1/no/such/route');
    const [enq, ack, forbidden, unauthorized, missing] = h.logged();
    expect(enq).toMatchObject({
      method: 'POST',
      route: '/v1/queues/:queue/jobs',
      status: 201,
      ns: 'default',
    });
    expect(enq).not.toHaveProperty('code');
    expect(typeof enq!.durationMs).toBe('number');
    expect(enq!.durationMs).toBeGreaterThanOrEqual(0);
    expect(ack).toMatchObject({ route: '/v1/jobs/:id/ack', status: 409, code: 'lease_lost' });
    // The guard refused before handing out a namespace: the line says so by having none.
    expect(forbidden).toMatchObject({ status: 403, code: 'forbidden' });
    expect(unauthorized).toMatchObject({
      route: '/v1/queues/:queue/claim',
      status: 401,
      code: 'unauthorized',
    });
    expect(unauthorized).not.toHaveProperty('ns');
    expect(missing).toMatchObject({ method: 'GET', status: 404, code: 'not_found' });
    expect(missing).not.toHaveProperty('route');
    const text = h.lines.join('\n');
    expect(text).not.toContain(id);
    expect(text).not.toContain('/v1/no/such/route');
    expect(text).not.toContain('stale-token');
  });

  it('writes request lines at info: at warn only failures are written', async () => {
    const h = harness(memoryDriver(), { level: 'warn' });
    await h.call('POST', '/v1/queues/q/jobs', { body: {} });
    await h.call('GET', '/v1/queues', { token: null });
    expect(h.lines).toEqual([]);
  });

  describe('a store that fails', () => {
    let store: FaultyStore;
    beforeAll(async () => {
      store = await hranaStore(11);
    });
    afterAll(async () => {
      await store?.close();
    });

    it('logs the storage failure with its cause and the request id, at error', async () => {
      const h = harness(store.driver, { level: 'info' });
      store.endpoint.faults = { down: true };
      let r: Awaited<ReturnType<typeof h.call>>;
      try {
        r = await h.call('POST', '/v1/queues/q/jobs', {
          body: { payload: 1 },
          headers: { 'x-request-id': 'outage-1' },
        });
      } finally {
        store.endpoint.faults = {};
      }
      expect(r.status).toBe(503);
      const lines = h.logged();
      expect(lines.map((l) => [l.level, l.msg, l.requestId])).toEqual([
        ['error', 'storage call failed', 'outage-1'],
        ['error', 'request', 'outage-1'],
      ]);
      expect(lines[0]).toMatchObject({ driver: 'libsql' });
      expect(String(lines[0]!.cause).length).toBeGreaterThan(5);
      expect(lines[1]).toMatchObject({ status: 503, code: 'driver_unavailable' });
      // The store is counted as failing in /metrics.
      const m = await h.call('GET', '/metrics', { token: ADMIN });
      expect(m.text).toMatch(/^edgeq_storage_errors_total\{driver="libsql"\} [1-9]/m);
    });
  });
});
