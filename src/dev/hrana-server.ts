/**
 * A local libSQL server speaking Hrana v2 over HTTP (JSON), the protocol of sqld / Turso, on a
 * local SQLite file opened with the `libsql` package, so the real `@libsql/client` HTTP client (and
 * drizzle-orm/libsql) can be tested over Turso's wire protocol from Node or workerd.
 *
 * Supports `POST /v2/pipeline` with execute, batch (all conditions), sequence, store_sql, close_sql,
 * close, get_autocommit; one connection per stream behind single-use batons (as in sqld, a stream
 * lives until `close`, or 10 s idle, then rolls back); 64-bit integers as strings; SQLite error
 * codes (SQLITE_CONSTRAINT_UNIQUE, ...); optional bearer auth on the pipeline. `GET /v2` is 200 and
 * `/v3*` 404, so a probing client settles on v2 JSON.
 *
 * Lock waits: busy_timeout is 0 and SQLITE_BUSY is retried for 5 s *asynchronously*: a blocking
 * busy_timeout would freeze the event loop, so a stream holding the write lock in an interactive
 * transaction could never commit while another waited. A statement still busy after 5 s closes its
 * stream (libsql cannot reset it).
 *
 * Faults (`faults`, seeded by `seed`; the model is in ./faults.ts) apply to pipeline
 * requests: refuse (connection reset, not executed), 503 (not executed), stall (not executed,
 * never answered), drop-after (the whole pipeline executed, then the socket is cut; a stream it
 * left open is not closed, so it idles out and rolls back as sqld's would), `down` (every
 * connection reset).
 *
 * Not implemented: Hrana v3 (cursors, protobuf), `describe`, `base_url`, rows_read/rows_written,
 * rejecting several statements in one `execute` (only the first runs), BUSY retries for `sequence`,
 * read-only `BEGIN TRANSACTION READONLY` (local libsql accepts writes inside it; sqld would not).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import Database from 'libsql';
import { type FaultStats, type Faults, faultPicker, newStats } from './faults.js';

/** A running endpoint: its URL, request counter, faults, and `close()`. */
export interface HranaServer {
  url: string;
  port: number;
  /** HTTP pipeline requests served so far: one per client round trip. */
  requests: number;
  /** Mutable: tests change it on the fly. */
  faults: Faults;
  stats: FaultStats;
  close(): Promise<void>;
}

// Wire format (Hrana v2, JSON).
type Value =
  | { type: 'null' }
  | { type: 'integer'; value: string }
  | { type: 'float'; value: number }
  | { type: 'text'; value: string }
  | { type: 'blob'; base64: string };
type Sql = { sql?: string | null; sql_id?: number | null };
type Stmt = Sql & {
  args?: Value[];
  named_args?: { name: string; value: Value }[];
  want_rows?: boolean;
};
type Cond =
  | { type: 'ok' | 'error'; step: number }
  | { type: 'not'; cond: Cond }
  | { type: 'and' | 'or'; conds: Cond[] }
  | { type: 'is_autocommit' };
type Request =
  | { type: 'close' | 'get_autocommit' }
  | { type: 'execute'; stmt: Stmt }
  | { type: 'batch'; batch: { steps: { condition?: Cond | null; stmt: Stmt }[] } }
  | (Sql & { type: 'sequence' | 'describe' })
  | { type: 'store_sql'; sql_id: number; sql: string }
  | { type: 'close_sql'; sql_id: number };
type Col = { name: string | null; decltype: string | null };
type StmtResult = {
  cols: Col[];
  rows: Value[][];
  affected_row_count: number;
  last_insert_rowid: string | null;
};
type WireError = { message: string; code: string };
type BatchResult = { step_results: (StmtResult | null)[]; step_errors: (WireError | null)[] };
type Response =
  | { type: 'close' | 'sequence' | 'store_sql' | 'close_sql' }
  | { type: 'execute'; result: StmtResult }
  | { type: 'batch'; result: BatchResult }
  | { type: 'get_autocommit'; is_autocommit: boolean };
type Result = { type: 'ok'; response: Response } | { type: 'error'; error: WireError };
type PipelineReq = { baton?: string | null; requests: Request[] };
type PipelineResp = { baton: string | null; base_url: null; results: Result[] };

type SqlValue = null | bigint | number | string | Uint8Array;
type Params = SqlValue[] | Record<string, SqlValue>;
interface Stream {
  db: Database.Database;
  meta: Database.Statement; // SELECT changes(), total_changes(), last_insert_rowid()
  sqls: Map<number, string>;
  closed: boolean;
  timer?: NodeJS.Timeout;
}

const STREAM_IDLE_MS = 10_000;
const BUSY_WAIT_MS = 5_000;
const LITERALS_AND_COMMENTS =
  /'(?:[^']|'')*'|"(?:[^"]|"")*"|`[^`]*`|\[[^\]]*\]|--.*|\/\*[\s\S]*?(?:\*\/|$)/g;

const fail = (message: string, code: string) => Object.assign(new Error(message), { code });

