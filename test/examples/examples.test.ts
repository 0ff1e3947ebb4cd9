/** The README's examples, run: the handlers Worker inside workerd, and the push receiver. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryDriver } from '../../src/drivers/memory/index.js';
import { createApp } from '../../src/handlers/app.js';
import { createRuntime } from '../../src/runtime/runtime.js';
import { ROOT, wrangler } from '../support/wrangler.js';

describe('examples/handlers-worker.ts inside workerd', () => {
  let mf: Miniflare;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(ROOT, '.wrangler', 'example-'));
    const config = join(dir, 'wrangler.json');
    await writeFile(
      config,
      JSON.stringify({
        name: 'example',
        main: join(ROOT, 'examples/handlers-worker.ts'),
        compatibility_date: '2026-04-01',
      }),
    );
    await wrangler(['deploy', '--dry-run', '--config', config, '--outdir', join(dir, 'out')]);
    mf = new Miniflare({
      modules: true,
      scriptPath: join(dir, 'out', 'handlers-worker.js'),
      compatibilityDate: '2026-04-01',
      bindings: { EDGEQ_TOKEN: 'example' },
    });
    await mf.ready;
  }, 60_000);
  afterAll(async () => {
    await mf?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await mf.dispatchFetch(`http://example.test${path}`, {
      method,
      headers: { authorization: 'Bearer example' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return (await res.json()) as any;
  };

  it('runs the handler right after the enqueue, with its follow-up, and the schedule on the tick', async () => {
    const { id } = await call('POST', '/v1/queues/email/jobs', {
      payload: { to: 'ada@example.com' },
    });
    await expect.poll(async () => (await call('GET', `/v1/jobs/${id}`)).state).toBe('completed');
    expect((await call('GET', `/v1/jobs/${id}`)).result).toEqual({ sent: true });
    const worker = await mf.getWorker();
    expect((await worker.scheduled({ cron: '* * * * *' })).outcome).toBe('ok');
    const audit = await call('GET', '/v1/queues/audit');
    // The follow-up ran on the tick; the heartbeat slots wait as scheduled jobs.
    expect(audit.counts.completed).toBeGreaterThanOrEqual(1);
    expect(audit.counts.scheduled).toBeGreaterThanOrEqual(5);
    expect((await call('GET', '/v1/schedules')).schedules[0]).toMatchObject({ name: 'heartbeat' });
  });
});

describe('examples/push-receiver.mjs', () => {
  it('receives and verifies pushed jobs', async () => {
    // Built JS (npm test builds first): the example imports edgeq from dist/.
    const { startReceiver } = await import('../../examples/push-receiver.mjs');
    const rt = createRuntime({
      driver: memoryDriver(),
      pushPolicy: { allowHttp: true, allowPrivate: true },
    });
    const app = createApp(rt, { open: true });
    const bind = await app.request('/v1/queues/events/push', {
      method: 'PUT',
      body: '{"url":"https://placeholder.example.com/"}',
    });
    const { secrets } = (await bind.json()) as { secrets: string[] };
    const got: unknown[] = [];
    const receiver = await startReceiver({ secret: secrets[0]!, onJob: (job) => got.push(job) });
    try {
      await app.request('/v1/queues/events/push', {
        method: 'PUT',
        body: JSON.stringify({ url: receiver.url, secrets }),
      });
      await app.request('/v1/queues/events/jobs', { method: 'POST', body: '{"payload":{"n":1}}' });
      expect((await rt.tick()).pushed).toEqual({ delivered: 1, failed: 0 });
      expect(got).toMatchObject([{ queue: 'events', payload: { n: 1 } }]);
    } finally {
      receiver.close();
    }
  });
});
