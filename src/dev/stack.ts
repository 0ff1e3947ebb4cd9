/**
 * The endpoints of `edgeq dev`, started together on loopback: Upstash REST in front of Redis,
 * Neon SQL-over-HTTP and Neon's WebSocket proxy in front of Postgres, libSQL Hrana over a SQLite
 * file. Each endpoint reaches its store per request, so one whose store is down still starts,
 * and works as soon as the store is up.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DEV_DRIVERS, type DevDriver, type EnvGroup } from './env.js';
import type { Faults } from './faults.js';
import { type HranaServer, startHranaServer } from './hrana-server.js';
import { type NeonHttpServer, startNeonHttpServer } from './neon-http-server.js';
import { type NeonWsProxy, startNeonWsProxy } from './neon-ws-proxy.js';
import { type ProbeResult, probeLibsql, probePostgres, probeRedis } from './probe.js';
import { startUpstashServer, type UpstashServer } from './upstash-server.js';

/** The four endpoints, by the name their port flag uses. */
export type DevEndpoint = 'upstash' | 'neon-http' | 'neon-ws' | 'libsql';

/** Default ports: clear of `edgeq serve` (8787) and `npm run dev` (8788); 8080 is sqld's. */
export const DEV_PORTS: Readonly<Record<DevEndpoint, number>> = {
  upstash: 8079,
  libsql: 8080,
  'neon-http': 8081,
  'neon-ws': 8082,
};

/** Where the backing stores are when nothing says otherwise. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
export const DEFAULT_DB_PATH = '.edgeq/dev.db';

/** What `startDev` serves, and where; every field is optional. */
export interface DevOptions {
  /** Default redis://127.0.0.1:6379. */
  redisUrl?: string;
  /** Default postgres://postgres@127.0.0.1:5432/postgres. */
  databaseUrl?: string;
  /** SQLite file of the libSQL endpoint (created, with its directory); default .edgeq/dev.db. */
  dbPath?: string;
  /** Bearer token of the Upstash endpoint; default 32 random bytes, base64url. */
  token?: string;
  /** Port per endpoint (0: any free port); defaults in `DEV_PORTS`. */
  ports?: Partial<Record<DevEndpoint, number>>;
  /** Drivers to serve (default all). */
  only?: readonly DevDriver[];
  /** Faults every endpoint injects (each gets its own copy); see ./faults.ts. */
  faults?: Faults;
  seed?: number;
}

/** The running endpoints (those of the chosen drivers) and what points drivers at them. */
export interface DevStack {
  upstash?: UpstashServer;
  neonHttp?: NeonHttpServer;
  neonWs?: NeonWsProxy;
  libsql?: HranaServer;
  /** Absolute path of the SQLite file, when libSQL is served. */
  dbPath?: string;
  redisUrl: string;
  databaseUrl: string;
  /** The environment for each served driver, in `DEV_DRIVERS` order. */
  groups: EnvGroup[];
  /** Checks each served driver's store through its endpoint. */
  check(): Promise<Partial<Record<DevDriver, ProbeResult>>>;
  close(): Promise<void>;
}

/** A port was taken; `endpoint` names which, so the CLI can name the flag that moves it. */
export class PortInUseError extends Error {
  constructor(
    readonly endpoint: DevEndpoint,
    readonly port: number,
  ) {
    super(`port ${port} (the ${endpoint} endpoint) is already in use`);
    this.name = 'PortInUseError';
  }
}

/**
 * Starts the endpoints of the chosen drivers. When one cannot listen, the ones already started
 * are closed before the error is thrown.
 *
 * @example
 * const dev = await startDev({ ports: { upstash: 0, libsql: 0, 'neon-http': 0, 'neon-ws': 0 } });
 * console.log(dev.groups); // [{ driver: 'upstash', vars: { UPSTASH_REDIS_REST_URL, ... } }, ...]
 * await dev.close();
 */
