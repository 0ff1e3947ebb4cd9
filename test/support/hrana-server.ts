/**
 * Test-only libSQL server: Hrana v2 over HTTP (JSON), the wire protocol of `sqld` / Turso, backed
 * by a local SQLite file opened with the `libsql` package. It lets the real `@libsql/client` HTTP
 * client (and drizzle-orm/libsql on top of it) run against a local file, from Node or from
 * workerd, over the same protocol Turso speaks.
 *
 * Supports: `POST /v2/pipeline` with execute, batch (all conditions), sequence, store_sql,
 * close_sql, close and get_autocommit; batons, one connection per stream (so interactive
 * transactions work), idle streams rolled back and closed after 10 s; 64-bit integers as strings;
 * SQLite error codes (e.g. SQLITE_CONSTRAINT_UNIQUE); optional bearer-token auth on the pipeline;
 * `GET /v2` answers 200 and `/v3`, `/v3-protobuf` 404, so a client that probes settles on v2 JSON.
 *
 * Lock waits: SQLITE_BUSY is retried for up to 5 s *asynchronously* (connections use
 * busy_timeout = 0). A synchronous busy_timeout would block the event loop, so a stream holding
 * the write lock in an interactive transaction could never commit while another one waited.
 *
 * Not implemented: Hrana v3 (cursors, protobuf), `describe`, replication/`base_url`, rows_read /
 * rows_written stats, rejecting several statements in one `execute` (only the first one runs).
 * `sequence` is not retried on SQLITE_BUSY.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Database from 'libsql';

export interface HranaServer {
  url: string;
  port: number;
  /** HTTP pipeline requests served so far (one per client round trip). */
  requests: number;
  close(): Promise<void>;
}

// ---- wire format (Hrana v2, JSON) ----
type Value =
  | { type: 'null' }
  | { type: 'integer'; value: string }
  | { type: 'float'; value: number }
  | { type: 'text'; value: string }
  | { type: 'blob'; base64: string };
interface Stmt {
  sql?: string | null;
  sql_id?: number | null;
  args?: Value[];
  named_args?: { name: string; value: Value }[];
  want_rows?: boolean;
}
type Cond =
  | { type: 'ok' | 'error'; step: number }
  | { type: 'not'; cond: Cond }
  | { type: 'and' | 'or'; conds: Cond[] }
  | { type: 'is_autocommit' };
type Request =
  | { type: 'close' | 'get_autocommit' }
  | { type: 'execute'; stmt: Stmt }
  | { type: 'batch'; batch: { steps: { condition?: Cond | null; stmt: Stmt }[] } }
  | { type: 'sequence' | 'describe'; sql?: string | null; sql_id?: number | null }
  | { type: 'store_sql'; sql_id: number; sql: string }
  | { type: 'close_sql'; sql_id: number };
interface PipelineReq {
  baton?: string | null;
  requests: Request[];
}
interface StmtResult {
  cols: { name: string | null; decltype: string | null }[];
  rows: Value[][];
  affected_row_count: number;
  last_insert_rowid: string | null;
}
interface WireError {
  message: string;
  code: string;
}
type Response =
  | { type: 'close' | 'sequence' | 'store_sql' | 'close_sql' }
  | { type: 'execute'; result: StmtResult }
  | { type: 'batch'; result: { step_results: (StmtResult | null)[]; step_errors: (WireError | null)[] } }
  | { type: 'get_autocommit'; is_autocommit: boolean };
type Result = { type: 'ok'; response: Response } | { type: 'error'; error: WireError };
interface PipelineResp {
  baton: string | null;
  base_url: null;
  results: Result[];
}

type Db = Database.Database;
type SqlValue = null | bigint | number | string | Uint8Array;
type Params = SqlValue[] | Record<string, SqlValue>;
interface Stream {
  db: Db;
  /** `SELECT changes(), total_changes(), last_insert_rowid()`, prepared once per connection. */
  meta: Database.Statement;
  sqls: Map<number, string>;
  closed: boolean;
  timer?: NodeJS.Timeout;
}

const STREAM_IDLE_MS = 10_000;
const BUSY_WAIT_MS = 5_000;

class HranaFailure extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