function wireError(e: unknown): WireError {
  const code = (e as { code?: unknown } | null)?.code;
  const message = e instanceof Error ? e.message : String(e);
  return { message, code: typeof code === 'string' ? code : 'UNKNOWN' };
}

function fromWire(v: Value): SqlValue {
  if (v.type === 'integer') return BigInt(v.value);
  if (v.type === 'float') return Number(v.value);
  if (v.type === 'text') return v.value;
  return v.type === 'blob' ? Buffer.from(v.base64, 'base64') : null;
}

function toWire(v: unknown): Value {
  if (typeof v === 'bigint') return { type: 'integer', value: v.toString() };
  if (typeof v === 'number') return { type: 'float', value: v };
  if (typeof v === 'string') return { type: 'text', value: v };
  const bytes = v instanceof ArrayBuffer ? new Uint8Array(v) : v;
  if (bytes instanceof Uint8Array)
    return { type: 'blob', base64: Buffer.from(bytes).toString('base64') };
  return { type: 'null' };
}

/** Positional args bind as an array; named args as an object keyed by name without its prefix. */
function bindParams(stmt: Stmt, sql: string): Params {
  const { args = [], named_args: named = [] } = stmt;
  if (named.length === 0) return args.map(fromWire);
  if (args.length > 0) throw fail('Positional and named args', 'ARGS_BOTH_POSITIONAL_AND_NAMED');
  // libsql aborts the whole process when an anonymous `?` meets named binding.
  const anonymous = /\?(?!\d)/.test(sql.replace(LITERALS_AND_COMMENTS, ''));
  if (anonymous) throw fail('Anonymous `?` parameters cannot be bound by name', 'ARGS_INVALID');
  return Object.fromEntries(named.map((a) => [a.name.replace(/^[:@$]/, ''), fromWire(a.value)]));
}

