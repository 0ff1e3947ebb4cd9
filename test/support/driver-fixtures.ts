/**
 * One fixture factory per driver variant, shared by the contract suite (test/drivers) and the
 * history-checked scenarios (test/scenarios). Each fixture is a fresh, isolated store on the real
 * server: a temp file (libSQL), a key prefix (Upstash on the machine's Redis) or a schema
 * (Postgres), removed by `cleanup`.
 *
 * The protocol endpoints (Upstash REST, Neon HTTP, Neon WebSocket proxy) are started once per
 * test file, on first use, because Neon's client is configured globally (`neonConfig`). A file
 * that uses them calls `afterAll(closeSharedEndpoints)`. The Hrana endpoint is per fixture: it
 * serves one SQLite file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Client, createClient } from '@libsql/client';
import { neonConfig } from '@neondatabase/serverless';
import { Redis } from '@upstash/redis';
import pg from 'pg';
import ws from 'ws';
import { libsqlDriver } from '../../src/drivers/libsql/index.js';
import { memoryDriver } from '../../src/drivers/memory/index.js';
import {
  neonHttpTransport,
  neonWsTransport,
  PostgresDriver,
} from '../../src/drivers/postgres/index.js';
import { upstashDriver } from '../../src/drivers/upstash/index.js';
import type { DriverSuite } from '../contract/harness.js';
import { countingClient } from './counting-client.js';
import { startHranaServer } from './hrana-server.js';
import { type NeonHttpServer, neonHttpConfig, startNeonHttpServer } from './neon-http-server.js';
import { type NeonWsProxy, neonWsConfig, startNeonWsProxy } from './neon-ws-proxy.js';
import { counting, freshSchema, noTransactionPg, PG_URL } from './pg-transports.js';
import { startUpstashServer, type UpstashServer } from './upstash-server.js';

/** A driver variant: the contract suite's declaration, plus a unique label for reports. */
export interface DriverVariant extends DriverSuite {
  /** e.g. `libsql-file`, `postgres-neon-http`. */
  label: string;
}

// Shared endpoints, started on first use and closed by `closeSharedEndpoints`.
let upstash: Promise<UpstashServer> | undefined;
let neonHttp: Promise<NeonHttpServer> | undefined;
let neonWs: Promise<NeonWsProxy> | undefined;
let admin: pg.Pool | undefined;

/** The Upstash REST endpoint every Upstash fixture of this file talks to. */
export function upstashServer(): Promise<UpstashServer> {
  upstash ??= startUpstashServer();
  return upstash;
}

function neonHttpServer(): Promise<NeonHttpServer> {
  neonHttp ??= startNeonHttpServer().then((server) => {
    Object.assign(neonConfig, neonHttpConfig(server));
    return server;
  });
  return neonHttp;
}

function neonWsProxy(): Promise<NeonWsProxy> {
  neonWs ??= startNeonWsProxy().then((proxy) => {
    Object.assign(neonConfig, neonWsConfig(proxy));
    neonConfig.webSocketConstructor = ws;
    return proxy;
  });
  return neonWs;
}

function dropSchema(schema: string): () => Promise<void> {
  return async () => {
    admin ??= new pg.Pool({ connectionString: PG_URL, max: 2 });
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  };
}

/** Stops the endpoints this file started (call it in `afterAll`). */
export async function closeSharedEndpoints(): Promise<void> {
  const started = [upstash, neonHttp, neonWs];
  upstash = neonHttp = neonWs = undefined;
  await Promise.all(started.map(async (p) => (await p)?.close()));
  await admin?.end();
  admin = undefined;
}

export const memory: DriverVariant = {
  name: 'memory',
  label: 'memory',
  capabilities: { durable: false, shared: false, replaySafe: false },
  countsRoundTrips: false,
  factory: async () => ({ driver: memoryDriver() }),
};

/** A local SQLite file; round trips counted at the client (each execute or batch is one). */
export const libsqlFile: DriverVariant = {
  name: 'libsql',
  label: 'libsql-file',
  capabilities: { durable: true, shared: true, replaySafe: false },
  countsRoundTrips: true,
  factory: async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgeq-libsql-'));
    const url = `file:${join(dir, 'q.db')}`;
    const open = (): { client: Client; count: () => number } =>
      countingClient(createClient({ url, timeout: 5_000 }));
    const { client, count } = open();
    const driver = libsqlDriver({ client, local: 'file' });
    await driver.migrate();
    return {
      driver,
      roundTrips: count,
      reopen: async () => libsqlDriver({ client: open().client, local: 'file' }),
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    };
  },
};

