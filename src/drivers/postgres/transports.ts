/**
 * The three clients the Postgres driver runs on, each reduced to a `PgTransport`. Imported by the
 * Node entry; the Workers entry (./cloudflare.ts) uses only the Neon ones, so `pg` never enters a
 * Worker bundle.
 */
import { Pool as NeonPool, neon } from '@neondatabase/serverless';
import type { SQL } from 'drizzle-orm';
import { drizzle as drizzleHttp } from 'drizzle-orm/neon-http';
import { drizzle as drizzleWs } from 'drizzle-orm/neon-serverless';
import type { PgTransport } from './driver.js';

type Row = Record<string, unknown>;

/** Neon over HTTP: one HTTPS request per statement; migrations go as one `transaction()`. */
export function neonHttpTransport(url: string): PgTransport {
  const client = neon(url);
  const db = drizzleHttp({ client });
  return {
    kind: 'neon-http',
    async execute(query: SQL) {
      return (await db.execute(query)).rows as Row[];
    },
    async batch(statements) {
      await client.transaction(statements.map((s) => client.query(s)));
    },
    async close() {},
  };
}

/** Anything with pg's `query(text)` and `end()`: node-postgres and Neon's WebSocket Pool. */
interface PoolLike {
  query(text: string): Promise<unknown>;
  end(): Promise<void>;
}

/**
 * A pooled client. Migrations go as one multi-statement simple query wrapped in BEGIN/COMMIT:
 * one round trip, no interactive transaction.
 */
export function poolTransport(
  kind: string,
  pool: PoolLike,
  execute: (query: SQL) => Promise<{ rows: unknown[] }>,
): PgTransport {
  return {
    kind,
    async execute(query) {
      return (await execute(query)).rows as Row[];
    },
    async batch(statements) {
      await pool.query(`BEGIN;\n${statements.join(';\n')};\nCOMMIT;`);
    },
    close: () => pool.end(),
  };
}

/** Neon over WebSocket (`Pool`); in Node, `neonConfig.webSocketConstructor` must be set. */
export function neonWsTransport(url: string): PgTransport {
  const pool = new NeonPool({ connectionString: url });
  const db = drizzleWs({ client: pool });
  return poolTransport('neon-ws', pool, (q) => db.execute(q));
}
