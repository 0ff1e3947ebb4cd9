/**
 * Inside workerd, as `wrangler deploy` builds them: the ready-made Worker serves /openapi.json,
 * /docs and /metrics and writes JSON log lines with request ids (requests, and its Cron Trigger's
 * tick); a one-driver Worker that leaves the reference out stays under the 100 KiB gzip target.
 */
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiDocument } from '../../src/openapi/document.js';
import { ROOT, wrangler } from '../support/wrangler.js';
import { scrape } from './scrape.js';

const TOKEN = 'observe-worker-token-0123456789';
const dirs: string[] = [];

/** Builds `entry` with the project's wrangler; returns the module's path and the gzip KiB. */
async function build(entry: string): Promise<{ script: string; gzipKiB: number }> {
  await mkdir(join(ROOT, '.wrangler'), { recursive: true });
  const dir = await mkdtemp(join(ROOT, '.wrangler', 'observe-build-'));
  dirs.push(dir);
  const { stdout, stderr } = await wrangler(['deploy', '--dry-run', entry, '--outdir', dir]);
  const m = /Total Upload: [\d.]+ KiB \/ gzip: ([\d.]+) KiB/.exec(`${stdout}\n${stderr}`);
  const [script] = (await readdir(dir)).filter((f) => f.endsWith('.js'));
  return { script: join(dir, script!), gzipKiB: Number(m?.[1]) };
}

function start(script: string, bindings: Record<string, string>, logs: string[]): Miniflare {
  return new Miniflare({
    modules: true,
    scriptPath: script,
    compatibilityDate: '2026-04-01',
    bindings,
    handleRuntimeStdio(out: Readable, err: Readable) {
      for (const s of [out, err])
        s.on('data', (c: Buffer) => logs.push(...c.toString().split('\n')));
    },
  });
}

/** Log lines that are JSON objects (workerd adds none of its own in this setup). */
const json = (logs: string[]) =>
  logs.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);

let readyMade: { script: string; gzipKiB: number };
let oneDriver: { script: string; gzipKiB: number };
beforeAll(async () => {
  [readyMade, oneDriver] = await Promise.all([
    build('src/worker.ts'),
    build('bench/footprint/memory.mjs'),
  ]);
}, 120_000);
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('the ready-made Worker', () => {
  const logs: string[] = [];
  let mf: Miniflare;
  beforeAll(async () => {
    mf = start(readyMade.script, { EDGEQ_TOKEN: TOKEN, EDGEQ_LOG: 'debug' }, logs);
    await mf.ready;
  });
  afterAll(() => mf?.dispose());
  const auth = { authorization: `Bearer ${TOKEN}` };

  it('serves the document, the reference page and the metrics', async () => {
    const doc = await mf.dispatchFetch('http://edgeq.test/openapi.json');
    expect(await doc.json()).toEqual(openApiDocument());
    const page = await mf.dispatchFetch('http://edgeq.test/docs');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(await page.text()).toContain('id="op-enqueue"');
    const enq = await mf.dispatchFetch('http://edgeq.test/v1/queues/w/jobs', {
      method: 'POST',
      headers: { ...auth, 'x-request-id': 'worker-req-1' },
      body: '{"payload":1}',
    });
    expect([enq.status, enq.headers.get('x-request-id')]).toEqual([201, 'worker-req-1']);
    await enq.arrayBuffer();
    const metrics = await mf.dispatchFetch('http://edgeq.test/metrics', { headers: auth });
    const m = scrape(await metrics.text());
    expect(m.value('edgeq_jobs_enqueued_total', { ns: 'default', queue: 'w' })).toBe(1);
    expect(m.value('edgeq_jobs', { ns: 'default', queue: 'w', state: 'queued' })).toBe(1);
  });

  it('writes JSON lines with request ids, for requests and for the cron tick', async () => {
    const worker = await mf.getWorker();
    expect((await worker.scheduled({ cron: '* * * * *', scheduledTime: new Date() })).outcome).toBe(
      'ok',
    );
    await expect
      .poll(() => json(logs).some((l) => l.msg === 'tick'), { timeout: 5_000 })
      .toBe(true);
    const lines = json(logs);
    for (const l of lines) expect(typeof l.requestId, JSON.stringify(l)).toBe('string');
    expect(lines.find((l) => l.requestId === 'worker-req-1')).toMatchObject({
      msg: 'request',
      route: '/v1/queues/:queue/jobs',
      status: 201,
    });
    // With no storage configured the Worker warns, as a JSON line too.
    expect(
      lines.some((l) => l.level === 'warn' && String(l.msg).includes('in-memory driver')),
    ).toBe(true);
    expect(logs.join('\n')).not.toContain(TOKEN);
  });

  it('answers 500 and logs why when EDGEQ_LOG is not a level', async () => {
    const bad: string[] = [];
    const broken = start(readyMade.script, { EDGEQ_TOKEN: TOKEN, EDGEQ_LOG: 'chatty' }, bad);
    try {
      const r = await broken.dispatchFetch('http://edgeq.test/healthz');
      expect(r.status).toBe(500);
      await r.arrayBuffer();
      await expect
        .poll(() => json(bad).find((l) => l.msg === 'configuration error'), { timeout: 5_000 })
        .toMatchObject({
          level: 'error',
          cause: expect.stringContaining('EDGEQ_LOG must be one of'),
        });
    } finally {
      await broken.dispose();
    }
  });
});

describe('a one-driver Worker', () => {
  it('carries metrics and logs but not the reference, and stays under 100 KiB gzip', async () => {
    expect(oneDriver.gzipKiB).toBeGreaterThan(50);
    expect(oneDriver.gzipKiB).toBeLessThan(100);
    // The reference is opt-in (`createWorker(() => ({ ..., docs: apiDocs }))`): about 20 KiB more.
    expect(readyMade.gzipKiB).toBeGreaterThan(oneDriver.gzipKiB);
    const logs: string[] = [];
    const mf = start(oneDriver.script, { EDGEQ_TOKEN: TOKEN }, logs);
    try {
      expect((await mf.dispatchFetch('http://edgeq.test/docs')).status).toBe(404);
      const m = await mf.dispatchFetch('http://edgeq.test/metrics', {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(m.status).toBe(200);
      expect(scrape(await m.text()).types.get('edgeq_jobs')).toBe('gauge');
    } finally {
      await mf.dispose();
    }
  });
});
