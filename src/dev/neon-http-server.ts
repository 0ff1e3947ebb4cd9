/**
 * A local server speaking Neon's SQL-over-HTTP protocol (what `neon()` from
 * @neondatabase/serverless and drizzle-orm/neon-http send) in front of a real PostgreSQL, via `pg`.
 *
 * `POST /sql` (any path ending in `/sql`): body is JSON sent as text/plain, either one query
 * `{query, params}` or a batch `{queries: [{query, params}, ...]}`; params arrive pre-serialized as
 * text or null. Each request runs against the database/user named by its `Neon-Connection-String`
 * header (one pg Pool per distinct connection string; `sslmode`/`channel_binding` are dropped, the
 * local server speaks plain TCP). Rows are always returned raw: arrays of text values (null for
 * NULL) with full field metadata, so the client applies its own type parsers, as with real Neon. A
 * batch runs as ONE transaction: BEGIN [ISOLATION LEVEL ..] [READ ONLY|READ WRITE] [[NOT]
 * DEFERRABLE] from the Neon-Batch-* headers, the statements, COMMIT (ROLLBACK on the first error).
 * Postgres errors become HTTP 400 `{message, code, detail, ...}`, which the client raises as
 * NeonDbError. Statements use the extended protocol, so several commands in one query fail as on Neon.
 *
 * Faults (`faults`, seeded by `seed`; the model is in ./faults.ts) apply to `/sql`
 * requests: refuse (connection reset, not executed), 503 `{message}` (not executed; the client
 * raises it as an error), stall (not executed, never answered), drop-after (executed and committed,
 * then the socket is cut), `down` (every connection reset).
 *
 * Not implemented: checking `Authorization` (JWT / RLS auth is accepted and ignored), the
 * `Neon-Raw-Text-Output: false` / `Neon-Array-Mode: false` variants (always raw text arrays),
 * per-query `Neon-Pool-Opt-In`, response size limits and request timeouts.
 *
 * Client config (neonConfig is global per module instance):
 *   neonConfig.fetchEndpoint = server.url;   // string or (host, port, {jwtAuth}) => string
 * In workerd, bundle @neondatabase/serverless into the Worker and set
 * `neonConfig.fetchEndpoint = env.NEON_FETCH_ENDPOINT` in the Worker itself before calling neon();
 * workerd may fetch `http://127.0.0.1:PORT/sql`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import pg from 'pg';
import { type FaultStats, type Faults, faultPicker, newStats } from './faults.js';

/** A running endpoint: its `/sql` URL, counters, faults, and `close()`. */
export interface NeonHttpServer {
  /** `http://127.0.0.1:PORT/sql`: the value for `neonConfig.fetchEndpoint`. */
  url: string;
  port: number;
  /** HTTP requests to /sql served so far (one per `sql\`...\``, one per transaction/batch). */
  requests: number;
  /** SQL statements executed so far (excluding BEGIN/COMMIT/ROLLBACK). */
  queries: number;
  /** Mutable: tests change it on the fly. */
  faults: Faults;
  stats: FaultStats;
  close(): Promise<void>;
}

/** Where the endpoint listens, and its faults. */
export interface NeonHttpServerOptions {
  port?: number;
  host?: string;
  faults?: Faults;
  /** Seed of the RNG deciding the fault rates (default 1). */
  seed?: number;
}

// Wire format.
type Param = string | null;
interface QueryReq {
  query: string;
  params: Param[];
}
interface BatchReq {
  queries: QueryReq[];
}
interface WireField {
  name: string;
  dataTypeID: number;
  tableID: number;
  columnID: number;
  dataTypeSize: number;
  dataTypeModifier: number;
  format: string;
}
interface QueryResp {
  command: string;
  rowCount: number | null;
  fields: WireField[];
  rows: (string | null)[][];
}
type BatchResp = { results: QueryResp[] };
type ErrorResp = { message: string } & Partial<Record<(typeof ERROR_FIELDS)[number], string>>;

// biome-ignore format: keep the list compact
const ERROR_FIELDS = [
  'severity', 'code', 'detail', 'hint', 'position', 'internalPosition', 'internalQuery', 'where',
  'schema', 'table', 'column', 'dataType', 'constraint', 'file', 'line', 'routine',
] as const;

const ISOLATION: Record<string, string> = {
  ReadUncommitted: 'READ UNCOMMITTED',
  ReadCommitted: 'READ COMMITTED',
  RepeatableRead: 'REPEATABLE READ',
  Serializable: 'SERIALIZABLE',
};

/** Every type comes back as its text representation: the Neon client parses it. */
const rawText: pg.CustomTypesConfig = { getTypeParser: () => (value: string) => value };

class BadRequest extends Error {}

function parseQuery(v: unknown): QueryReq {
  const q = v as Partial<QueryReq> | null;
  if (typeof q?.query !== 'string') throw new BadRequest('missing "query" string');
  const params = q.params ?? [];
  if (!Array.isArray(params) || !params.every((p) => p === null || typeof p === 'string')) {
    throw new BadRequest('"params" must be an array of strings or nulls');
  }
  return { query: q.query, params };
}

function parseBody(text: string): QueryReq | BatchReq {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new BadRequest('request body is not JSON');
  }
  const queries = (body as Partial<BatchReq> | null)?.queries;
  if (queries === undefined) return parseQuery(body);
  if (!Array.isArray(queries)) throw new BadRequest('"queries" must be an array');
  return { queries: queries.map(parseQuery) };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

