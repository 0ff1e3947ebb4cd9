/** Builds the HTTP app over a driver with a controllable clock, and a small JSON request helper. */
import type { Hono } from 'hono';
import type { Driver } from '../../src/drivers/types.js';
import { createApp } from '../../src/handlers/app.js';
import type { Limits } from '../../src/runtime/config.js';
import { createRuntime, type Runtime, type RuntimeOptions } from '../../src/runtime/runtime.js';
import { tryJson } from './json.js';

export const TOKEN = 'test-token-0123456789';

export interface Api {
  app: Hono;
  rt: Runtime;
  clock: { now: number };
  call(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{
    status: number;
    json: any;
    text: string;
  }>;
}

export function makeApi(
  driver: Driver,
  limits: Partial<Limits> = {},
  more: Partial<RuntimeOptions> = {},
): Api {
  const clock = { now: Date.UTC(2026, 0, 1) };
  const rt = createRuntime({ driver, now: () => clock.now, limits, ...more });
  const app = createApp(rt, { token: TOKEN });
  return {
    app,
    rt,
    clock,
    async call(method, path, body, headers = {}) {
      const init: RequestInit = {
        method,
        headers: {
          authorization: `Bearer ${TOKEN}`,
          'content-type': 'application/json',
          ...headers,
        },
      };
      if (body !== undefined && method !== 'GET' && method !== 'HEAD')
        init.body = typeof body === 'string' ? body : JSON.stringify(body);
      const res = await app.request(path, init);
      const text = await res.text();
      return { status: res.status, json: tryJson(text), text };
    },
  };
}
