/**
 * A local server speaking the Upstash Redis REST protocol (as sent by @upstash/redis 1.x) in
 * front of a real Redis, so the unmodified client (Node build, or `@upstash/redis/cloudflare`
 * inside workerd) runs locally with no account (`edgeq dev`, the tests), with injectable network
 * faults.
 *
 * Supports `POST /` (one command), `/pipeline` and `/multi-exec` (MULTI ... EXEC on one dedicated
 * connection, so it is atomic); bearer auth; `Upstash-Encoding: base64` (every string is base64 of
 * its bytes except a top-level `+OK` status, which stays the literal "OK"); HTTP 400 for a command
 * error; scripts (EVAL/EVALSHA, NOSCRIPT errors pass through). Redis is spoken over RESP2 with our
 * own pipelined client (each HTTP request has a pooled connection to itself), replies unreshaped.
 *
 * Not implemented: GET / path-style commands (`/set/k/v`), blocking commands, pub/sub, WATCH,
 * SELECT, MONITOR (rejected with 400, whole request), streaming (SSE), read-your-writes sync
 * tokens, integers beyond 2^53 (returned as JSON numbers, so rounded), a request-size limit.
 * A MULTI with a command rejected when queued answers a single 400 EXECABORT error (nothing ran).
 *
 * Faults (`faults`, seeded by `seed`; the model is in ./faults.ts): refuse (reset, not
 * executed), 503 (not executed), stall (not executed, never answered), drop-after (executed, then
 * the socket is cut), `down` (every connection reset).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { type FaultStats, type Faults, faultPicker, newStats } from './faults.js';

export type { Cue, FaultStats, Faults } from './faults.js';
/** A running endpoint: its URL and token, counters, faults, and `close()`. */
export interface UpstashServer {
  url: string;
  port: number;
  token: string;
  /** HTTP requests served (every POST that reached command execution or a fault), and commands executed on Redis. */
  requests: number;
  commands: number;
  /** Mutable: tests change it on the fly (the model is in ./faults.ts). */
  faults: Faults;
  stats: FaultStats;
  close(): Promise<void>;
}
/** Where the endpoint listens, the Redis behind it, and its faults. */
export interface UpstashServerOptions {
  /** Default redis://127.0.0.1:6379 (user, password and /db are honoured). */
  redisUrl?: string;
  port?: number;
  host?: string;
  token?: string;
  faults?: Faults;
  /** Seed of the RNG deciding the fault rates (default 1). */
  seed?: number;
  /** Max Redis connections (default 16); further requests wait for one. */
  maxConnections?: number;
  /** Observer called with each request's path and commands (as sent to Redis) before faults apply. */
  onRequest?: (path: Path, commands: string[][]) => void;
}

// Wire formats.
/** The request paths the endpoint serves. */
export type Path = '/' | '/pipeline' | '/multi-exec';
type WireValue = null | number | string | WireValue[];
type WireItem = { result: WireValue } | { error: string };
type WireBody = WireItem | WireItem[];

// RESP2 replies: bulk strings stay bytes; statuses and errors are tagged.
class Status {
  constructor(readonly value: string) {}
}
class ReplyError {
  constructor(readonly message: string) {}
}
type Reply = null | number | Buffer | Status | ReplyError | Reply[];

/** Parses one reply at `pos`; when incomplete, returns the minimum buffer length needed. */
function parseReply(buf: Buffer, pos: number): { value: Reply; end: number } | number {
  const nl = buf.indexOf('\r\n', pos);
  if (nl < 0) return buf.length + 1;
  const line = buf.toString('utf8', pos + 1, nl);
  const end = nl + 2;
  const type = String.fromCharCode(buf[pos]!);
  if (type === '+') return { value: new Status(line), end };
  if (type === '-') return { value: new ReplyError(line), end };
  if (type === ':') return { value: Number(line), end };
  const n = Number(line);
  if ((type !== '$' && type !== '*') || !Number.isInteger(n))
    throw new Error('RESP protocol error');
  if (n < 0) return { value: null, end };
  if (type === '$') {
    if (buf.length < end + n + 2) return end + n + 2;
    return { value: buf.subarray(end, end + n), end: end + n + 2 };
  }
  const items: Reply[] = [];
  let at = end;
  for (let i = 0; i < n; i++) {
    const r = parseReply(buf, at);
    if (typeof r === 'number') return r;
    items.push(r.value);
    at = r.end;
  }
  return { value: items, end: at };
}

function encodeCommand(args: string[]): Buffer[] {
  const parts = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) {
    const bytes = Buffer.from(arg, 'utf8');
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from('\r\n'));
  }
  return parts;
}

interface RedisTarget {
  host: string;
  port: number;
  username: string;
  password: string;
  db: string;
}

