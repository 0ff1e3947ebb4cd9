/**
 * Driver RPC Worker: runs a storage driver inside workerd and exposes its methods over HTTP, so
 * the driver contract suite (which runs in Node under vitest) can drive the driver's code as it
 * runs on Cloudflare. Built with wrangler and loaded into Miniflare by
 * test/support/workerd-driver.ts.
 *
 *   GET  /info                        { name, capabilities } of an instance (`?instance=`)
 *   POST /reset  { ...config }        closes every instance; builds instance `a` from env + config
 *   POST /open   { instance }         builds another, independent instance over the same config
 *   POST /rpc    { method, params, instance? }   calls one method of an instance (default `a`)
 *                -> { ok: true, value } | { ok: false, error: { name, message, code? } }
 *
 * `method` is a Driver method, or `migrate`: the driver's own `migrate()` when it has one (as the
 * Node contract factories call it), else a read of a missing job, so first-use setup happens
 * before the suite counts round trips. Every answer is HTTP 200; `/info` also names the runtime
 * (`navigator.userAgent`), so a test can prove the driver ran in workerd.
 *
 * Which driver: `DRIVER` (env binding or reset config). Per-test settings (a fresh store URL) go
 * in the reset body, so one Miniflare serves a whole test file.
 */

import { neonConfig } from '@neondatabase/serverless';
import { libsqlDriver } from '../../src/drivers/libsql/index.js';
import { memoryDriver } from '../../src/drivers/memory/index.js';
// The Workers entry: Neon over HTTP, no `pg` in the bundle.
import { postgresDriver } from '../../src/drivers/postgres/cloudflare.js';
import type { Driver } from '../../src/drivers/types.js';
// The Workers build of @upstash/redis, as src/worker.ts uses it.
import { upstashDriver } from '../../src/drivers/upstash/cloudflare.js';
import { createRuntime } from '../../src/runtime/runtime.js';

/** Env bindings and reset config: plain strings. */
export type DriverConfig = Record<string, string | undefined>;

function need(config: DriverConfig, key: string): string {
  const v = config[key];
  if (!v) throw new Error(`driver-worker: ${key} is not set (env binding or /reset body)`);
  return v;
}

/** How each driver is built from its config. One line per driver. */
const DRIVERS: Record<string, (config: DriverConfig) => Driver> = {
  memory: () => memoryDriver(),
  libsql: (c) => libsqlDriver({ url: need(c, 'LIBSQL_URL'), authToken: c.LIBSQL_AUTH_TOKEN }),
  upstash: (c) =>
    upstashDriver({
      url: need(c, 'UPSTASH_REDIS_REST_URL'),
      token: need(c, 'UPSTASH_REDIS_REST_TOKEN'),
      prefix: need(c, 'EDGEQ_REDIS_PREFIX'),
    }),
  postgres: (c) => {
    // The local Neon HTTP endpoint stands in for Neon's (neonConfig is this isolate's own).
    neonConfig.fetchEndpoint = need(c, 'NEON_FETCH_ENDPOINT');
    return postgresDriver({ url: need(c, 'DATABASE_URL'), schema: need(c, 'EDGEQ_PG_SCHEMA') });
  },
  // ---- ADD DRIVERS HERE: one line each, plus its import at the top. ----
};

function buildDriver(config: DriverConfig): Driver {
  const kind = need(config, 'DRIVER');
  const make = DRIVERS[kind];
  if (!make) throw new Error(`driver-worker: unknown DRIVER "${kind}"`);
  return make(config);
}

const METHODS = new Set([
  'enqueue',
  'claim',
  'extend',
  'ack',
  'nack',
  'reclaim',
  'get',
  'list',
  'queues',
  'setPaused',
  'replayDead',
  'cancel',
  'prune',
  'putConfig',
  'deleteConfig',
  'configs',
  'advanceCursor',
  'restore',
  'namespaces',
  'close',
]);

// Isolate state: the config of the current test and its live driver instances.
let config: DriverConfig | undefined;
const instances = new Map<string, Driver>();

function stringsOf(v: unknown): DriverConfig {
  const out: DriverConfig = {};
  if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out[k] = x;
  }
  return out;
}

function instance(name: string): Driver {
  const d = instances.get(name);
  if (!d) throw new Error(`driver-worker: no driver instance "${name}" (POST /reset first)`);
  return d;
}

