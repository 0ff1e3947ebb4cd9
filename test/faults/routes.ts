/**
 * Every route of createApp (src/handlers/app.ts) with a valid request, for the store-down tests:
 * with the store unreachable each must answer 503 `driver_unavailable`. `/healthz` and
 * `/v1/capabilities` never touch the store and are listed apart.
 */
import type { Hono } from 'hono';
import { type Driver, JOB_STATES } from '../../src/drivers/types.js';
import { newJobId, newLeaseToken } from '../../src/runtime/ids.js';

export const DOWN_QUEUE = 'downq';
export const HANDLER_QUEUE = 'handled';
export const SCHEDULE = 'nightly';
/** A payload that must never reach a response or a log line. */
export const SECRET = 'payload-secret-7f3a';

export interface RouteCall {
  method: string;
  path: string;
  body?: unknown;
}

/** Routes that answer without the store (they must keep answering 200 while it is down). */
export const STORELESS: RouteCall[] = [
  { method: 'GET', path: '/healthz' },
  { method: 'GET', path: '/v1/capabilities' },
];

/** A job id and a lease token for the routes that take them. */
export const JOB_ID = newJobId(Date.UTC(2026, 0, 1));
export const LEASE_TOKEN = newLeaseToken();

export function storeRoutes(): RouteCall[] {
  const id = JOB_ID;
  const leaseToken = LEASE_TOKEN;
  const q = `/v1/queues/${DOWN_QUEUE}`;
  const s = `/v1/schedules/${SCHEDULE}`;
  return [
    { method: 'POST', path: `${q}/jobs`, body: { payload: { secret: SECRET }, key: 'k1' } },
    { method: 'POST', path: `${q}/jobs`, body: { jobs: [{ payload: SECRET }, { payload: 2 }] } },
    { method: 'POST', path: `${q}/claim`, body: { limit: 5 } },
    { method: 'POST', path: `/v1/jobs/${id}/ack`, body: { leaseToken, result: SECRET } },
    { method: 'POST', path: `/v1/jobs/${id}/nack`, body: { leaseToken, error: SECRET } },
    { method: 'POST', path: `/v1/jobs/${id}/extend`, body: { leaseToken, leaseMs: 60_000 } },
    { method: 'POST', path: '/v1/ack', body: { acks: [{ id, leaseToken }] } },
    { method: 'GET', path: `/v1/jobs/${id}` },
    { method: 'DELETE', path: `/v1/jobs/${id}` },
    { method: 'GET', path: '/v1/queues' },
    { method: 'GET', path: q },
    { method: 'PUT', path: q, body: { concurrency: 2 } },
    { method: 'POST', path: `${q}/pause` },
    { method: 'POST', path: `${q}/resume` },
    { method: 'GET', path: `${q}/jobs?state=queued` },
    { method: 'GET', path: `${q}/dead` },
    { method: 'POST', path: `${q}/dead/replay`, body: {} },
    { method: 'PUT', path: `${q}/push`, body: { url: 'https://hooks.example.com/edgeq' } },
    { method: 'GET', path: `${q}/push` },
    { method: 'DELETE', path: `${q}/push` },
    { method: 'POST', path: `/v1/queues/${HANDLER_QUEUE}/drain` },
    { method: 'POST', path: '/v1/tick' },
    { method: 'GET', path: '/v1/schedules' },
    { method: 'GET', path: s },
    { method: 'PUT', path: s, body: { cron: '0 3 * * *', queue: DOWN_QUEUE, payload: SECRET } },
    { method: 'DELETE', path: s },
    { method: 'POST', path: `${s}/pause` },
    { method: 'POST', path: `${s}/resume` },
    // Job gauges are read from the store at scrape time.
    { method: 'GET', path: '/metrics' },
  ];
}

/** `METHOD /pattern` of every route the app registers (middleware excluded). */
export function registered(app: Hono): string[] {
  const seen = new Set<string>();
  for (const r of app.routes) {
    if (r.method === 'ALL') continue; // middleware (auth, body limit)
    seen.add(`${r.method} ${r.path}`);
  }
  return [...seen].sort();
}

/** Matches a concrete request path against a route pattern (`:param` segments). */
export function matches(pattern: string, path: string): boolean {
  const a = pattern.split('/');
  const b = path.split('?')[0]!.split('/');
  return a.length === b.length && a.every((seg, i) => seg.startsWith(':') || seg === b[i]);
}

/**
 * What the store holds after the outage, in the namespace the API uses: every job of the queues
 * the routes name, and every config entry (queue settings, push bindings, schedules), plus pause.
 */
export async function storedState(driver: Driver, now: number) {
  const ns = 'default';
  const jobs: string[] = [];
  for (const queue of [DOWN_QUEUE, HANDLER_QUEUE]) {
    for (const state of JOB_STATES) {
      const page = await driver.list({ ns, now, queue, state, limit: 100 });
      jobs.push(...page.jobs.map((j) => `${queue}/${state}/${j.id}`));
    }
  }
  const configs: string[] = [];
  for (const kind of ['queue', 'push', 'schedule'] as const) {
    for (const e of await driver.configs({ kind, ns })) configs.push(`${kind}/${e.name}`);
  }
  const paused = (await driver.queues({ ns, now })).filter((q) => q.paused).map((q) => q.name);
  return { jobs, configs, paused };
}
