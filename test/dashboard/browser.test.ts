/**
 * The dashboard in a real browser: headless Chromium from the OS (/usr/bin/chromium, installed
 * by .ci/services.sh; playwright-core never downloads one) against a live `edgeq serve` child
 * process on a libSQL file, with a token. It logs in, reads a queue's counts, pages through its
 * jobs, opens a job, pauses and resumes the queue, replays a dead job and sees the schedules,
 * and a payload, an error text and a schedule payload holding markup never run. Full-page
 * screenshots are kept under test-results/dashboard/ (gitignored).
 *
 * Needs `npm run build` first (serve runs from dist/).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServeProcess, startServe } from '../support/serve-process.js';

const CHROMIUM = '/usr/bin/chromium';
const TOKEN = 'dash-browser-admin-0123456789';
const XSS = '<script>alert("xss")</script><img src=x onerror=alert("img")>';
const ARTIFACTS = fileURLToPath(new URL('../../test-results/dashboard/', import.meta.url));

let dir: string;
let server: ServeProcess;
let context: BrowserContext;
let page: Page;
/** Dialogs (alert, confirm) the page opened: an injected script would open one. */
const dialogs: string[] = [];
/** Console errors, CSP violations among them. */
const consoleErrors: string[] = [];

async function api(method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

const shot = (name: string) =>
  page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

/** The number in a queue's row for `state`, as the overview shows it. */
const count = (queue: string, state: string) =>
  page.locator(`tr[data-queue="${queue}"] td[data-state="${state}"]`).textContent();

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  dir = mkdtempSync(join(tmpdir(), 'edgeq-dash-browser-'));
  server = await startServe(
    ['--port', '0', '--tick-interval', '0', '--db', join(dir, 'edgeq.db')],
    { EDGEQ_DRIVER: 'libsql', EDGEQ_TOKEN: TOKEN, EDGEQ_LOG: 'warn' },
    dir,
  );
  // 25 jobs to page through (a page of 10 in the test), 2 of them dead with a hostile error.
  const jobs = Array.from({ length: 25 }, (_, i) => ({ payload: { n: i, note: XSS } }));
  await api('POST', '/v1/queues/emails/jobs', { jobs });
  const claimed = await api('POST', '/v1/queues/emails/claim', { limit: 2 });
  for (const j of claimed.jobs) {
    await api('POST', `/v1/jobs/${j.id}/nack`, {
      leaseToken: j.leaseToken,
      error: XSS,
      dead: true,
    });
  }
  await api('PUT', '/v1/schedules/nightly', { cron: '0 3 * * *', queue: 'emails', payload: XSS });

  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run .ci/services.sh`);
  // A persistent context on a fresh directory is Playwright's way to pass --user-data-dir.
  context = await chromium.launchPersistentContext(join(dir, 'chromium-profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1280, height: 800 },
  });
  page = context.pages()[0] ?? (await context.newPage());
  // Fail a step with Playwright's own message well before the test's timeout.
  page.setDefaultTimeout(10_000);
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
}, 60_000);

afterAll(async () => {
  await context?.close();
  server?.child.kill('SIGTERM');
  await server?.exited;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the dashboard in Chromium', () => {
  it('logs in with the token and shows the queue with its counts', async () => {
    await page.goto(`${server.url}/dashboard`);
    expect(new URL(page.url()).pathname).toBe('/dashboard/login');
    await shot('01-login');
    await page.fill('input[name="token"]', 'dash-wrong-token-0123456789');
    await page.click('button[type="submit"]');
    await expect.poll(() => page.locator('.notice.error').textContent()).toContain('not valid');
    await page.fill('input[name="token"]', TOKEN);
    await page.click('button[type="submit"]');
    await page.waitForURL(`${server.url}/dashboard`);
    const cookies = await context.cookies();
    expect(cookies.map((c) => [c.name, c.httpOnly, c.sameSite, c.path])).toEqual([
      ['edgeq_session', true, 'Strict', '/dashboard'],
    ]);
    expect(cookies[0]!.value).not.toContain(TOKEN);
    expect(await count('emails', 'queued')).toBe('23');
    expect(await count('emails', 'dead')).toBe('2');
    expect(await count('emails', 'active')).toBe('0');
    await shot('02-queues');
  });

  it('pages through the queued jobs and opens one', async () => {
    await page.click('tr[data-queue="emails"] td[data-state="queued"] a');
    await page.waitForURL(/state=queued/);
    await page.goto(`${server.url}/dashboard/queues/emails?state=queued&limit=10`);
    const seen: string[] = [];
    for (let p = 0; ; p++) {
      const ids = await page
        .locator('tr[data-job]')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-job')!));
      seen.push(...ids);
      if (p === 0) await shot('03-jobs-page-1');
      const next = page.locator('a[rel="next"]');
      if ((await next.count()) === 0) break;
      const href = new URL((await next.getAttribute('href'))!, page.url()).href;
      await next.click();
      await page.waitForURL(href);
      expect(p).toBeLessThan(5);
    }
    const listed = await api('GET', '/v1/queues/emails/jobs?state=queued&limit=100');
    expect(seen).toEqual(listed.jobs.map((j: { id: string }) => j.id));
    expect(seen).toHaveLength(23);

    await page.click('a:has-text("First page")');
    await page.waitForURL(/limit=10$/);
    expect(await page.locator('tr[data-job]').first().getAttribute('data-job')).toBe(seen[0]);
    await page.click(`tr[data-job="${seen[0]}"] a`);
    await page.waitForURL(`${server.url}/dashboard/jobs/${seen[0]}`);
    const payload = (await page.locator('h2:has-text("Payload") + pre').textContent()) ?? '';
    expect(JSON.parse(payload)).toEqual((await api('GET', `/v1/jobs/${seen[0]}`)).payload);
    expect(JSON.parse(payload).note).toBe(XSS);
    await expect
      .poll(() => page.locator('body').textContent())
      .toContain('not a log of its attempts');
    await shot('04-job');
  });

  it('pauses and resumes the queue', async () => {
    await page.goto(`${server.url}/dashboard`);
    await page.click('tr[data-queue="emails"] button:has-text("Pause")');
    await page.waitForURL(/done=paused/);
    expect(await page.locator('.notice').textContent()).toContain('Paused');
    expect(await page.locator('tr[data-queue="emails"] .tag').textContent()).toBe('paused');
    expect((await api('GET', '/v1/queues/emails')).paused).toBe(true);
    await shot('05-paused');
    await page.click('tr[data-queue="emails"] button:has-text("Resume")');
    await page.waitForURL(/done=resumed/);
    expect(await page.locator('tr[data-queue="emails"] .tag').textContent()).toBe('running');
    expect((await api('GET', '/v1/queues/emails')).paused).toBe(false);
  });

  it('replays a dead job, whose hostile error shows as text', async () => {
    await page.click('nav a:has-text("Dead letters")');
    await page.click('tr[data-queue="emails"] a');
    await page.waitForURL(/state=dead/);
    const error = await page.locator('tr[data-job] td').nth(6).textContent();
    expect(error).toBe(XSS);
    await shot('06-dead');
    const id = await page.locator('tr[data-job]').first().getAttribute('data-job');
    await page.click(`tr[data-job="${id}"] button:has-text("Replay")`);
    await page.waitForURL(/done=replayed&n=1/);
    expect(await page.locator('.notice').textContent()).toContain('Replayed 1 dead job');
    expect(await page.locator('tr[data-job]').count()).toBe(1);
    expect((await api('GET', `/v1/jobs/${id}`)).state).toBe('queued');
  });

  it('shows the schedules, and nothing injected ever ran', async () => {
    await page.click('nav a:has-text("Schedules")');
    await page.waitForURL(`${server.url}/dashboard/schedules`);
    const row = page.locator('tr[data-schedule="nightly"]');
    expect(await row.locator('td').nth(1).textContent()).toBe('0 3 * * *');
    expect(await row.locator('td').nth(6).textContent()).toBe(JSON.stringify(XSS));
    await shot('07-schedules');
    expect(dialogs).toEqual([]);
    expect(await page.evaluate(() => document.querySelectorAll('script, img').length)).toBe(0);
    expect(consoleErrors.filter((e) => /Content Security Policy|Refused/i.test(e))).toEqual([]);
  });

  it('logs out', async () => {
    await page.click('button:has-text("Log out")');
    await page.waitForURL(/\/dashboard\/login\?done=logged-out/);
    expect(await context.cookies()).toEqual([]);
    await page.goto(`${server.url}/dashboard`);
    expect(new URL(page.url()).pathname).toBe('/dashboard/login');
    expect(server.output()).not.toContain(TOKEN);
  });
});
