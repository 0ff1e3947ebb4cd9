/**
 * Who gets into the dashboard, over `app.request`: no session goes to the login; a wrong or
 * non-admin token is refused and gets no cookie; the cookie is HttpOnly, SameSite=Strict, Path
 * /dashboard, Secure except on plain-http loopback (by the browser's Origin), holds no token,
 * expires and dies with its token; a plain-http login elsewhere is told to use https; a namespaced admin sees only its namespace and a queue-listed one only its queues;
 * cross-site and non-form POSTs are refused before they change anything; open mode needs no
 * login but answers loopback Host names only.
 */
import { describe, expect, it } from 'vitest';
import { SESSION_TTL_MS } from '../../src/dashboard/session.js';
import {
  ACME,
  ACME_EMAILS,
  ACME_WORKER,
  ADMIN,
  Browser,
  makeDash,
  RATED,
  SECRETS,
  TOKENS,
  textOf,
} from './support.js';

describe('login', () => {
  it('sends a request without a session to the login, and back to the page afterwards', async () => {
    const { app } = makeDash();
    const b = new Browser(app);
    const page = await b.get('/dashboard/queues/emails?state=dead');
    expect(page.status).toBe(303);
    expect(page.location).toBe(
      `/dashboard/login?next=${encodeURIComponent('/dashboard/queues/emails?state=dead')}`,
    );
    const form = await b.get(page.location!);
    expect(form.status).toBe(200);
    expect(form.text).toContain('name="token"');
    const res = await b.post('/dashboard/login', {
      token: ADMIN,
      next: '/dashboard/queues/emails?state=dead',
    });
    expect([res.status, res.location]).toEqual([303, '/dashboard/queues/emails?state=dead']);
    expect((await b.get('/dashboard/queues/emails?state=dead')).status).toBe(200);
  });

  it('refuses a wrong token and a token without the admin right, with no cookie', async () => {
    const { app } = makeDash();
    const b = new Browser(app);
    for (const [token, status, says] of [
      ['dash-wrong-secret-0123456789', 401, 'That token is not valid.'],
      ['', 401, 'That token is not valid.'],
      [`${ADMIN}x`, 401, 'That token is not valid.'],
      [ACME_WORKER, 403, 'This token lacks the admin right'],
    ] as const) {
      const res = await b.login(token);
      expect(res.status).toBe(status);
      expect(res.headers.get('set-cookie')).toBeNull();
      expect(textOf(res.text)).toContain(says);
      // The presented token is not echoed, not even into the form field.
      if (token) expect(res.text).not.toContain(token);
      expect((await b.get('/dashboard')).status).toBe(303);
    }
  });

  it('sets an HttpOnly, SameSite=Strict cookie on /dashboard that holds no token', async () => {
    const { app } = makeDash();
    const b = new Browser(app);
    const res = await b.login(ADMIN);
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^edgeq_session=\d+\.[A-Za-z0-9_-]{43}; /);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).toContain('Path=/dashboard');
    expect(cookie).toContain(`Max-Age=${SESSION_TTL_MS / 1000}`);
    // Plain http on loopback: no Secure, or the browser would drop the cookie.
    expect(cookie).not.toContain('Secure');
    for (const secret of SECRETS) expect(cookie).not.toContain(secret);
    // The session is not a bearer token for the API.
    const value = cookie.split(';')[0]!.split('=')[1]!;
    const api = await app.request('http://localhost/v1/queues', {
      headers: { authorization: `Bearer ${value}`, cookie: cookie.split(';')[0]! },
    });
    expect(api.status).toBe(401);
  });

  it('marks the cookie Secure over https', async () => {
    for (const origin of ['https://localhost', 'https://127.0.0.1:8787', 'https://q.example.com']) {
      const { app } = makeDash();
      const res = await new Browser(app, origin).login(ADMIN);
      expect(res.status).toBe(303);
      expect(res.headers.get('set-cookie')).toContain('Secure');
    }
  });

  it("judges https by the browser's Origin, not by the Host a proxy forwards", async () => {
    const { app } = makeDash();
    // nginx's default proxy_pass sends Host 127.0.0.1:8787; the browser is on https.
    const res = await app.request('http://127.0.0.1:8787/dashboard/login', {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: 'https://q.example.com',
        'sec-fetch-site': 'same-origin',
      },
      body: new URLSearchParams({ token: ADMIN, next: '/dashboard' }).toString(),
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('set-cookie')).toContain('Secure');
  });

  it('over plain http to a non-loopback host, says to use https instead of looping', async () => {
    // A browser drops a Secure cookie set over plain http (Chromium does: it would come straight
    // back to the login), and loopback is the only place the cookie goes without Secure.
    for (const origin of ['http://q.example.com', 'http://192.0.2.2:8787']) {
      const { app } = makeDash();
      const res = await new Browser(app, origin).login(ADMIN);
      expect([origin, res.status]).toEqual([origin, 400]);
      expect(res.headers.get('set-cookie')).toBeNull();
      expect(textOf(res.text)).toContain('open the dashboard over https, or at 127.0.0.1');
      expect(res.text).not.toContain(ADMIN);
    }
  });

  it('ends a session at its expiry, on a forged or altered value, and with its token', async () => {
    const { app, clock, rt } = makeDash();
    const b = new Browser(app);
    await b.login(ADMIN);
    const good = b.cookie!;
    clock.now += SESSION_TTL_MS - 1000;
    expect((await b.get('/dashboard')).status).toBe(200);
    clock.now += 2000;
    expect((await b.get('/dashboard')).status).toBe(303);

    clock.now -= 2000;
    const [name, value] = good.split('=') as [string, string];
    const [exp, mac] = value.split('.') as [string, string];
    const flipped = `${mac.slice(0, -2)}${mac.endsWith('AA') ? 'BB' : 'AA'}`;
    for (const forged of [
      `${exp}.${flipped}`,
      `${Number(exp) + 3600}.${mac}`, // a later expiry under the same MAC
      `${exp}.${'A'.repeat(43)}`,
      'not-a-session',
      '',
    ]) {
      const res = await b.request('/dashboard', { headers: { cookie: `${name}=${forged}` } });
      expect(res.status).toBe(303);
    }
    expect((await b.request('/dashboard', { headers: { cookie: good } })).status).toBe(200);

    // Another app over the same store, whose admin token was rotated: the old session is void.
    const { createApp } = await import('../../src/handlers/app.js');
    const { dashboard } = await import('../../src/dashboard/index.js');
    const rotated = createApp(rt, { token: 'dash-rotated-admin-0123456789', dashboard });
    const res = await rotated.request('http://localhost/dashboard', { headers: { cookie: good } });
    expect(res.status).toBe(303);
  });

  it('logs out: the cookie is cleared and the pages ask for the token again', async () => {
    const { app } = makeDash();
    const b = new Browser(app);
    await b.login(ADMIN);
    const res = await b.post('/dashboard/logout');
    expect([res.status, res.location]).toEqual([303, '/dashboard/login?done=logged-out']);
    expect(res.headers.get('set-cookie')).toMatch(/^edgeq_session=; Max-Age=0; Path=\/dashboard/);
    expect(b.cookie).toBeUndefined();
    expect(textOf((await b.get(res.location!)).text)).toContain('Logged out.');
    expect((await b.get('/dashboard')).status).toBe(303);
  });

  it('keeps the return path inside the dashboard', async () => {
    const { app } = makeDash();
    const b = new Browser(app);
    for (const next of [
      'https://evil.example/',
      '//evil.example/dashboard',
      '/dashboard//evil.example',
      '/dashboard/\\evil.example',
      '/v1/queues',
      '/dashboardx',
    ]) {
      const res = await b.post('/dashboard/login', { token: ADMIN, next });
      expect([next, res.location]).toEqual([next, '/dashboard']);
    }
  });
});

