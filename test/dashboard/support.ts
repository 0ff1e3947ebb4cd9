/**
 * The dashboard in-process (`app.request`) over a real driver with a controllable clock, and a
 * small browser stand-in: it keeps the session cookie and sends forms the way a browser does
 * (urlencoded, with this origin's Origin header), so tests read like clicks.
 */
import type { Hono } from 'hono';
import { dashboard } from '../../src/dashboard/index.js';
import { memoryDriver } from '../../src/drivers/memory/index.js';
import type { Driver } from '../../src/drivers/types.js';
import { type AppOptions, createApp } from '../../src/handlers/app.js';
import type { TokenConfig } from '../../src/handlers/tokens.js';
import { createRuntime, type Runtime } from '../../src/runtime/runtime.js';

export const ADMIN = 'dash-admin-secret-0123456789';
/** Admin of namespace acme. */
export const ACME = 'dash-acme-admin-0123456789';
/** Admin of namespace acme, limited to the queue `emails`. */
export const ACME_EMAILS = 'dash-acme-emails-admin-0123456789';
/** Enqueue and consume in acme, no admin right. */
export const ACME_WORKER = 'dash-acme-worker-0123456789';
/** Admin of namespace rated, 3 requests a minute. */
export const RATED = 'dash-rated-admin-0123456789';

export const TOKENS: TokenConfig[] = [
  { token: ACME, ns: 'acme', rights: ['admin'] },
  { token: ACME_EMAILS, ns: 'acme', rights: ['admin'], queues: ['emails'] },
  { token: ACME_WORKER, ns: 'acme', rights: ['enqueue', 'consume'] },
  { token: RATED, ns: 'rated', rights: ['admin'], rate: { limit: 3, per: 'minute' } },
];
export const SECRETS = [ADMIN, ...TOKENS.map((t) => t.token)];

export interface Dash {
  app: Hono;
  rt: Runtime;
  clock: { now: number };
}

export function makeDash(
  opts: AppOptions = { token: ADMIN, tokens: TOKENS },
  driver: Driver = memoryDriver(),
): Dash {
  const clock = { now: Date.UTC(2026, 0, 1) };
  const rt = createRuntime({ driver, now: () => clock.now });
  return { app: createApp(rt, { ...opts, dashboard }), rt, clock };
}

export interface Page {
  status: number;
  text: string;
  headers: Headers;
  /** `Location`, for redirects. */
  location: string | null;
}

/** One browser: a cookie jar for the session and this origin. */
export class Browser {
  cookie: string | undefined;

  constructor(
    readonly app: Hono,
    readonly origin = 'http://localhost',
  ) {}

  async request(path: string, init: RequestInit = {}): Promise<Page> {
    const headers = new Headers(init.headers);
    if (this.cookie && !headers.has('cookie')) headers.set('cookie', this.cookie);
    const res = await this.app.request(`${this.origin}${path}`, { ...init, headers });
    const set = res.headers.get('set-cookie');
    if (set) {
      const [pair] = set.split(';');
      // A deleted cookie comes back empty with Max-Age=0.
      this.cookie = /=$/.test(pair!) || /max-age=0/i.test(set) ? undefined : pair;
    }
    return {
      status: res.status,
      text: await res.text(),
      headers: res.headers,
      location: res.headers.get('location'),
    };
  }

  get(path: string): Promise<Page> {
    return this.request(path);
  }

  /** A form post as a browser sends it from one of this origin's pages. */
  post(path: string, fields: Record<string, string> = {}, headers: Record<string, string> = {}) {
    return this.request(path, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: this.origin,
        ...headers,
      },
      body: new URLSearchParams(fields).toString(),
    });
  }

  async login(token: string): Promise<Page> {
    return this.post('/dashboard/login', { token, next: '/dashboard' });
  }
}

/** The text of the page without its markup (entities decoded), for "the page says" checks. */
export function textOf(html: string): string {
  return html
    .replace(/<style>[\s\S]*?<\/style>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}