function sqlOf(s: Stream, req: Sql): string {
  if (typeof req.sql === 'string') return req.sql;
  const stored = req.sql_id == null ? undefined : s.sqls.get(req.sql_id);
  if (stored === undefined) throw fail(`SQL text ${req.sql_id} not found`, 'SQL_NOT_FOUND');
  return stored;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function execute(s: Stream, stmt: Stmt): Promise<StmtResult> {
  if (s.closed) throw fail('Stream is closed', 'STREAM_CLOSED');
  const sql = sqlOf(s, stmt);
  const params = bindParams(stmt, sql);
  const st = s.db.prepare(sql);
  const [, totalBefore] = s.meta.get([]) as bigint[];
  let raw: unknown[][] = [];
  // On SQLITE_BUSY the statement had no effect and may be run again; it must be the same prepared
  // statement, since libsql leaves a busy one unreset (still holding its read snapshot).
  for (const deadline = Date.now() + BUSY_WAIT_MS; ; await sleep(5)) {
    try {
      if (st.reader) raw = st.raw(true).all(params) as unknown[][];
      else st.run(params);
      break;
    } catch (e) {
      if (wireError(e).code !== 'SQLITE_BUSY') throw e;
      if (Date.now() >= deadline || s.closed) {
        closeStream(s);
        throw e;
      }
    }
  }
  const [changes, totalAfter, rowid] = s.meta.get([]) as bigint[];
  return {
    cols: st.reader ? st.columns().map((c) => ({ name: c.name, decltype: c.type })) : [],
    rows: stmt.want_rows === false ? [] : raw.map((row) => row.map(toWire)),
    affected_row_count: totalAfter !== totalBefore ? Number(changes) : 0,
    last_insert_rowid: rowid === undefined ? null : String(rowid),
  };
}

function holds(c: Cond, r: BatchResult, s: Stream): boolean {
  if (c.type === 'ok') return r.step_results[c.step] != null;
  if (c.type === 'error') return r.step_errors[c.step] != null;
  if (c.type === 'not') return !holds(c.cond, r, s);
  if (c.type === 'and') return c.conds.every((d) => holds(d, r, s));
  if (c.type === 'or') return c.conds.some((d) => holds(d, r, s));
  return !s.db.inTransaction; // is_autocommit
}

async function handle(s: Stream, req: Request): Promise<Response> {
  if (req.type === 'execute') return { type: 'execute', result: await execute(s, req.stmt) };
  if (req.type === 'batch') {
    const result: BatchResult = { step_results: [], step_errors: [] };
    for (const [i, step] of req.batch.steps.entries()) {
      result.step_results.push(null);
      result.step_errors.push(null);
      if (step.condition && !holds(step.condition, result, s)) continue;
      try {
        result.step_results[i] = await execute(s, step.stmt);
      } catch (e) {
        result.step_errors[i] = wireError(e);
      }
    }
    return { type: 'batch', result };
  }
  if (req.type === 'close') closeStream(s);
  else if (s.closed) throw fail('Stream is closed', 'STREAM_CLOSED');
  else if (req.type === 'get_autocommit')
    return { type: req.type, is_autocommit: !s.db.inTransaction };
  else if (req.type === 'sequence') s.db.exec(sqlOf(s, req));
  else if (req.type === 'store_sql') s.sqls.set(req.sql_id, req.sql);
  else if (req.type === 'close_sql') s.sqls.delete(req.sql_id);
  else throw fail(`Request type ${req.type} is not implemented`, 'NOT_IMPLEMENTED');
  return { type: req.type };
}

function openStream(path: string): Stream {
  const db = new Database(path);
  db.defaultSafeIntegers(true);
  db.exec('PRAGMA busy_timeout = 0'); // lock waits are asynchronous retries, see the header
  const meta = db.prepare('SELECT changes(), total_changes(), last_insert_rowid()').raw(true);
  return { db, meta, sqls: new Map(), closed: false };
}

/** Rolls back any open transaction and closes the connection; never throws. */
function closeStream(s: Stream): void {
  if (s.closed) return;
  s.closed = true;
  clearTimeout(s.timer);
  try {
    if (s.db.inTransaction) s.db.exec('ROLLBACK');
  } catch {}
  try {
    s.db.close();
  } catch {}
}

/**
 * Starts the endpoint on `host:port` (default 127.0.0.1, a free port) over the SQLite file at
 * `path` (created if missing, switched to WAL); with `authToken`, pipelines need that bearer.
 *
 * @example
 * const hrana = await startHranaServer({ path: '.edgeq/dev.db' });
 * const client = createClient({ url: hrana.url }); // from @libsql/client
 */
export async function startHranaServer(opts: {
  path: string;
  port?: number;
  host?: string;
  authToken?: string;
  faults?: Faults;
  /** Seed of the RNG deciding the fault rates (default 1). */
  seed?: number;
}): Promise<HranaServer> {
  const setup = openStream(opts.path);
  setup.db.exec('PRAGMA journal_mode = WAL');
  closeStream(setup);
  const streams = new Map<string, Stream>();
  let requests = 0;
  const stats = newStats();
  const pick = faultPicker(opts.seed ?? 1, stats);

  async function pipeline(body: PipelineReq): Promise<PipelineResp | undefined> {
    const s = body.baton == null ? openStream(opts.path) : streams.get(body.baton);
    if (!s) return;
    if (body.baton != null) streams.delete(body.baton); // batons are single-use
    clearTimeout(s.timer);
    const results: Result[] = [];
    for (const req of body.requests) {
      try {
        results.push({ type: 'ok', response: await handle(s, req) });
      } catch (e) {
        results.push({ type: 'error', error: wireError(e) });
      }
    }
    if (s.closed) return { baton: null, base_url: null, results };
    const baton = randomBytes(12).toString('base64url');
    streams.set(baton, s);
    s.timer = setTimeout(() => streams.delete(baton) && closeStream(s), STREAM_IDLE_MS).unref();
    return { baton, base_url: null, results };
  }

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const send = (status: number, body: string | PipelineResp | WireError) => {
      const json = typeof body !== 'string';
      res.writeHead(status, { 'content-type': json ? 'application/json' : 'text/plain' });
      res.end(json ? JSON.stringify(body) : body);
    };
    const path = new URL(req.url ?? '/', 'http://x').pathname.replace(/\/+$/, '');
    if (req.method === 'GET') return send(path === '/v2' || path === '' ? 200 : 404, 'hrana v2');
    if (req.method !== 'POST' || path !== '/v2/pipeline') return send(404, 'Not found');
    if (opts.authToken !== undefined && req.headers.authorization !== `Bearer ${opts.authToken}`) {
      return send(401, 'Unauthorized');
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body: PipelineReq;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as PipelineReq;
      if (!Array.isArray(body.requests)) throw new Error('`requests` must be an array');
    } catch (e) {
      return send(400, { ...wireError(e), code: 'PROTO_ERROR' });
    }
    requests++;
    const fault = pick(api.faults);
    if (fault === 'refuse') {
      req.socket.resetAndDestroy();
      return;
    }
    if (fault === 'stall') return; // held until the client gives up or the server closes
    if (fault === 'error-5xx') return send(503, 'Service Unavailable (injected fault)');
    const resp = await pipeline(body);
    if (api.faults.delayMs) await sleep(api.faults.delayMs);
    if (fault === 'drop-after') {
      req.socket.destroy();
      return;
    }
    send(
      resp ? 200 : 400,
      resp ?? { message: 'Stream expired or bad baton', code: 'STREAM_EXPIRED' },
    );
  }

  const server = createServer((req, res) => {
    serve(req, res).catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(e));
    });
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, resolve);
  });
  // Store down: new connections are reset as they arrive (requests on kept-alive ones, by `pick`).
  server.on('connection', (sock: Socket) => {
    if (!api.faults.down) return;
    stats.refused++;
    sock.resetAndDestroy();
  });
  const { port } = server.address() as AddressInfo;
  const api: HranaServer = {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    get requests() {
      return requests;
    },
    faults: opts.faults ?? {},
    stats,
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const s of streams.values()) closeStream(s);
        streams.clear();
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
  return api;
}