describe('scope', () => {
  async function seed() {
    const d = makeDash();
    await d.rt.enqueue('emails', [{ payload: 'acme-mail' }], 'acme');
    await d.rt.enqueue('sms', [{ payload: 'acme-sms' }], 'acme');
    await d.rt.enqueue('default-only', [{ payload: 'root' }]);
    await d.rt.enqueue('emails', [{ payload: 'root-mail' }]);
    return d;
  }

  it('shows a namespaced admin only its namespace', async () => {
    const { app, rt } = await seed();
    const b = new Browser(app);
    await b.login(ACME);
    const page = await b.get('/dashboard');
    expect(textOf(page.text)).toContain('namespace acme');
    expect(page.text).toContain('data-queue="emails"');
    expect(page.text).toContain('data-queue="sms"');
    expect(page.text).not.toContain('default-only');
    // A default-namespace job id is simply not found in acme.
    const [root] = (await rt.list('default-only', 'queued')).jobs;
    expect((await b.get(`/dashboard/jobs/${root!.id}`)).status).toBe(404);
    const list = await b.get('/dashboard/queues/emails');
    expect(textOf(list.text)).toContain('"acme-mail"');
    expect(textOf(list.text)).not.toContain('root-mail');
  });

  it('shows a queue-listed admin only its queues, and no schedules', async () => {
    const { app, rt } = await seed();
    const b = new Browser(app);
    await b.login(ACME_EMAILS);
    const page = await b.get('/dashboard');
    expect(page.text).toContain('data-queue="emails"');
    expect(page.text).not.toContain('data-queue="sms"');
    expect(page.text).not.toContain('href="/dashboard/schedules"');
    expect((await b.get('/dashboard/queues/sms')).status).toBe(403);
    const [sms] = (await rt.list('sms', 'queued', {}, 'acme')).jobs;
    expect((await b.get(`/dashboard/jobs/${sms!.id}`)).status).toBe(403);
    expect((await b.get('/dashboard/schedules')).status).toBe(403);
    const pause = await b.post('/dashboard/queues/sms/pause', { back: '/dashboard' });
    expect(pause.status).toBe(403);
    expect((await rt.queue('sms', 'acme')).paused).toBe(false);
    expect((await b.post('/dashboard/queues/emails/pause')).status).toBe(303);
    expect((await rt.queue('emails', 'acme')).paused).toBe(true);
    expect((await rt.queue('emails')).paused).toBe(false);
  });
});