export async function startDev(opts: DevOptions = {}): Promise<DevStack> {
  const only = new Set(opts.only ?? DEV_DRIVERS);
  const redisUrl = opts.redisUrl ?? DEFAULT_REDIS_URL;
  const databaseUrl = opts.databaseUrl ?? DEFAULT_DATABASE_URL;
  const port = (e: DevEndpoint) => opts.ports?.[e] ?? DEV_PORTS[e];
  const fault = () => ({
    faults: structuredClone(opts.faults ?? {}),
    ...(opts.seed === undefined ? {} : { seed: opts.seed }),
  });
  const started: { close(): Promise<void> }[] = [];
  const listen = async <T extends { close(): Promise<void> }>(
    endpoint: DevEndpoint,
    start: () => Promise<T>,
  ): Promise<T> => {
    try {
      const server = await start();
      started.push(server);
      return server;
    } catch (e) {
      await Promise.all(started.map((s) => s.close()));
      if ((e as { code?: unknown }).code === 'EADDRINUSE') {
        throw new PortInUseError(endpoint, port(endpoint));
      }
      throw e;
    }
  };

  const stack: DevStack = {
    redisUrl,
    databaseUrl,
    groups: [],
    async check() {
      const out: Partial<Record<DevDriver, ProbeResult>> = {};
      // The checks ask about the store, not the injected faults: those are off while they run
      // (with no faults set the picker draws nothing, so the seeded sequence is unchanged).
      const servers = [stack.upstash, stack.neonHttp, stack.libsql].filter((s) => s !== undefined);
      const faults = servers.map((s) => s.faults);
      for (const s of servers) s.faults = {};
      const [r, p, l] = await Promise.all([
        stack.upstash && probeRedis(stack.upstash),
        stack.neonHttp && probePostgres(stack.neonHttp, databaseUrl),
        stack.libsql && probeLibsql(stack.libsql),
      ]).finally(() => {
        for (const [i, s] of servers.entries()) s.faults = faults[i]!;
      });
      if (r) out.upstash = r;
      if (p) out.postgres = p;
      if (l) out.libsql = l;
      return out;
    },
    async close() {
      await Promise.all(started.splice(0).map((s) => s.close()));
    },
  };

  if (only.has('upstash')) {
    const token = opts.token ?? randomBytes(32).toString('base64url');
    const upstash = await listen('upstash', () =>
      startUpstashServer({ redisUrl, token, port: port('upstash'), ...fault() }),
    );
    stack.upstash = upstash;
    stack.groups.push({
      driver: 'upstash',
      title: 'Upstash Redis (upstashDriver, @upstash/redis, edgeq serve, the Worker)',
      vars: { UPSTASH_REDIS_REST_URL: upstash.url, UPSTASH_REDIS_REST_TOKEN: upstash.token },
    });
  }
  if (only.has('postgres')) {
    stack.neonHttp = await listen('neon-http', () =>
      startNeonHttpServer({ port: port('neon-http'), ...fault() }),
    );
    stack.neonWs = await listen('neon-ws', () =>
      startNeonWsProxy({ port: port('neon-ws'), ...fault() }),
    );
    stack.groups.push({
      driver: 'postgres',
      title: 'Postgres over Neon HTTP (EDGEQ_PG_TRANSPORT=neon-ws for the WebSocket proxy)',
      vars: {
        DATABASE_URL: databaseUrl,
        EDGEQ_PG_TRANSPORT: 'neon-http',
        NEON_FETCH_ENDPOINT: stack.neonHttp.url,
        // The scheme tells edgeq serve the proxy is plain ws:// (see ./neon-config.ts).
        NEON_WS_PROXY: stack.neonWs.url,
      },
    });
  }
  if (only.has('libsql')) {
    const path = resolve(opts.dbPath ?? DEFAULT_DB_PATH);
    mkdirSync(dirname(path), { recursive: true });
    const libsql = await listen('libsql', () =>
      startHranaServer({ path, port: port('libsql'), ...fault() }),
    );
    stack.libsql = libsql;
    stack.dbPath = path;
    stack.groups.push({
      driver: 'libsql',
      title: 'libSQL over HTTP (libsqlDriver, @libsql/client, edgeq serve, the Worker)',
      vars: { LIBSQL_URL: libsql.url },
    });
  }
  return stack;
}
