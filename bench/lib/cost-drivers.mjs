// Opens each driver of the built package (dist/) on a fresh, uniquely named store, with a
// counter of the storage requests it makes, measured at the transport rather than in the
// runtime, so that a driver call that secretly takes two round trips shows up as two:
//   - libSQL file: each execute / batch / executeMultiple of the @libsql/client (the same proxy
//     as test/support/counting-client.ts);
//   - libSQL over HTTP: pipeline requests served by the Hrana endpoint of test/support;
//   - Upstash: HTTP requests and Redis commands served by the local REST endpoint
//     (bench/lib/services.mjs), since Upstash bills commands;
//   - Postgres over pg: statements sent (test/support/pg-transports.ts `counting`);
//   - Postgres over neon-http: HTTP requests served by the local Neon SQL-over-HTTP endpoint.
// Also used by bench/scale.mjs, which ignores the counters.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@libsql/client';
import { neonConfig } from '@neondatabase/serverless';
import { Redis } from '@upstash/redis';
import { dist, dropSchema, PG_URL, startNeonHttp, startUpstash, support } from './services.mjs';

export const COUNTED_DRIVERS = ['libsql', 'libsql-http', 'upstash', 'postgres-pg', 'neon-http'];

const tag = () => randomBytes(4).toString('hex');

/**
 * Shared endpoints (each a child process, started on first use): one Upstash REST endpoint, one
 * Neon HTTP endpoint. Their counters are global, which is fine: one measurement runs at a time.
 */
export function endpoints() {
  let upstash;
  let neon;
  return {
    upstash: () => {
      upstash ??= startUpstash();
      return upstash;
    },
    neon: () => {
      neon ??= startNeonHttp().then((s) => {
        // Points neon() (and so the driver's neon-http transport) at the local endpoint.
        neonConfig.fetchEndpoint = s.url;
        return s;
      });
      return neon;
    },
    async close() {
      await (await upstash)?.close();
      await (await neon)?.close();
    },
  };
}

/**
 * Opens `name` on a fresh store: `{ name, driver, count(): Promise<{requests, commands?}>,
 * close() }`. `count()` is cumulative; take differences. `close()` drops the store.
 */
export async function openDriver(name, eps) {
  if (name === 'memory') {
    const { memoryDriver } = await dist('drivers/memory/index.js');
    return { name, driver: memoryDriver(), count: async () => ({ requests: 0 }), close() {} };
  }
  if (name === 'libsql') {
    const { LibsqlDriver } = await dist('drivers/libsql/index.js');
    const dir = mkdtempSync(join(tmpdir(), `edgeq-bench-cost-${tag()}-`));
    const { countingClient } = await support('counting-client');
    const { client, count } = countingClient(
      createClient({ url: `file:${dir}/q.db`, timeout: 5_000 }),
    );
    const driver = new LibsqlDriver({ client, local: 'file' });
    return {
      name,
      driver,
      count: async () => ({ requests: count() }),
      async close() {
        await driver.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  if (name === 'libsql-http') {
    const { libsqlDriver } = await dist('drivers/libsql/index.js');
    const { startHranaServer } = await support('hrana-server');
    const dir = mkdtempSync(join(tmpdir(), `edgeq-bench-cost-${tag()}-`));
    const server = await startHranaServer({ path: join(dir, 'q.db'), authToken: 'bench' });
    const driver = libsqlDriver({ url: server.url, authToken: 'bench' });
    return {
      name,
      driver,
      count: async () => ({ requests: server.requests }),
      async close() {
        await driver.close();
        await server.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  if (name === 'upstash') {
    const { upstashDriver } = await dist('drivers/upstash/index.js');
    const ep = await eps.upstash();
    // A unique prefix with its own hash tag: keys of concurrent runs never meet.
    const prefix = `{edgeqbench-${tag()}}`;
    const driver = upstashDriver({ url: ep.url, token: ep.token, prefix });
    return {
      name,
      driver,
      prefix,
      count: async () => {
        const c = await ep.counts();
        return { requests: c.requests, commands: c.commands };
      },
      async close() {
        await driver.close?.();
        await deleteRedisPrefix(ep, prefix);
      },
    };
  }
  if (name === 'postgres-pg' || name === 'neon-http') {
    const { PostgresDriver, pgTransport, neonHttpTransport } = await dist(
      'drivers/postgres/index.js',
    );
    const schema = `edgeq_bench_${tag()}`;
    if (name === 'postgres-pg') {
      const { counting } = await support('pg-transports');
      const { transport, count } = counting(pgTransport(PG_URL));
      const driver = new PostgresDriver({ transport, schema });
      return {
        name,
        driver,
        schema,
        count: async () => ({ requests: count() }),
        async close() {
          await driver.close();
          await dropSchema(schema);
        },
      };
    }
    const ep = await eps.neon();
    const driver = new PostgresDriver({ transport: neonHttpTransport(PG_URL), schema });
    return {
      name,
      driver,
      schema,
      count: async () => {
        const c = await ep.counts();
        return { requests: c.requests, statements: c.queries };
      },
      async close() {
        await driver.close();
        await dropSchema(schema);
      },
    };
  }
  throw new Error(`unknown driver ${name}`);
}

/**
 * Deletes every key under `prefix` through the REST endpoint (SCAN + UNLINK in slices; never
 * FLUSHDB: Redis is shared). ioredis is not installed here, so the REST client does it.
 */
export async function deleteRedisPrefix(ep, prefix) {
  const redis = new Redis({ url: ep.url, token: ep.token, automaticDeserialization: false });
  // The prefix's braces are not glob characters; escape the glob ones anyway.
  const match = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, { match, count: 5_000 });
    cursor = String(next);
    if (keys.length) await redis.unlink(...keys);
  } while (cursor !== '0');
}