describe('rate', () => {
  it("counts a token's pages against its rate and answers an HTML 429 past it", async () => {
    const { app, clock } = makeDash();
    const b = new Browser(app);
    expect((await b.login(RATED)).status).toBe(303);
    for (let i = 0; i < 3; i++) expect((await b.get('/dashboard')).status).toBe(200);
    const over = await b.get('/dashboard');
    expect(over.status).toBe(429);
    expect(over.headers.get('content-type')).toContain('text/html');
    expect(over.headers.get('retry-after')).toBe('20');
    expect(textOf(over.text)).toContain('429 rate_limited');
    expect(textOf(over.text)).toContain('this token may make 3 requests per minute');
    clock.now += 20_000;
    expect((await b.get('/dashboard')).status).toBe(200);
  });
});

describe('CSRF', () => {
  it('refuses POSTs from another origin or without one, and changes nothing', async () => {
    const { app, rt } = makeDash();
    await rt.enqueue('emails', [{ payload: 1 }]);
    const b = new Browser(app);
    await b.login(ADMIN);
    const refused: [string, Record<string, string>][] = [
      ['no Origin, no Sec-Fetch-Site', { origin: '' }],
      ['another origin', { origin: 'https://evil.example' }],
      ['the same host on another port', { origin: 'http://localhost:8080' }],
      ['a cross-site fetch', { origin: 'null', 'sec-fetch-site': 'cross-site' }],
      ['a same-site fetch', { origin: 'https://sub.localhost', 'sec-fetch-site': 'same-site' }],
    ];
    for (const [why, headers] of refused) {
      const init = { ...headers };
      if (!init.origin) delete init.origin;
      const res = await b.request('/dashboard/queues/emails/pause', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...init },
        body: 'back=%2Fdashboard',
      });
      expect([why, res.status]).toEqual([why, 403]);
      expect(textOf(res.text)).toContain('the Origin check refused it');
      expect((await rt.queue('emails')).paused).toBe(false);
    }
    // The login form is checked too (login CSRF).
    const login = await new Browser(app).post(
      '/dashboard/login',
      { token: ADMIN },
      { origin: 'https://evil.example' },
    );
    expect([login.status, login.headers.get('set-cookie')]).toEqual([403, null]);
    // Sec-Fetch-Site same-origin alone is enough (a proxy may change the Host the app sees).
    const ok = await b.request('/dashboard/queues/emails/pause', {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'sec-fetch-site': 'same-origin',
      },
      body: '',
    });
    expect(ok.status).toBe(303);
    expect((await rt.queue('emails')).paused).toBe(true);
  });

  it('refuses a POST that is not a form, and a form over 16 KiB', async () => {
    const { app, rt } = makeDash();
    const b = new Browser(app);
    await b.login(ADMIN);
    for (const type of ['application/json', 'text/plain', 'multipart/form-data; boundary=x']) {
      const res = await b.request('/dashboard/queues/emails/pause', {
        method: 'POST',
        headers: { 'content-type': type, origin: 'http://localhost' },
        body: '{}',
      });
      expect([type, res.status]).toEqual([type, 400]);
      expect(res.text).toContain('<code>invalid_request</code>');
    }
    const big = await b.post('/dashboard/queues/emails/pause', { back: 'x'.repeat(17_000) });
    expect(big.status).toBe(413);
    expect((await rt.queue('emails')).paused).toBe(false);
  });
});

