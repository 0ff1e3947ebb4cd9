/**
 * `edgeq serve` (the built bin, a real process): startup lines stay plain text, then one JSON
 * line per request and per busy tick, each with a request id; /metrics, /openapi.json and /docs
 * are served; `EDGEQ_LOG` sets the level and a wrong value stops startup.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiDocument } from '../../src/openapi/document.js';
import { BIN, type ServeProcess, startServe } from '../support/serve-process.js';
import { scrape } from './scrape.js';

const TOKEN = 'serve-observe-token-0123456789';
const dir = mkdtempSync(join(tmpdir(), 'edgeq-observe-serve-'));
let server: ServeProcess;

const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
  fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

/** The JSON lines written so far (startup lines are plain text and skipped). */
const jsonLines = () =>
  server
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

beforeAll(async () => {
  server = await startServe(
    ['--port', '0', '--tick-interval', '1'],
    { EDGEQ_DRIVER: 'memory', EDGEQ_TOKEN: TOKEN, EDGEQ_LOG: 'info' },
    dir,
  );
});
afterAll(async () => {
  server?.child.kill('SIGTERM');
  await server?.exited;
  rmSync(dir, { recursive: true, force: true });
});

describe('edgeq serve', () => {
  it('logs each request as one JSON line with its request id, after plain startup lines', async () => {
    const r = await call(
      'POST',
      '/v1/queues/emails/jobs',
      { payload: 1 },
      { 'x-request-id': 'serve-1' },
    );
    expect([r.status, r.headers.get('x-request-id')]).toEqual([201, 'serve-1']);
    expect(
      (await call('GET', '/v1/queues', undefined, { authorization: 'Bearer nope' })).status,
    ).toBe(401);
    await expect.poll(() => jsonLines().length, { timeout: 5_000 }).toBeGreaterThanOrEqual(2);
    expect(server.output()).toMatch(
      /^edgeq: listening on http:\/\/127\.0\.0\.1:\d+ \(driver memory\)$/m,
    );
    const [enq, denied] = jsonLines().filter((l) => l.msg === 'request');
    expect(enq).toMatchObject({
      level: 'info',
      requestId: 'serve-1',
      method: 'POST',
      route: '/v1/queues/:queue/jobs',
      status: 201,
      ns: 'default',
    });
    expect(denied).toMatchObject({ status: 401, code: 'unauthorized' });
    expect(server.output()).not.toContain(TOKEN);
  });

  it('logs a tick that reclaimed a lease, with its own request id', async () => {
    await call('POST', '/v1/queues/short/jobs', { payload: 2 });
    const claim = await call('POST', '/v1/queues/short/claim', { leaseMs: 1_000 });
    expect((await claim.json()).jobs).toHaveLength(1);
    await expect
      .poll(() => jsonLines().find((l) => l.msg === 'tick' && l.reclaimed === 1), {
        timeout: 10_000,
      })
      .toMatchObject({ level: 'info', dead: 0, done: true });
    const tick = jsonLines().find((l) => l.msg === 'tick')!;
    expect(tick.requestId).toMatch(/^[0-9a-f]{16}$/);
  });

  it('serves /metrics, /openapi.json and /docs', async () => {
    const m = await call('GET', '/metrics');
    expect(m.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const parsed = scrape(await m.text());
    expect(parsed.value('edgeq_jobs_enqueued_total', { ns: 'default', queue: 'emails' })).toBe(1);
    expect(parsed.value('edgeq_jobs_reclaimed_total', { outcome: 'requeued' })).toBe(1);
    const doc = await fetch(`${server.url}/openapi.json`);
    expect(await doc.json()).toEqual(openApiDocument());
    const docs = await fetch(`${server.url}/docs`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('/v1/queues/{queue}/claim');
  });

  it('stops at startup on an EDGEQ_LOG it does not know', () => {
    const r = spawnSync(process.execPath, [BIN, 'serve', '--port', '0'], {
      cwd: dir,
      env: { ...process.env, EDGEQ_DRIVER: 'memory', EDGEQ_LOG: 'loud' },
      encoding: 'utf8',
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('EDGEQ_LOG must be one of debug, info, warn, error, off');
  });
});
