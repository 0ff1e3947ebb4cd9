/**
 * The dashboard's pages and actions over `app.request` on a libSQL file: counts per state,
 * paging through a queue by the list's cursor, a job's every stored field, pause and resume,
 * replay of one dead job and of all, schedules paused and resumed; each action a 303 back to
 * its page with a notice (post/redirect/get).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getSchedule, putSchedule } from '../../src/cron/store.js';
import { libsqlDriver } from '../../src/drivers/libsql/index.js';
import type { Runtime } from '../../src/runtime/runtime.js';
import { ADMIN, Browser, type Dash, makeDash, TOKENS, textOf } from './support.js';

let dir: string;
let d: Dash;
let b: Browser;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'edgeq-dash-pages-'));
  d = makeDash(
    { token: ADMIN, tokens: TOKENS },
    libsqlDriver({ url: `file:${join(dir, 'q.db')}` }),
  );
  b = new Browser(d.app);
  await b.login(ADMIN);
});
afterAll(async () => {
  await d.rt.driver.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Claims and kills `n` jobs of `queue`, each with its own error. */
async function kill(rt: Runtime, queue: string, n: number): Promise<string[]> {
  const { jobs } = await rt.claim(queue, { limit: n });
  for (const j of jobs) {
    await rt.nack(j.id, { leaseToken: j.leaseToken, error: `failed ${j.id}`, dead: true });
  }
  return jobs.map((j) => j.id);
}

/** The job ids a list page shows, in order. */
const idsOn = (html: string) => [...html.matchAll(/<tr data-job="([^"]+)"/g)].map((m) => m[1]!);

