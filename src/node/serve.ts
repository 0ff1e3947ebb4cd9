/**
 * `edgeq serve` on Node: the same Hono app behind @hono/node-server, with the scheduled work run
 * in-process on a timer instead of a Cron Trigger.
 */
import type { AddressInfo } from 'node:net';
import { serve as honoServe } from '@hono/node-server';
import type { Driver } from '../drivers/types.js';
import { createApp } from '../handlers/app.js';
import type { TokenConfig } from '../handlers/tokens.js';
import type { Limits } from '../runtime/config.js';
import { createRuntime, type Runtime } from '../runtime/runtime.js';

export interface ServeOptions {
  driver: Driver;
  port: number;
  host: string;
  /**
   * Admin token of namespace `default`. Without it and without `tokens` the server only accepts
   * loopback hosts and runs without auth.
   */
  token?: string | undefined;
  /** Scoped tokens (from `EDGEQ_TOKENS`). */
  tokens?: TokenConfig[] | undefined;
  /** Milliseconds between ticks (default 10 s); 0 turns the timer off. */
  tickIntervalMs?: number;
  limits?: Partial<Limits>;
  log?: (line: string) => void;
}

export interface Server {
  url: string;
  runtime: Runtime;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export async function serve(opts: ServeOptions): Promise<Server> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const open = !opts.token && !opts.tokens?.length;
  if (open && !isLoopback(opts.host)) {
    throw new Error(
      `refusing to listen on ${opts.host} without a token: set EDGEQ_TOKEN (or EDGEQ_TOKENS), or use --host 127.0.0.1`,
    );
  }
  const runtime = createRuntime({
    driver: opts.driver,
    ...(opts.limits ? { limits: opts.limits } : {}),
  });
  // Before listening: a bad token configuration stops startup with its message.
  const app = createApp(runtime, { token: opts.token, tokens: opts.tokens, open });

  const server = honoServe({ fetch: app.fetch, port: opts.port, hostname: opts.host });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const url = `http://${host}:${addr.port}`;
  if (open) log(`edgeq: no EDGEQ_TOKEN set, so listening on loopback only and without auth`);
  if (opts.tokens?.length) log(`edgeq: ${opts.tokens.length} scoped token(s) configured`);
  log(`edgeq: listening on ${url} (driver ${opts.driver.name})`);

  // Ticks never overlap: the next is scheduled when the previous one ends.
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let running: Promise<unknown> = Promise.resolve();
  const interval = opts.tickIntervalMs ?? 10_000;
  const schedule = () => {
    if (stopped || interval <= 0) return;
    timer = setTimeout(() => {
      running = runtime
        .tick()
        .then((r) => {
          if (r.reclaimed || r.dead || r.pruned) {
            log(`edgeq: tick reclaimed ${r.reclaimed}, dead ${r.dead}, pruned ${r.pruned}`);
          }
        })
        .catch((err: unknown) => log(`edgeq: tick failed: ${(err as Error).message}`))
        .finally(schedule);
    }, interval);
    timer.unref();
  };
  schedule();

  return {
    url,
    runtime,
    async close() {
      stopped = true;
      clearTimeout(timer);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await running;
      await opts.driver.close();
    },
  };
}