describe('without tokens', () => {
  it('open mode (edgeq serve on loopback) needs no login, on loopback Host names only', async () => {
    const { app, rt } = makeDash({ open: true });
    await rt.enqueue('emails', [{ payload: 1 }]);
    for (const origin of ['http://localhost', 'http://127.0.0.1:8787', 'http://[::1]:8787']) {
      const page = await new Browser(app, origin).get('/dashboard');
      expect([origin, page.status]).toEqual([origin, 200]);
      expect(textOf(page.text)).toContain('open (no token, loopback only)');
      expect(page.text).not.toContain('Log out');
    }
    expect((await new Browser(app).get('/dashboard/login')).location).toBe('/dashboard');
    // A page whose own DNS name was rebound to 127.0.0.1 still sends its own Host.
    const rebound = new Browser(app, 'http://rebound.example:8787');
    expect((await rebound.get('/dashboard')).status).toBe(403);
    expect((await rebound.post('/dashboard/queues/emails/pause')).status).toBe(403);
    expect((await rt.queue('emails')).paused).toBe(false);
  });

  it('a Worker without a token refuses the dashboard with the hint, as the API does', async () => {
    const { app } = makeDash({ missingTokenHint: 'set the EDGEQ_TOKEN secret' });
    const page = await new Browser(app).get('/dashboard');
    expect(page.status).toBe(401);
    expect(textOf(page.text)).toContain('401 unauthorized');
    expect(textOf(page.text)).toContain('set the EDGEQ_TOKEN secret');
    const login = await new Browser(app).login('anything-at-all-0123456789');
    expect(login.status).toBe(401);
  });

  it('is not mounted unless asked for', async () => {
    const { createApp } = await import('../../src/handlers/app.js');
    const { createRuntime } = await import('../../src/runtime/runtime.js');
    const { memoryDriver } = await import('../../src/drivers/memory/index.js');
    const app = createApp(createRuntime({ driver: memoryDriver() }), {
      token: ADMIN,
      tokens: TOKENS,
    });
    const res = await app.request('http://localhost/dashboard');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('application/json');
  });
});