function wireError(e: unknown): WireError {
  const code = (e as { code?: unknown } | null)?.code;
  const message = e instanceof Error ? e.message : String(e);
  return { message, code: typeof code === 'string' ? code : 'UNKNOWN' };
}

function fromWire(v: Value): SqlValue {
  switch (v.type) {
    case 'null':
      return null;
    case 'integer':
      return BigInt(v.value);
    case 'float':
      return Number(v.value);
    case 'text':
      return v.value;
    case 'blob':
      return Buffer.from(v.base64, 'base64');
  }
}

function toWire(v: unknown): Value {
  if (v === null || v === undefined) return { type: 'null' };
  if (typeof v === 'bigint') return { type: 'integer', value: v.toString() };
  if (typeof v === 'number') return { type: 'float', value: v };
  if (typeof v === 'string') return { type: 'text', value: v };
  if (v instanceof Uint8Array) {
    return { type: 'blob', base64: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') };
  }
  throw new HranaFailure(`Unsupported SQLite value: ${typeof v}`, 'INTERNAL');
}

const LITERALS_AND_COMMENTS = /'(?:[^']|'')*'|"(?:[^"]|"")*"|`[^`]*`|\[[^\]]*\]|--[^\n]*|\/\*[\s\S]*?(?:\*\/|$)/g;

/** Positional args bind as an array; named args as an object keyed by name without its prefix. */
function bindParams(stmt: Stmt, sql: string): Params {
  const named = stmt.named_args ?? [];
  const args = stmt.args ?? [];
  if (named.length === 0) return args.map(fromWire);
  if (args.length > 0) {
    throw new HranaFailure('Statement has both positional and named args', 'ARGS_BOTH_POSITIONAL_AND_NAMED');
  }
  // The libsql package aborts the process when an anonymous `?` meets named binding.
  if (/\?(?!\d)/.test(sql.replace(LITERALS_AND_COMMENTS, ''))) {
    throw new HranaFailure('Anonymous `?` parameters cannot be bound by name', 'ARGS_INVALID');
  }
  return Object.fromEntries(named.map((a) => [a.name.replace(/^[:@$]/, ''), fromWire(a.value)]));
}

function sqlOf(s: Stream, sql: string | null | undefined, sqlId: number | null | undefined): string {
  if (typeof sql === 'string') return sql;
  const stored = sqlId == null ? undefined : s.sqls.get(sqlId);
  if (stored === undefined) throw new HranaFailure(`SQL text ${sqlId} not found`, 'SQL_NOT_FOUND');
  return stored;
}

