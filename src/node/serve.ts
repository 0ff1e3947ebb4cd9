/**
 * `edgeq serve` on Node: the same Hono app behind @hono/node-server, with the scheduled work run
 * in-process on a timer instead of a Cron Trigger.
 */
import type { AddressInfo } from 'node:net';
import { serve as honoServe } from '@hono/node-server';
import { dashboard } from '../dashboard/index.js';
import type { Driver } from '../drivers/types.js';
import { createApp } from '../handlers/app.js';
import type { TokenConfig } from '../handlers/tokens.js';
import { describeError } from '../observe/describe.js';
import { createLogger, type Logger, newRequestId } from '../observe/log.js';
import { logTick } from '../observe/tick.js';
import { apiDocs } from '../openapi/routes.js';
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
  /** Startup lines, plain text for a person (default: stdout). */
  log?: (line: string) => void;
  /**
   * Request and tick lines, one JSON object each (default: level `info`, stdout for info and
   * stderr for errors; `edgeq serve` takes the level from `EDGEQ_LOG`).
   */
  logger?: Logger;
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
    log: opts.logger ?? createLogger({ level: 'info' }),
    ...(opts.limits ? { limits: opts.limits } : {}),
  });
  // Before listening: a bad token configuration stops startup with its message.
  const app = createApp(runtime, {
    token: opts.token,
    tokens: opts.tokens,
    open,
    docs: apiDocs,
    dashboard,
  });

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
      // Each tick is a unit of work with its own id, like a request.
      const tickLog = runtime.log.child({ requestId: newRequestId() });
      running = runtime
        .tick()
        .then((r) => logTick(tickLog, r))
        .catch((err: unknown) => tickLog.error('tick failed', { cause: describeError(err) }))
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