describe('pages', () => {
  it('lists queues with their counts per state', async () => {
    const { rt } = d;
    await rt.enqueue('counts', [{ payload: 1 }, { payload: 2 }, { payload: 3, delayMs: 60_000 }]);
    await kill(rt, 'counts', 1);
    const page = await b.get('/dashboard');
    const row = /<tr data-queue="counts">([\s\S]*?)<\/tr>/.exec(page.text)![1]!;
    const info = await rt.queue('counts');
    for (const [state, n] of Object.entries(info.counts)) {
      expect(row).toMatch(new RegExp(`data-state="${state}"><a [^>]*>${n}</a>`));
    }
    expect(info.counts).toMatchObject({ queued: 1, scheduled: 1, dead: 1 });
  });

  it('pages through a queue with the list cursor, in creation order', async () => {
    const { rt } = d;
    const made = await rt.enqueue(
      'paged',
      Array.from({ length: 23 }, (_, i) => ({ payload: { i } })),
    );
    const seen: string[] = [];
    let path: string | undefined = '/dashboard/queues/paged?state=queued&limit=10';
    let pages = 0;
    while (path) {
      const page = await b.get(path);
      expect(page.status).toBe(200);
      const ids = idsOn(page.text);
      expect(ids.length).toBeLessThanOrEqual(10);
      seen.push(...ids);
      pages++;
      const next = /<a href="([^"]+)" rel="next">Next page<\/a>/.exec(page.text)?.[1];
      path = next?.replace(/&amp;/g, '&');
      if (path) expect(path).toContain('limit=10');
      if (pages > 1) expect(page.text).toContain('First page');
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(made.map((r) => r.id));
  });

  it('shows every stored field of a job, and what history the store keeps', async () => {
    const { rt } = d;
    await rt.enqueue('detail', [
      {
        payload: { to: 'ada@example.com' },
        key: 'k-1',
        group: 'tenant-7',
        priority: 4,
        maxAttempts: 3,
        leaseMs: 45_000,
        ttlMs: 3_600_000,
      },
    ]);
    const [job] = (await rt.claim('detail', { limit: 1 })).jobs;
    await rt.nack(job!.id, { leaseToken: job!.leaseToken, error: 'smtp 451', retryInMs: 5000 });
    const page = await b.get(`/dashboard/jobs/${job!.id}`);
    const text = textOf(page.text);
    const stored = (await rt.call(() =>
      rt.driver.get({ ns: 'default', now: rt.now(), id: job!.id }),
    ))!;
    expect(text).toContain(`attempts ${stored.attempt} of ${stored.maxAttempts}`);
    expect(text).toContain(`priority ${stored.priority}`);
    expect(text).toContain(`runs at ${new Date(stored.runAt).toISOString()}`);
    expect(text).toContain(`created ${new Date(stored.createdAt).toISOString()}`);
    expect(text).toContain(`last changed ${new Date(stored.updatedAt).toISOString()}`);
    expect(text).toContain(`deadline ${new Date(stored.expiresAt!).toISOString()}`);
    expect(text).toContain(`lease length ${stored.leaseMs.toLocaleString('en')} ms`);
    expect(text).toContain('idempotency key k-1');
    expect(text).toContain('group tenant-7');
    expect(text).toContain('Last error smtp 451');
    expect(text).toContain('"to": "ada@example.com"');
    expect(text).toContain('not a log of its attempts');
    // Nacked with a retry delay: waiting for its run time.
    expect(stored.state).toBe('scheduled');
    expect(text).toContain('state scheduled');
  });

  it('pauses and resumes a queue, back to the page it came from with a notice', async () => {
    const { rt } = d;
    await rt.enqueue('pausing', [{ payload: 1 }]);
    const back = '/dashboard/queues/pausing?state=queued';
    const paused = await b.post('/dashboard/queues/pausing/pause', { back });
    expect([paused.status, paused.location]).toEqual([303, `${back}&done=paused`]);
    expect((await rt.queue('pausing')).paused).toBe(true);
    expect((await rt.claim('pausing', { limit: 1 })).jobs).toEqual([]);
    const page = await b.get(paused.location!);
    expect(textOf(page.text)).toContain('Paused: claims take no jobs from it');
    expect(page.text).toContain('action="/dashboard/queues/pausing/resume"');
    const resumed = await b.post('/dashboard/queues/pausing/resume', { back: paused.location! });
    expect(resumed.location).toBe(`${back}&done=resumed`);
    expect((await rt.queue('pausing')).paused).toBe(false);
    // A return path outside the dashboard falls back to the queue's page.
    const odd = await b.post('/dashboard/queues/pausing/pause', { back: 'https://evil.example/' });
    expect(odd.location).toBe('/dashboard/queues/pausing?done=paused');
  });

  it('replays one dead job, then all of them', async () => {
    const { rt } = d;
    await rt.enqueue('replay', [{ payload: 1 }, { payload: 2 }, { payload: 3 }]);
    const [first, ...rest] = await kill(rt, 'replay', 3);
    const deadPage = await b.get('/dashboard/queues/replay?state=dead');
    expect(idsOn(deadPage.text).sort()).toEqual([first, ...rest].sort());
    expect(textOf(deadPage.text)).toContain(`failed ${first}`);

    const one = await b.post('/dashboard/queues/replay/replay', {
      id: first!,
      back: '/dashboard/queues/replay?state=dead',
    });
    expect(one.location).toBe('/dashboard/queues/replay?state=dead&done=replayed&n=1');
    expect(textOf((await b.get(one.location!)).text)).toContain('Replayed 1 dead job:');
    expect((await rt.get(first!)).state).toBe('queued');
    expect((await rt.queue('replay')).counts.dead).toBe(2);

    const overview = await b.get('/dashboard/dead');
    expect(overview.text).toContain('Replay all 2');
    const all = await b.post('/dashboard/queues/replay/replay', { back: '/dashboard/dead' });
    expect(all.location).toBe('/dashboard/dead?done=replayed&n=2');
    expect(textOf((await b.get(all.location!)).text)).toContain('Replayed 2 dead jobs');
    expect((await rt.queue('replay')).counts).toMatchObject({ dead: 0, queued: 3 });
    for (const id of rest) expect((await rt.get(id)).attempt).toBe(0);
  });

  it('lists schedules and pauses and resumes one', async () => {
    const { rt } = d;
    await putSchedule(rt, 'hourly', { cron: '0 * * * *', queue: 'reports', tz: 'Europe/Paris' });
    const page = await b.get('/dashboard/schedules');
    const row = textOf(/<tr data-schedule="hourly">([\s\S]*?)<\/tr>/.exec(page.text)![1]!);
    const view = await getSchedule(rt, 'hourly');
    expect(row).toContain(`hourly 0 * * * * Europe/Paris reports ${view.nextRunAt}`);
    const paused = await b.post('/dashboard/schedules/hourly/pause', {
      back: '/dashboard/schedules',
    });
    expect(paused.location).toBe('/dashboard/schedules?done=paused');
    expect((await getSchedule(rt, 'hourly')).paused).toBe(true);
    expect((await b.get(paused.location!)).text).toContain(
      'action="/dashboard/schedules/hourly/resume"',
    );
    await b.post('/dashboard/schedules/hourly/resume', { back: '/dashboard/schedules' });
    expect((await getSchedule(rt, 'hourly')).paused).toBe(false);
    const missing = await b.post('/dashboard/schedules/nope/pause');
    expect(missing.status).toBe(404);
  });

  it('redirects a trailing slash to the page without it', async () => {
    const res = await b.get('/dashboard/');
    expect([res.status, res.location]).toEqual([301, '/dashboard']);
  });
});
