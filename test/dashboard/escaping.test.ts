/**
 * Everything the dashboard renders is escaped: markup in a payload, a result, an error text, a
 * key, a group, a schedule's payload, a hostile queue name in the path and hostile query values
 * all come out as text, never as a tag or an attribute. The pages carry a CSP with no script
 * source, and errors are small HTML pages with the stable code and no stack.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { putSchedule } from '../../src/cron/store.js';
import { MAX_SHOWN } from '../../src/dashboard/format.js';
import { libsqlDriver } from '../../src/drivers/libsql/index.js';
import { ADMIN, Browser, makeDash, textOf } from './support.js';

const XSS = '<script>alert(1)</script>';
const ATTR = '"><img src=x onerror=alert(2)>';

/**
 * Markup that would run: a script-capable element, an event handler attribute, or a
 * javascript: URL, read from the page's real tags (escaped text between them is not a tag).
 */
function live(html: string): string[] {
  const found: string[] = [];
  const tag = /<([a-zA-Z][\w-]*)((?:\s+[^\s=>/]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+))?)*)\s*\/?>/g;
  const attr = /([^\s=>/]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>]+))?/g;
  for (const [, name, attrs] of html.matchAll(tag)) {
    if (/^(script|img|iframe|svg|object|embed|base)$/i.test(name!)) found.push(`<${name}>`);
    for (const [, a, v] of (attrs ?? '').matchAll(attr)) {
      if (/^on/i.test(a!)) found.push(`${name} ${a}`);
      if (v && /^["']?\s*javascript:/i.test(v)) found.push(`${name} ${a}=${v}`);
    }
  }
  return found;
}

async function seeded() {
  const d = makeDash();
  const { rt } = d;
  await rt.enqueue('emails', [
    { payload: { html: XSS, attr: ATTR }, key: `key-${XSS}`, group: `group-${ATTR}` },
  ]);
  const [job] = (await rt.claim('emails', { limit: 1 })).jobs;
  await rt.nack(job!.id, { leaseToken: job!.leaseToken, error: `boom ${XSS} ${ATTR}`, dead: true });
  await rt.enqueue('done', [{ payload: 'ok' }]);
  const [ok] = (await rt.claim('done', { limit: 1 })).jobs;
  await rt.ack(ok!.id, { leaseToken: ok!.leaseToken, result: { echo: XSS } });
  await putSchedule(rt, 'nightly', { cron: '0 3 * * *', queue: 'emails', payload: { x: XSS } });
  const b = new Browser(d.app);
  await b.login(ADMIN);
  return { ...d, b, dead: job!.id, done: ok!.id };
}

describe('escaping', () => {
  it('has a detector that finds live markup and ignores escaped text', () => {
    expect(live(`<p>&lt;script&gt; onerror=x</p><img src=x onerror=alert(1)>`)).toEqual([
      '<img>',
      'img onerror',
    ]);
    expect(live(`<a href="javascript:alert(1)">x</a><script>1</script>`)).toEqual([
      'a href="javascript:alert(1)"',
      '<script>',
    ]);
    expect(live(`<p title="&quot;&gt;&lt;img src=x onerror=y&gt;">t</p>`)).toEqual([]);
  });

  it('shows markup from payloads, results, errors, keys and groups as text', async () => {
    const { b, dead, done } = await seeded();
    const pages = [
      '/dashboard',
      '/dashboard/dead',
      '/dashboard/queues/emails?state=dead',
      `/dashboard/jobs/${dead}`,
      `/dashboard/jobs/${done}`,
      '/dashboard/schedules',
    ];
    for (const path of pages) {
      const page = await b.get(path);
      expect([path, page.status]).toEqual([path, 200]);
      expect([path, live(page.text)]).toEqual([path, []]);
      expect(page.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
      expect(page.headers.get('content-security-policy')).not.toMatch(/script-src/);
    }
    const detail = await b.get(`/dashboard/jobs/${dead}`);
    // The page says exactly what was stored, as text.
    const text = textOf(detail.text);
    expect(text).toContain(`boom ${XSS} ${ATTR}`);
    expect(text).toContain(`key-${XSS}`);
    expect(text).toContain(`group-${ATTR}`);
    expect(text).toContain(`"html": "${XSS}"`);
    expect(detail.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(textOf((await b.get(`/dashboard/jobs/${done}`)).text)).toContain(`"echo": "${XSS}"`);
    expect(textOf((await b.get('/dashboard/schedules')).text)).toContain(`{"x":"${XSS}"}`);
    const list = await b.get('/dashboard/queues/emails?state=dead');
    expect(textOf(list.text)).toContain(`boom ${XSS}`);
  });

  it('answers a hostile queue name, job id or query with an escaped error page', async () => {
    const { b } = await seeded();
    for (const [path, status, code] of [
      [`/dashboard/queues/${encodeURIComponent(XSS)}`, 400, 'invalid_request'],
      [`/dashboard/queues/${encodeURIComponent(ATTR)}`, 400, 'invalid_request'],
      [`/dashboard/jobs/${encodeURIComponent(XSS)}`, 400, 'invalid_request'],
      [`/dashboard/queues/emails?state=${encodeURIComponent(XSS)}`, 400, 'invalid_request'],
      [`/dashboard/queues/emails?cursor=${encodeURIComponent(XSS)}`, 400, 'invalid_request'],
      [`/dashboard/${encodeURIComponent(XSS)}`, 404, 'not_found'],
      ['/dashboard/jobs/01J0000000000000000000000X', 404, 'not_found'],
    ] as const) {
      const page = await b.get(path);
      expect([path, page.status]).toEqual([path, status]);
      expect(page.headers.get('content-type')).toContain('text/html');
      expect(page.text).toContain(`<code>${code}</code>`);
      expect([path, live(page.text)]).toEqual([path, []]);
    }
    // Notices come from a fixed table: a made-up one shows nothing.
    const odd = await b.get(
      `/dashboard?done=${encodeURIComponent(XSS)}&n=${encodeURIComponent(XSS)}`,
    );
    expect(odd.status).toBe(200);
    expect(odd.text).not.toContain('alert');
    const login = await new Browser(b.app).get(`/dashboard/login?next=${encodeURIComponent(ATTR)}`);
    expect(live(login.text)).toEqual([]);
    expect(login.text).toContain('name="next" value="/dashboard"');
  });

  it('keeps the CSS intact: no entity inside <style>', async () => {
    const { b } = await seeded();
    const page = await b.get('/dashboard');
    const style = /<style>([\s\S]*?)<\/style>/.exec(page.text)![1]!;
    expect(style).toContain('font:14px/1.5 system-ui');
    expect(style).not.toMatch(/&[a-z#0-9]+;/);
  });

  it('clips a large payload and says so', async () => {
    const { rt, b } = await seeded();
    const payload = { blob: 'z'.repeat(100_000) };
    const [r] = await rt.enqueue('big', [{ payload }]);
    const page = await b.get(`/dashboard/jobs/${r!.id}`);
    const pre = /<h2>Payload<\/h2><pre class="json">([\s\S]*?)<\/pre>/.exec(page.text)![1]!;
    const full = JSON.stringify(payload, null, 2);
    expect(pre.replace(/&quot;/g, '"')).toBe(full.slice(0, MAX_SHOWN));
    const [shown, total] = [MAX_SHOWN, full.length].map((n) => n.toLocaleString('en'));
    expect(textOf(page.text)).toContain(`Clipped: showing ${shown} of ${total} characters.`);
  });

  it('shows a storage failure as its code, with no stack or cause', async () => {
    // A real store that has gone away: a libSQL file whose client is closed.
    const dir = mkdtempSync(join(tmpdir(), 'edgeq-dash-'));
    try {
      const driver = libsqlDriver({ url: `file:${join(dir, 'q.db')}` });
      const { app, rt } = makeDash(undefined, driver);
      await rt.enqueue('emails', [{ payload: 1 }]);
      const b = new Browser(app);
      await b.login(ADMIN);
      expect((await b.get('/dashboard')).status).toBe(200);
      await driver.close();
      const page = await b.get('/dashboard');
      expect(page.status).toBe(503);
      expect(page.headers.get('content-type')).toContain('text/html');
      expect(page.text).toContain('<code>driver_unavailable</code>');
      expect(page.text).not.toContain(dir);
      expect(page.text).not.toMatch(/at .*\.[jt]s:\d+|Error:/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