export const libsqlMemory: DriverVariant = {
  name: 'libsql',
  label: 'libsql-memory',
  capabilities: { durable: false, shared: false, replaySafe: false },
  countsRoundTrips: true,
  factory: async () => {
    const { client, count } = countingClient(createClient({ url: ':memory:' }));
    const driver = libsqlDriver({ client, local: 'memory' });
    await driver.migrate();
    return { driver, roundTrips: count };
  },
};

/**
 * Remote libSQL (the Turso path, and the only one Workers have): @libsql/client's HTTP client
 * speaking Hrana v2 to a local endpoint in front of a real SQLite file. Round trips are the HTTP
 * requests the endpoint served.
 */
export const libsqlHrana: DriverVariant = {
  name: 'libsql',
  label: 'libsql-hrana',
  capabilities: { durable: true, shared: true, replaySafe: false },
  countsRoundTrips: true,
  factory: async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgeq-hrana-'));
    const server = await startHranaServer({ path: join(dir, 'q.db'), authToken: 'hrana-secret' });
    const open = () => libsqlDriver({ url: server.url, authToken: 'hrana-secret' });
    const driver = open();
    await driver.migrate();
    return {
      driver,
      roundTrips: () => server.requests,
      reopen: async () => open(),
      cleanup: async () => {
        await server.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

/**
 * The real @upstash/redis client over the Upstash REST protocol on the machine's Redis, with its
 * own key prefix (so sweeps across namespaces see only its keys).
 */
export const upstashRest: DriverVariant = {
  name: 'upstash',
  label: 'upstash',
  capabilities: { durable: true, shared: true, replaySafe: true },
  countsRoundTrips: true,
  factory: async () => {
    const server = await upstashServer();
    const prefix = `{edgeqtest-${Math.random().toString(36).slice(2, 10)}}`;
    const open = () => upstashDriver({ url: server.url, token: server.token, prefix });
    const driver = open();
    await driver.loadScripts();
    return {
      driver,
      roundTrips: () => server.requests,
      reopen: async () => open(),
      cleanup: async () => {
        const redis = new Redis({ url: server.url, token: server.token });
        const keys = await redis.keys(`${prefix}*`);
        for (let i = 0; i < keys.length; i += 1_000) await redis.del(...keys.slice(i, i + 1_000));
      },
    };
  },
};

/**
 * node-postgres behind a drizzle db whose `transaction()` throws (so the driver provably needs
 * none), counting statements as round trips.
 */
export const postgresPg: DriverVariant = {
  name: 'postgres',
  label: 'postgres-pg',
  capabilities: { durable: true, shared: true, replaySafe: false },
  countsRoundTrips: true,
  factory: async () => {
    const schema = freshSchema();
    const { transport, count } = counting(noTransactionPg());
    const driver = new PostgresDriver({ transport, schema });
    await driver.migrate();
    return {
      driver,
      roundTrips: count,
      reopen: async () => new PostgresDriver({ transport: noTransactionPg(), schema }),
      cleanup: dropSchema(schema),
    };
  },
};

/** Neon's SQL over HTTP (`neon()`: one request per statement, what Workers use). */
export const postgresNeonHttp: DriverVariant = {
  name: 'postgres',
  label: 'postgres-neon-http',
  capabilities: { durable: true, shared: true, replaySafe: false },
  countsRoundTrips: true,
  factory: async () => {
    const server = await neonHttpServer();
    const schema = freshSchema();
    const driver = new PostgresDriver({ transport: neonHttpTransport(PG_URL), schema });
    await driver.migrate();
    return {
      driver,
      roundTrips: () => server.requests,
      reopen: async () => new PostgresDriver({ transport: neonHttpTransport(PG_URL), schema }),
      cleanup: dropSchema(schema),
    };
  },
};

/** Neon's WebSocket `Pool`, through a ws->TCP proxy. */
export const postgresNeonWs: DriverVariant = {
  name: 'postgres',
  label: 'postgres-neon-ws',
  capabilities: { durable: true, shared: true, replaySafe: false },
  countsRoundTrips: false,
  factory: async () => {
    await neonWsProxy();
    const schema = freshSchema();
    const driver = new PostgresDriver({ transport: neonWsTransport(PG_URL), schema });
    await driver.migrate();
    return {
      driver,
      reopen: async () => new PostgresDriver({ transport: neonWsTransport(PG_URL), schema }),
      cleanup: dropSchema(schema),
    };
  },
};

/** Every variant the scenarios run on (libSQL :memory: is one connection: nothing to race). */
export const SCENARIO_VARIANTS: readonly DriverVariant[] = [
  memory,
  libsqlFile,
  libsqlHrana,
  upstashRest,
  postgresPg,
  postgresNeonHttp,
  postgresNeonWs,
];