async function closeAll(): Promise<void> {
  const all = [...instances.values()];
  instances.clear();
  // A driver left open by a failed test must not keep the next test from starting.
  await Promise.allSettled(all.map((d) => d.close()));
}

function errorOf(err: unknown): { name: string; message: string; code?: string } {
  const e = err as { name?: unknown; message?: unknown; code?: unknown } | null;
  const name = typeof e?.name === 'string' ? e.name : 'Error';
  const message = typeof e?.message === 'string' ? e.message : String(err);
  return typeof e?.code === 'string' ? { name, message, code: e.code } : { name, message };
}

/** First-use setup (migrations), outside any test namespace. */
async function warmUp(d: Driver): Promise<void> {
  const migrate = (d as { migrate?: () => Promise<void> }).migrate;
  if (typeof migrate === 'function') return migrate.call(d);
  // Upstash: load the scripts, so a cold script cache's EVALSHA + EVAL is not counted.
  const load = (d as { loadScripts?: () => Promise<void> }).loadScripts;
  if (typeof load === 'function') return load.call(d);
  await d.get({ ns: '__driver_worker_warmup', now: 0, id: 'none' });
}

const json = (body: unknown, status = 200) => Response.json(body, { status });

async function body(request: Request): Promise<Record<string, unknown>> {
  const text = await request.text();
  const parsed: unknown = text ? JSON.parse(text) : {};
  if (!parsed || typeof parsed !== 'object')
    throw new Error('driver-worker: body must be a JSON object');
  return parsed as Record<string, unknown>;
}

async function route(request: Request, env: DriverConfig): Promise<unknown> {
  const url = new URL(request.url);
  const path = `${request.method} ${url.pathname}`;
  if (path === 'GET /info') {
    const d = instance(url.searchParams.get('instance') ?? 'a');
    return { name: d.name, capabilities: d.capabilities, runtime: navigator.userAgent };
  }
  if (path === 'POST /reset') {
    await closeAll();
    config = { ...stringsOf(env), ...stringsOf(await body(request)) };
    const d = buildDriver(config);
    instances.set('a', d);
    return { name: d.name, capabilities: d.capabilities };
  }
  if (path === 'POST /open') {
    const { instance: name } = await body(request);
    if (typeof name !== 'string' || !name) throw new Error('driver-worker: /open needs `instance`');
    if (!config) throw new Error('driver-worker: POST /reset first');
    await instances.get(name)?.close();
    const d = buildDriver(config);
    instances.set(name, d);
    return { name: d.name, capabilities: d.capabilities };
  }
  if (path === 'POST /rpc') {
    const { method, params, instance: name = 'a' } = await body(request);
    if (typeof method !== 'string' || !(METHODS.has(method) || method === 'migrate')) {
      throw new Error(`driver-worker: unknown method ${String(method)}`);
    }
    if (typeof name !== 'string') throw new Error('driver-worker: `instance` must be a string');
    const d = instance(name);
    if (method === 'migrate') return warmUp(d);
    if (method === 'close') {
      instances.delete(name);
      return d.close();
    }
    const fn = (d as unknown as Record<string, (p: unknown) => Promise<unknown>>)[method]!;
    return fn.call(d, params);
  }
  throw Object.assign(new Error(`driver-worker: no route ${path}`), { code: 'no_route' });
}

export default {
  async fetch(request: Request, env: DriverConfig): Promise<Response> {
    try {
      const value = await route(request, env);
      // JSON drops `undefined` fields (an absent cursor stays absent) and a void result.
      return json(value === undefined ? { ok: true } : { ok: true, value });
    } catch (err) {
      return json({ ok: false, error: errorOf(err) });
    }
  },

  /**
   * A Cron Trigger event runs the runtime's tick over instance `a`, with the event's scheduled
   * time as the runtime's clock, so tests can fire ticks "at" any moment inside workerd.
   */
  async scheduled(
    event: { scheduledTime: number },
    _env: DriverConfig,
    ctx: { waitUntil(p: Promise<unknown>): void },
  ) {
    const driver = instances.get('a');
    if (!driver) throw new Error('driver-worker: reset before firing scheduled events');
    const rt = createRuntime({ driver, now: () => event.scheduledTime });
    ctx.waitUntil(rt.tick());
  },
};