function runStmt(s: Stream, sql: string, params: Params, wantRows: boolean): StmtResult {
  const [, totalBefore] = s.meta.get([]) as bigint[];
  const st = s.db.prepare(sql);
  let cols: StmtResult['cols'] = [];
  let rows: Value[][] = [];
  if (st.reader) {
    const raw = st.raw(true).all(params) as unknown[][];
    cols = st.columns().map((c) => ({ name: c.name, decltype: c.type }));
    if (wantRows) rows = raw.map((r) => r.map(toWire));
  } else {
    st.run(params);
  }
  const [changes, totalAfter, rowid] = s.meta.get([]) as bigint[];
  return {
    cols,
    rows,
    affected_row_count: totalAfter !== totalBefore ? Number(changes) : 0,
    last_insert_rowid: rowid === undefined ? null : rowid.toString(),
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs `fn`, retrying on SQLITE_BUSY (the statement had no effect) without blocking the loop. */
async function withBusyRetry<T>(fn: () => T): Promise<T> {
  const deadline = Date.now() + BUSY_WAIT_MS;
  for (;;) {
    try {
      return fn();
    } catch (e) {
      if (wireError(e).code !== 'SQLITE_BUSY' || Date.now() >= deadline) throw e;
      await sleep(5);
    }
  }
}

function execute(s: Stream, stmt: Stmt): Promise<StmtResult> {
  const sql = sqlOf(s, stmt.sql, stmt.sql_id);
  const params = bindParams(stmt, sql);
  return withBusyRetry(() => runStmt(s, sql, params, stmt.want_rows !== false));
}

function holds(c: Cond, ok: unknown[], errs: unknown[], db: Db): boolean {
  switch (c.type) {
    case 'ok':
      return ok[c.step] != null;
    case 'error':
      return errs[c.step] != null;
    case 'not':
      return !holds(c.cond, ok, errs, db);
    case 'and':
      return c.conds.every((d) => holds(d, ok, errs, db));
    case 'or':
      return c.conds.some((d) => holds(d, ok, errs, db));
    case 'is_autocommit':
      return !db.inTransaction;
  }
}

async function handle(s: Stream, req: Request): Promise<Response> {
  if (s.closed) throw new HranaFailure('Stream is closed', 'STREAM_CLOSED');
  switch (req.type) {
    case 'execute':
      return { type: 'execute', result: await execute(s, req.stmt) };
    case 'batch': {
      const step_results: (StmtResult | null)[] = [];
      const step_errors: (WireError | null)[] = [];
      for (const step of req.batch.steps) {
        const i = step_results.length;
        step_results.push(null);
        step_errors.push(null);
        if (step.condition && !holds(step.condition, step_results, step_errors, s.db)) continue;
        try {
          step_results[i] = await execute(s, step.stmt);
        } catch (e) {
          step_errors[i] = wireError(e);
        }
      }
      return { type: 'batch', result: { step_results, step_errors } };
    }
    case 'sequence':
      s.db.exec(sqlOf(s, req.sql, req.sql_id));
      return { type: 'sequence' };
    case 'store_sql':
      s.sqls.set(req.sql_id, req.sql);
      return { type: 'store_sql' };
    case 'close_sql':
      s.sqls.delete(req.sql_id);
      return { type: 'close_sql' };
    case 'get_autocommit':
      return { type: 'get_autocommit', is_autocommit: !s.db.inTransaction };
    case 'close':
      closeStream(s);
      return { type: 'close' };
    default:
      throw new HranaFailure(`Request type ${req.type} is not implemented`, 'NOT_IMPLEMENTED');
  }
}

function openDb(path: string): Db {
  const db = new Database(path);
  db.defaultSafeIntegers(true);
  db.exec('PRAGMA busy_timeout = 0'); // lock waits are asynchronous retries, see the header
  return db;
}

function openStream(path: string): Stream {
  const db = openDb(path);
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

export async function startHranaServer(opts: {
  path: string;
  port?: number;
  host?: string;
  authToken?: string;
}): Promise<HranaServer> {
  const setup = openDb(opts.path);
  setup.exec('PRAGMA journal_mode = WAL');
  setup.close();
  const streams = new Map<string, Stream>();
  let requests = 0;

  async function pipeline(body: PipelineReq): Promise<PipelineResp> {
    let s: Stream;
    if (body.baton == null) {
      s = openStream(opts.path);
    } else {
      const found = streams.get(body.baton);
      if (!found) throw new HranaFailure('Stream expired or baton is invalid', 'STREAM_EXPIRED');
      streams.delete(body.baton);
      clearTimeout(found.timer);
      s = found;
    }
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
    s.timer = setTimeout(() => {
      streams.delete(baton);
      closeStream(s);
    }, STREAM_IDLE_MS).unref();
    return { baton, base_url: null, results };
  }

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const send = (status: number, body: unknown, type = 'application/json') => {
      res.writeHead(status, { 'content-type': type });
      res.end(type === 'application/json' ? JSON.stringify(body) : String(body));
    };
    const path = new URL(req.url ?? '/', 'http://x').pathname.replace(/\/+$/, '');
    if (req.method === 'GET') return send(path === '/v2' || path === '' ? 200 : 404, 'ok', 'text/plain');
    if (req.method !== 'POST' || path !== '/v2/pipeline') return send(404, 'Not found', 'text/plain');
    if (opts.authToken !== undefined && req.headers.authorization !== `Bearer ${opts.authToken}`) {
      return send(401, 'Unauthorized', 'text/plain');
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body: PipelineReq;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as PipelineReq;
      if (!Array.isArray(body.requests)) throw new Error('`requests` must be an array');
    } catch (e) {
      return send(400, { message: `Invalid pipeline request: ${wireError(e).message}`, code: 'PROTO_ERROR' });
    }
    requests++;
    try {
      send(200, await pipeline(body));
    } catch (e) {
      send(e instanceof HranaFailure ? 400 : 500, wireError(e));
    }
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
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    get requests() {
      return requests;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const s of streams.values()) closeStream(s);
        streams.clear();
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
