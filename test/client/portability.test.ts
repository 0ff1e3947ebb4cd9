/**
 * edgeq/client runs anywhere: esbuild bundles src/client/index.ts for `platform: 'neutral'` with
 * no externals, which fails on any Node builtin or package import, and pulls in nothing but
 * src/client (the server's types are erased). The bundle then runs inside workerd (Miniflare),
 * where it enqueues, claims and acks against a live `edgeq serve`, runs `createWorker` for a
 * job, and classifies a refused connection as a network error.
 */
import { join } from 'node:path';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/wrangler.js';
import { type Edgeq, startEdgeq, TOKEN } from './support.js';

let bundle: string;
let inputs: string[];

beforeAll(async () => {
  const out = await build({
    entryPoints: [join(ROOT, 'src/client/index.ts')],
    absWorkingDir: ROOT,
    bundle: true,
    platform: 'neutral',
    format: 'esm',
    target: 'es2022',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  bundle = out.outputFiles[0]!.text;
  inputs = Object.keys(out.metafile.inputs);
});

describe('the client bundle', () => {
  it('builds for a neutral platform from src/client alone', () => {
    expect(inputs.length).toBeGreaterThan(3);
    expect(inputs.filter((f) => !f.startsWith('src/client/'))).toEqual([]);
    expect(bundle).not.toMatch(/from\s*["'](node:|zod)/);
  });

  it('fails to build when the code needs a Node builtin (so the check above means something)', async () => {
    const err = await build({
      stdin: {
        contents: "import { randomUUID } from 'node:crypto'; export const id = randomUUID();",
      },
      bundle: true,
      platform: 'neutral',
      write: false,
      logLevel: 'silent',
    }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect(String((err as Error).message)).toContain('node:crypto');
  });
});

const MAIN = `
import { EdgeqClient, EdgeqNetworkError, createWorker } from './client.js';

export default {
  async fetch(request, env) {
    const client = new EdgeqClient({ url: env.EDGEQ_URL, token: env.EDGEQ_TOKEN });
    const { id, created } = await client.enqueue('from-workerd', { payload: { hello: 'workerd' } });
    const { jobs } = await client.claim('from-workerd', { limit: 10 });
    const job = jobs.find((j) => j.id === id);
    const acked = await client.ack(id, { leaseToken: job.leaseToken, result: { ua: navigator.userAgent } });

    const { id: pulled } = await client.enqueue('pulled-in-workerd', { payload: 21 });
    const worker = createWorker({ client, queue: 'pulled-in-workerd', handler: (j) => j.payload * 2 });
    while (worker.stats.completed < 1) await new Promise((r) => setTimeout(r, 10));
    await worker.stop();

    const offline = new EdgeqClient({ url: 'http://127.0.0.1:1', retries: 0 });
    const err = await offline.health().catch((e) => e);
    return Response.json({
      created, payload: job.payload, acked, pulled, stats: worker.stats,
      offline: { network: err instanceof EdgeqNetworkError, code: err.code },
    });
  },
};
`;

describe('the client bundle inside workerd', () => {
  let edgeq: Edgeq;
  let mf: Miniflare;
  beforeAll(async () => {
    edgeq = await startEdgeq();
    const dir = join(ROOT, '.wrangler', 'client-portability');
    mf = new Miniflare({
      modulesRoot: dir,
      modules: [
        { type: 'ESModule', path: join(dir, 'main.js'), contents: MAIN },
        { type: 'ESModule', path: join(dir, 'client.js'), contents: bundle },
      ],
      compatibilityDate: '2026-04-01',
      bindings: { EDGEQ_URL: edgeq.url, EDGEQ_TOKEN: TOKEN },
    });
    await mf.ready;
  }, 60_000);
  afterAll(async () => {
    await mf?.dispose();
    await edgeq?.stop();
  });

  it('enqueues, claims, acks and runs a worker against edgeq serve', async () => {
    const res = await mf.dispatchFetch('http://client.test/');
    const body = (await res.json()) as any;
    expect(res.status).toBe(200);
    expect(body).toMatchObject({
      created: true,
      payload: { hello: 'workerd' },
      acked: { state: 'completed' },
      stats: { received: 1, completed: 1, failed: 0, lost: 0 },
      offline: { network: true, code: 'network_error' },
    });
    const direct = await fetch(`${edgeq.url}/v1/jobs/${body.acked.id}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(((await direct.json()) as any).result).toEqual({ ua: 'Cloudflare-Workers' });
    const pulled = await fetch(`${edgeq.url}/v1/jobs/${body.pulled}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(await pulled.json()).toMatchObject({ state: 'completed', result: 42 });
  });
});
