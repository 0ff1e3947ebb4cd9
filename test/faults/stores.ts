/**
 * Each networked driver behind its local endpoint with faults: Upstash REST on the machine's
 * Redis, Postgres over Neon HTTP and Neon WebSocket on the machine's Postgres, libSQL over Hrana
 * HTTP on a temp SQLite file. The clients are the real ones, configured as a user would, plus a
 * client timeout (none of the four has one by default, so a stalled store would hang the caller).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@libsql/client';
import { Pool as NeonPool, neonConfig } from '@neondatabase/serverless';
import { Redis } from '@upstash/redis';
import { drizzle as drizzleWs } from 'drizzle-orm/neon-serverless';
import pg from 'pg';
import ws from 'ws';
import { libsqlDriver } from '../../src/drivers/libsql/index.js';
import {
  neonHttpTransport,
  PostgresDriver,
  poolTransport,
} from '../../src/drivers/postgres/index.js';
import type { Driver } from '../../src/drivers/types.js';
import { CLIENT_DEFAULTS } from '../../src/drivers/upstash/config.js';
import { upstashDriver } from '../../src/drivers/upstash/index.js';
import type { FaultStats, Faults } from '../support/faults.js';
import { startHranaServer } from '../support/hrana-server.js';
import { startNeonHttpServer } from '../support/neon-http-server.js';
import { neonWsConfig, startNeonWsProxy } from '../support/neon-ws-proxy.js';
import { freshSchema, PG_URL } from '../support/pg-transports.js';
import { startUpstashServer } from '../support/upstash-server.js';

/** How long a client waits for an answer before giving up (a stall past it is a failure). */
export const CLIENT_TIMEOUT_MS = 2_000;

export interface FaultyStore {
  name: string;
  driver: Driver;
  /** The endpoint's faults (mutable) and what it injected. */
  endpoint: { faults: Faults; stats: FaultStats };
  /** Whether the client re-sends a request whose response was lost (Upstash: 5 retries). */
  clientRetries: boolean;
  close(): Promise<void>;
}

/** fetch with a deadline per request, as a user would pass to a client that takes a fetch. */
const timeoutFetch: typeof fetch = (input, init) =>
  fetch(input, { ...init, signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS) });

export async function upstashStore(seed: number): Promise<FaultyStore> {
  const server = await startUpstashServer({ seed });
  const prefix = `{edgeqfault-${Math.random().toString(36).slice(2, 10)}}`;
  // A signal *function* makes the client throw on timeout (a plain signal makes it answer
  // "Aborted" as if it were a result). One deadline covers a call's retries.
  const client = new Redis({
    url: server.url,
    token: server.token,
    ...CLIENT_DEFAULTS,
    signal: () => AbortSignal.timeout(CLIENT_TIMEOUT_MS),
  });
  return {
    name: 'upstash',
    driver: upstashDriver({ client, prefix }),
    endpoint: server,
    clientRetries: true,
    async close() {
      server.faults = {};
      const admin = new Redis({ url: server.url, token: server.token });
      const keys = await admin.keys(`${prefix}*`);
      if (keys.length) await admin.del(...keys);
      await server.close();
    },
  };
}

async function dropSchema(schema: string): Promise<void> {
  const admin = new pg.Pool({ connectionString: PG_URL, max: 1 });
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin.end();
}

export async function neonHttpStore(seed: number): Promise<FaultyStore> {
  const server = await startNeonHttpServer({ seed });
  neonConfig.fetchEndpoint = server.url;
  neonConfig.fetchFunction = timeoutFetch;
  const schema = freshSchema();
  const driver = new PostgresDriver({ transport: neonHttpTransport(PG_URL), schema });
  await driver.migrate();
  return {
    name: 'postgres/neon-http',
    driver,
    endpoint: server,
    clientRetries: false,
    async close() {
      await dropSchema(schema);
      await server.close();
    },
  };
}

export async function neonWsStore(seed: number): Promise<FaultyStore> {
  const proxy = await startNeonWsProxy({ seed });
  Object.assign(neonConfig, neonWsConfig(proxy), { webSocketConstructor: ws });
  const schema = freshSchema();
  // neonWsTransport's Pool, plus timeouts: Neon's Pool (like pg's) has none by default.
  const pool = new NeonPool({
    connectionString: PG_URL,
    connectionTimeoutMillis: CLIENT_TIMEOUT_MS,
    query_timeout: CLIENT_TIMEOUT_MS,
  });
  pool.on('error', () => {}); // an idle connection cut by a fault: the pool drops it
  const db = drizzleWs({ client: pool });
  const driver = new PostgresDriver({
    transport: poolTransport('neon-ws', pool, (q) => db.execute(q)),
    schema,
  });
  await driver.migrate();
  return {
    name: 'postgres/neon-ws',
    driver,
    endpoint: proxy,
    clientRetries: false,
    async close() {
      await pool.end();
      await dropSchema(schema);
      await proxy.close();
    },
  };
}

export async function hranaStore(seed: number): Promise<FaultyStore> {
  const dir = mkdtempSync(join(tmpdir(), 'edgeq-faults-'));
  const server = await startHranaServer({ path: join(dir, 'q.db'), seed });
  // libsqlDriver({ url }) with a per-request deadline: the same client settings plus `fetch`.
  const client = createClient({
    url: server.url,
    fetch: timeoutFetch,
    concurrency: Number.POSITIVE_INFINITY,
  });
  const driver = libsqlDriver({ client, local: false });
  await driver.migrate();
  return {
    name: 'libsql/hrana',
    driver,
    endpoint: server,
    clientRetries: false,
    async close() {
      client.close();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
