/**
 * The dashboard inside workerd, in the ready-made Worker as `wrangler deploy` builds it: the
 * login (WebCrypto HMAC in workerd), a page read with the session cookie, a form post with its
 * Origin, and the cookie marked Secure on an https host.
 */
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, wrangler } from '../support/wrangler.js';

const TOKEN = 'dash-worker-admin-0123456789';
const ORIGIN = 'https://edgeq.example';
let dir: string;
let mf: Miniflare;

beforeAll(async () => {
  await mkdir(join(ROOT, '.wrangler'), { recursive: true });
  dir = await mkdtemp(join(ROOT, '.wrangler', 'dashboard-build-'));
  await wrangler(['deploy', '--dry-run', 'src/worker.ts', '--outdir', dir]);
  const [script] = (await readdir(dir)).filter((f) => f.endsWith('.js'));
  mf = new Miniflare({
    modules: true,
    scriptPath: join(dir, script!),
    compatibilityDate: '2026-04-01',
    bindings: { EDGEQ_TOKEN: TOKEN, EDGEQ_LOG: 'off' },
  });
  await mf.ready;
}, 90_000);
afterAll(async () => {
  await mf?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the ready-made Worker', () => {
  it('serves the dashboard: login, a page, an action', async () => {
    const enq = await mf.dispatchFetch(`${ORIGIN}/v1/queues/emails/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
      body: '{"payload":{"to":"ada@example.com"}}',
    });
    expect(enq.status).toBe(201);
    await enq.arrayBuffer();

    const anon = await mf.dispatchFetch(`${ORIGIN}/dashboard`, { redirect: 'manual' });
    expect([anon.status, anon.headers.get('location')]).toEqual([
      303,
      '/dashboard/login?next=%2Fdashboard',
    ]);
    await anon.arrayBuffer();

    const form = { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN };
    const login = await mf.dispatchFetch(`${ORIGIN}/dashboard/login`, {
      method: 'POST',
      headers: form,
      body: new URLSearchParams({ token: TOKEN, next: '/dashboard' }).toString(),
      redirect: 'manual',
    });
    expect(login.status).toBe(303);
    await login.arrayBuffer();
    const set = login.headers.get('set-cookie')!;
    expect(set).toMatch(/HttpOnly; Secure; SameSite=Strict/);
    expect(set).not.toContain(TOKEN);
    const cookie = set.split(';')[0]!;

    const page = await mf.dispatchFetch(`${ORIGIN}/dashboard`, { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(await page.text()).toContain('data-queue="emails"');

    const pause = await mf.dispatchFetch(`${ORIGIN}/dashboard/queues/emails/pause`, {
      method: 'POST',
      headers: { ...form, cookie },
      body: 'back=%2Fdashboard',
      redirect: 'manual',
    });
    expect([pause.status, pause.headers.get('location')]).toEqual([303, '/dashboard?done=paused']);
    await pause.arrayBuffer();
    const q = await mf.dispatchFetch(`${ORIGIN}/v1/queues/emails`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(((await q.json()) as { paused: boolean }).paused).toBe(true);
  });
});