/** One RESP2 connection; `send` pipelines commands and resolves with their replies (errors as values). */
class RedisConn {
  dead = false;
  private readonly waiting: Array<(reply: Reply | Error) => void> = [];
  private chunks: Buffer[] = [];
  private length = 0;
  private need = 0;

  private constructor(private readonly sock: Socket) {
    sock.setNoDelay(true);
    sock.on('data', (chunk: Buffer) => this.onData(chunk));
    sock.on('error', () => {}); // 'close' follows
    sock.on('close', () => this.fail(new Error('Redis connection closed')));
  }

  static open(t: RedisTarget): Promise<RedisConn> {
    return new Promise((resolve, reject) => {
      const sock = connect(t.port, t.host);
      sock.once('error', reject);
      sock.once('connect', () => {
        sock.off('error', reject);
        const conn = new RedisConn(sock);
        const setup: string[][] = [];
        if (t.password) setup.push(['AUTH', ...(t.username ? [t.username] : []), t.password]);
        if (t.db) setup.push(['SELECT', t.db]);
        conn.send(setup).then((replies) => {
          const err = replies.find((r) => r instanceof ReplyError);
          if (!err) return resolve(conn);
          conn.destroy();
          reject(new Error(err.message));
        }, reject);
      });
    });
  }

  send(commands: string[][]): Promise<Reply[]> {
    if (this.dead) return Promise.reject(new Error('Redis connection closed'));
    const replies = commands.map(
      () =>
        new Promise<Reply>((resolve, reject) =>
          this.waiting.push((r) => (r instanceof Error ? reject(r) : resolve(r))),
        ),
    );
    if (commands.length > 0) this.sock.write(Buffer.concat(commands.flatMap(encodeCommand)));
    return Promise.all(replies);
  }

  destroy(): void {
    this.sock.destroy();
    this.fail(new Error('Redis connection closed'));
  }

  private fail(err: Error): void {
    this.dead = true;
    for (const w of this.waiting.splice(0)) w(err);
  }

  private onData(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.length += chunk.length;
    if (this.length < this.need) return;
    const buf = Buffer.concat(this.chunks, this.length);
    let pos = 0;
    for (;;) {
      let r: ReturnType<typeof parseReply>;
      try {
        r = parseReply(buf, pos);
      } catch (e) {
        this.sock.destroy();
        this.fail(e instanceof Error ? e : new Error(String(e)));
        return;
      }
      if (typeof r === 'number') {
        this.need = r - pos;
        break;
      }
      pos = r.end;
      this.waiting.shift()?.(r.value);
    }
    const rest = buf.subarray(pos);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.length = rest.length;
  }
}

/** Connections lent exclusively to one HTTP request at a time. */
class Pool {
  private readonly idle: RedisConn[] = [];
  private readonly all = new Set<RedisConn>();
  private opening = 0;
  private readonly waiters: Array<() => void> = [];
  private closed = false;
  constructor(
    private readonly target: RedisTarget,
    private readonly max: number,
  ) {}