function beginStatement(req: IncomingMessage): string {
  const parts = ['BEGIN'];
  const iso = header(req, 'Neon-Batch-Isolation-Level');
  if (iso !== undefined) {
    const level = ISOLATION[iso];
    if (level === undefined) throw new BadRequest(`invalid Neon-Batch-Isolation-Level: ${iso}`);
    parts.push(`ISOLATION LEVEL ${level}`);
  }
  const ro = header(req, 'Neon-Batch-Read-Only');
  if (ro !== undefined) parts.push(ro === 'true' ? 'READ ONLY' : 'READ WRITE');
  const def = header(req, 'Neon-Batch-Deferrable');
  if (def !== undefined) parts.push(def === 'true' ? 'DEFERRABLE' : 'NOT DEFERRABLE');
  return parts.join(' ');
}

function errorBody(err: unknown): ErrorResp {
  const out: ErrorResp = { message: err instanceof Error ? err.message : String(err) };
  if (err instanceof pg.DatabaseError) {
    for (const f of ERROR_FIELDS) {
      const v: unknown = err[f];
      if (v !== undefined && v !== null) out[f] = String(v);
    }
  }
  return out;
}

/**
 * Starts the endpoint on `host:port` (default 127.0.0.1, a free port). It serves whichever
 * database each request's connection string names, connecting on first use.
 *
 * @example
 * const http = await startNeonHttpServer();
 * neonConfig.fetchEndpoint = http.url; // then neon(DATABASE_URL) from @neondatabase/serverless
 */
export async function startNeonHttpServer(
  opts: NeonHttpServerOptions = {},
): Promise<NeonHttpServer> {
  const pools = new Map<string, pg.Pool>();
  const stats = newStats();
  const pick = faultPicker(opts.seed ?? 1, stats);

  function poolFor(connectionString: string): pg.Pool {
    let pool = pools.get(connectionString);
    if (!pool) {
      const url = new URL(connectionString);
      url.searchParams.delete('sslmode');
      url.searchParams.delete('channel_binding');
      pool = new pg.Pool({ connectionString: url.href, ssl: false, types: rawText, max: 10 });
      pool.on('error', () => {}); // idle client lost (e.g. server restart): just drop it
      pools.set(connectionString, pool);
    }
    return pool;
  }

  async function run(client: pg.PoolClient, q: QueryReq): Promise<QueryResp> {
    server.queries++;
    const config = { text: q.query, values: q.params, rowMode: 'array', queryMode: 'extended' };
    const r = await client.query<(string | null)[]>(config as pg.QueryArrayConfig);
    return {
      command: r.command,
      rowCount: r.rowCount,
      fields: r.fields.map((f) => ({
        name: f.name,
        dataTypeID: f.dataTypeID,
        tableID: f.tableID,
        columnID: f.columnID,
        dataTypeSize: f.dataTypeSize,
        dataTypeModifier: f.dataTypeModifier,
        format: f.format,
      })),
      rows: r.rows,
    };
  }

  async function handle(req: IncomingMessage, body: string): Promise<QueryResp | BatchResp> {
    const connectionString = header(req, 'Neon-Connection-String');
    if (!connectionString) throw new BadRequest('missing Neon-Connection-String header');
    const parsed = parseBody(body);
    const begin = 'queries' in parsed ? beginStatement(req) : '';
    const client = await poolFor(connectionString).connect();
    let broken: Error | undefined;
    try {
      if (!('queries' in parsed)) return await run(client, parsed);
      await client.query(begin);
      try {
        const results: QueryResp[] = [];
        for (const q of parsed.queries) results.push(await run(client, q));
        await client.query('COMMIT');
        return { results };
      } catch (err) {
        await client.query('ROLLBACK').catch((e: Error) => {
          broken = e;
        });
        throw err;
      }
    } finally {
      client.release(broken);
    }
  }

  function send(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }

  const http = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (req.method !== 'POST' || !path.endsWith('/sql')) {
      send(res, 404, { message: `no route for ${req.method} ${path}` });
      return;
    }
    server.requests++;
    const fault = pick(server.faults);
    if (fault === 'refuse') {
      req.socket.resetAndDestroy();
      return;
    }
    if (fault === 'stall') return; // held until the client gives up or the server closes
    if (fault === 'error-5xx') {
      send(res, 503, { message: 'Service Unavailable (injected fault)' });
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answer = async (status: number, body: unknown) => {
        if (server.faults.delayMs) await new Promise((r) => setTimeout(r, server.faults.delayMs));
        if (fault === 'drop-after') req.socket.destroy();
        else send(res, status, body);
      };
      handle(req, Buffer.concat(chunks).toString('utf8')).then(
        (result) => answer(200, result),
        (err: unknown) => answer(400, errorBody(err)),
      );
    });
  });
  // Store down: new connections are reset as they arrive (requests on kept-alive ones, by `pick`).
  http.on('connection', (sock: Socket) => {
    if (!server.faults.down) return;
    stats.refused++;
    sock.resetAndDestroy();
  });

  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(opts.port ?? 0, host, () => resolve());
  });
  const { port } = http.address() as AddressInfo;
  const server: NeonHttpServer = {
    url: `http://${host}:${port}/sql`,
    port,
    requests: 0,
    queries: 0,
    faults: opts.faults ?? {},
    stats,
    async close() {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await Promise.all([...pools.values()].map((p) => p.end()));
      pools.clear();
    },
  };
  return server;
}

/** The neonConfig settings that point `neon()` (and drizzle-orm/neon-http) at `server`. */
export function neonHttpConfig(server: Pick<NeonHttpServer, 'url'>): { fetchEndpoint: string } {
  return { fetchEndpoint: server.url };
}
