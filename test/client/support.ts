/**
 * Fixtures for the client tests: a live `edgeq serve` child process (the built bin) in a temp
 * dir, and a loopback proxy in front of it that counts requests and, on cue, stalls one or
 * drops its response after serve has handled it (the "lost answer" a retry must survive).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ServeProcess, startServe } from '../support/serve-process.js';

export const TOKEN = 'client-test-admin-token-0123456789';

export interface Edgeq {
  url: string;
  proc: ServeProcess;
  stop(): Promise<void>;
}

/**
 * `edgeq serve` on a free port with the tick timer off (ticks only through `POST /v1/tick`), on
 * the in-memory store or a libSQL file in a fresh temp dir.
 */
export async function startEdgeq(
  opts: { driver?: 'memory' | 'libsql'; env?: Record<string, string> } = {},
): Promise<Edgeq> {
  const dir = mkdtempSync(join(tmpdir(), 'edgeq-client-'));
  const proc = await startServe(
    ['--port', '0', '--tick-interval', '0', '--db', join(dir, 'edgeq.db')],
    { EDGEQ_DRIVER: opts.driver ?? 'memory', EDGEQ_TOKEN: TOKEN, ...opts.env },
    dir,
  );
  return {
    url: proc.url,
    proc,
    async stop() {
      proc.child.kill('SIGKILL');
      await proc.exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Seen {
  method: string;
  path: string;
  /** The request body, as text. */
  body: string;
}

type Match = (method: string, path: string) => boolean;

export interface LossyProxy {
  url: string;
  /** Every request forwarded, in arrival order. */
  seen: Seen[];
  count(method: string, path: string | RegExp): number;
  /** The JSON bodies of the matching requests. */
  bodies(method: string, path: string): any[];
  /** The next matching request runs upstream, then its connection is cut before any answer. */
  dropNext(match: Match): void;
  /** The next matching request is held `ms` before it is forwarded. */
  stallNext(match: Match, ms: number): void;
  close(): Promise<void>;
}

/** A loopback HTTP proxy to `target` (an `edgeq serve` URL). */
export async function startProxy(target: string): Promise<LossyProxy> {
  const up = new URL(target);
  const seen: Seen[] = [];
  let drops: Match[] = [];
  let stalls: { match: Match; ms: number }[] = [];

  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const method = req.method ?? 'GET';
    const path = (req.url ?? '/').split('?', 1)[0]!;
    const drop = drops.find((m) => m(method, path));
    if (drop) drops = drops.filter((m) => m !== drop);
    const headers = { ...req.headers, host: up.host };
    const out = request(
      { host: up.hostname, port: up.port, method, path: req.url, headers },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (c: Buffer) => chunks.push(c));
        answer.on('end', () => {
          if (drop) {
            res.socket?.destroy(); // serve has done the work; the caller never hears of it
            return;
          }
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          res.end(Buffer.concat(chunks));
        });
      },
    );
    out.on('error', () => res.socket?.destroy());
    out.end(body);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const method = req.method ?? 'GET';
      const path = (req.url ?? '/').split('?', 1)[0]!;
      const body = Buffer.concat(chunks);
      seen.push({ method, path, body: body.toString('utf8') });
      const stall = stalls.find((s) => s.match(method, path));
      if (stall) stalls = stalls.filter((s) => s !== stall);
      if (stall) setTimeout(() => forward(req, res, body), stall.ms);
      else forward(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    count: (method, path) =>
      seen.filter(
        (s) =>
          s.method === method && (typeof path === 'string' ? s.path === path : path.test(s.path)),
      ).length,
    bodies: (method, path) =>
      seen.filter((s) => s.method === method && s.path === path).map((s) => JSON.parse(s.body)),
    dropNext: (match) => drops.push(match),
    stallNext: (match, ms) => stalls.push({ match, ms }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Polls `check` every 20 ms until it holds, or fails after `ms`. */
export async function until(check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