  async acquire(): Promise<RedisConn> {
    for (;;) {
      if (this.closed) throw new Error('Server closed');
      const conn = this.idle.pop();
      if (conn && !conn.dead) return conn;
      if (conn) this.all.delete(conn);
      else if (this.all.size + this.opening < this.max) break;
      else await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    this.opening++;
    try {
      const conn = await RedisConn.open(this.target);
      this.all.add(conn);
      return conn;
    } finally {
      this.opening--;
    }
  }

  release(conn: RedisConn): void {
    if (conn.dead || this.closed) this.all.delete(conn);
    else this.idle.push(conn);
    this.waiters.shift()?.();
  }

  close(): void {
    this.closed = true;
    for (const conn of this.all) conn.destroy();
    for (const wake of this.waiters.splice(0)) wake();
  }
}

const BLOCKED = new Set(
  'blpop brpop brpoplpush blmove blmpop bzpopmin bzpopmax bzmpop subscribe psubscribe ssubscribe unsubscribe punsubscribe sunsubscribe monitor multi exec discard watch unwatch select quit reset hello sync psync wait'.split(
    ' ',
  ),
);

function toArgs(v: unknown): string[] | undefined {
  if (!Array.isArray(v) || v.length === 0) return undefined;
  const args: string[] = [];
  for (const a of v) {
    if (typeof a === 'string') args.push(a);
    else if (typeof a === 'number' || typeof a === 'boolean') args.push(String(a));
    else return undefined;
  }
  return args;
}

function toWire(r: Reply, base64: boolean, top: boolean): WireValue {
  if (r === null || typeof r === 'number') return r;
  if (Array.isArray(r)) return r.map((x) => toWire(x, base64, false));
  if (r instanceof Status && top && r.value === 'OK') return 'OK';
  const bytes = Buffer.isBuffer(r) ? r : Buffer.from(r instanceof Status ? r.value : r.message);
  return bytes.toString(base64 ? 'base64' : 'utf8');
}

const item = (r: Reply, base64: boolean): WireItem =>
  r instanceof ReplyError ? { error: r.message } : { result: toWire(r, base64, true) };

function send(res: ServerResponse, status: number, body: WireBody): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Starts the endpoint on `host:port` (default 127.0.0.1, a free port) in front of `redisUrl`.
 * Redis is reached lazily, per request: a Redis that is down answers each command with a 500
 * `{"error"}` until it is back.
 *
 * @example
 * const upstash = await startUpstashServer({ redisUrl: 'redis://127.0.0.1:6379', token: 't' });
 * const redis = new Redis({ url: upstash.url, token: upstash.token }); // from @upstash/redis
 */
export async function startUpstashServer(opts: UpstashServerOptions = {}): Promise<UpstashServer> {
  const u = new URL(opts.redisUrl ?? 'redis://127.0.0.1:6379');
  const target: RedisTarget = {
    host: u.hostname || '127.0.0.1',
    port: Number(u.port || 6379),
    username: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    db: u.pathname.slice(1),
  };
  const pool = new Pool(target, opts.maxConnections ?? 16);
  const stats = newStats();
  const pick = faultPicker(opts.seed ?? 1, stats);
  const token = opts.token ?? 'upstash-test-token';

  async function execute(path: Path, commands: string[][], base64: boolean) {
    const conn = await pool.acquire();
    try {
      if (path !== '/multi-exec') {
        const replies = await conn.send(commands);
        api.commands += commands.length;
        if (path === '/pipeline') return { status: 200, body: replies.map((r) => item(r, base64)) };
        const one = item(replies[0]!, base64);
        return { status: 'error' in one ? 400 : 200, body: one };
      }
      const replies = await conn.send([['MULTI'], ...commands, ['EXEC']]);
      const exec = replies[replies.length - 1]!;
      if (Array.isArray(exec)) {
        api.commands += commands.length;
        return { status: 200, body: exec.map((r) => item(r, base64)) };
      }
      const queued = replies.slice(1, -1).find((r) => r instanceof ReplyError);
      const msg = exec instanceof ReplyError ? exec.message : 'EXECABORT Transaction failed';
      return { status: 400, body: { error: queued ? `${msg} (${queued.message})` : msg } };
    } finally {
      pool.release(conn);
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'POST') return send(res, 405, { error: 'ERR only POST is supported' });
    if (path !== '/' && path !== '/pipeline' && path !== '/multi-exec')
      return send(res, 404, { error: 'ERR path-style commands are not supported' });
    if (req.headers.authorization !== `Bearer ${token}`)
      return send(res, 401, { error: 'Unauthorized' });
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readBody(req));
    } catch {
      return send(res, 400, { error: 'ERR failed to parse the request body as JSON' });
    }
    const raw = path === '/' ? [parsed] : Array.isArray(parsed) ? parsed : [];
    const commands = raw.map(toArgs).filter((c) => c !== undefined);
    if (commands.length === 0 || commands.length !== raw.length)
      return send(res, 400, { error: 'ERR expected command arrays of strings/numbers/booleans' });
    const blocked = commands.find((c) => BLOCKED.has(c[0]!.toLowerCase()));
    if (blocked) return send(res, 400, { error: `ERR Command is not allowed: ${blocked[0]}` });

    opts.onRequest?.(path, commands);
    api.requests++;
    const fault = pick(api.faults);
    if (fault === 'refuse') {
      req.socket.resetAndDestroy();
      return;
    }
    if (fault === 'stall') {
      stalled.add(res);
      res.once('close', () => stalled.delete(res));
      return;
    }
    if (fault === 'error-5xx') {
      return send(res, 503, { error: 'Service Unavailable (injected fault)' });
    }
    const base64 = String(req.headers['upstash-encoding']).toLowerCase() === 'base64';
    let out: { status: number; body: WireBody };
    try {
      out = await execute(path, commands, base64);
    } catch (e) {
      out = { status: 500, body: { error: `ERR ${e instanceof Error ? e.message : String(e)}` } };
    }
    if (api.faults.delayMs) await new Promise((r) => setTimeout(r, api.faults.delayMs));
    if (fault === 'drop-after') {
      req.socket.destroy();
      return;
    }
    send(res, out.status, out.body);
  }

  const stalled = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  server.keepAliveTimeout = 30_000;
  // Store down: new connections are reset as they arrive (requests on kept-alive ones, by `pick`).
  server.on('connection', (sock: Socket) => {
    if (!api.faults.down) return;
    stats.refused++;
    sock.resetAndDestroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = opts.host ?? '127.0.0.1';
  let closing: Promise<void> | undefined;
  const api: UpstashServer = {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    token,
    requests: 0,
    commands: 0,
    faults: opts.faults ?? {},
    stats,
    close() {
      closing ??= new Promise<void>((resolve) => {
        pool.close();
        for (const res of stalled) res.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
  return api;
}
