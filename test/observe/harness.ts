/**
 * An app over a real driver whose log lines are kept: the structured logger writes into `lines`
 * at `debug`, so every line the app and the runtime write can be read back and checked.
 */
import type { Hono } from 'hono';
import type { Driver } from '../../src/drivers/types.js';
import { createApp } from '../../src/handlers/app.js';
import type { TokenConfig } from '../../src/handlers/tokens.js';
import { createLogger, type LogLevel } from '../../src/observe/log.js';
import { apiDocs } from '../../src/openapi/routes.js';
import { createRuntime, type Runtime, type RuntimeOptions } from '../../src/runtime/runtime.js';
import { tryJson } from '../support/json.js';

export const ADMIN = 'observe-admin-token-0123456789';

export interface Reply {
  status: number;
  json: any;
  text: string;
  headers: Headers;
}

export interface Harness {
  app: Hono;
  rt: Runtime;
  clock: { now: number };
  /** Every log line written, raw. */
  lines: string[];
  /** The lines parsed (each must be a JSON object). */
  logged(): Record<string, unknown>[];
  call(
    method: string,
    path: string,
    opts?: { token?: string | null; body?: unknown; headers?: Record<string, string> },
  ): Promise<Reply>;
}

export function harness(
  driver: Driver,
  opts: {
    tokens?: TokenConfig[];
    level?: LogLevel;
    runtime?: Partial<RuntimeOptions>;
    /** The admin token (default `ADMIN`). */
    admin?: string;
  } = {},
): Harness {
  const admin = opts.admin ?? ADMIN;
  const lines: string[] = [];
  const log = createLogger({ level: opts.level ?? 'debug', write: (line) => lines.push(line) });
  const clock = { now: Date.UTC(2026, 0, 1) };
  const rt = createRuntime({ driver, now: () => clock.now, log, ...opts.runtime });
  const app = createApp(rt, {
    token: admin,
    ...(opts.tokens ? { tokens: opts.tokens } : {}),
    docs: apiDocs,
  });
  return {
    app,
    rt,
    clock,
    lines,
    logged: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
    async call(method, path, { token = admin, body, headers = {} } = {}) {
      const init: RequestInit = {
        method,
        headers: {
          ...(token === null ? {} : { authorization: `Bearer ${token}` }),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
      };
      if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
      const res = await app.request(path, init);
      const text = await res.text();
      return { status: res.status, json: tryJson(text), text, headers: res.headers };
    },
  };
}
