/**
 * `edgeq/drivers/postgres` for Node: Neon over HTTP or WebSocket, or node-postgres. Workers
 * resolve ./cloudflare.ts through the `workerd` export condition.
 *
 * @example
 * import { postgresDriver } from 'edgeq/drivers/postgres';
 * const driver = postgresDriver({ url: process.env.DATABASE_URL!, transport: 'pg' });
 */
import { neonConfig } from '@neondatabase/serverless';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import ws from 'ws';
import { type PgTransport, PostgresDriver } from './driver.js';
import { neonHttpTransport, neonWsTransport, poolTransport } from './transports.js';

export { type PgTransport, PostgresDriver, type PostgresDriverOptions } from './driver.js';
export { currentVersion, migrate } from './migrate.js';
export { neonHttpTransport, neonWsTransport, poolTransport } from './transports.js';

export interface PostgresDriverConfig {
  /** `DATABASE_URL`. */
  url?: string;
  /** How to reach it (default `pg` on Node): Neon HTTP, Neon WebSocket, or node-postgres. */
  transport?: 'neon-http' | 'neon-ws' | 'pg' | PgTransport;
  /** Postgres schema for edgeq's tables (default `edgeq`). */
  schema?: string;
}

export function pgTransport(url: string): PgTransport {
  const pool = new pg.Pool({ connectionString: url });
  const db = drizzlePg({ client: pool });
  return poolTransport('pg', pool, (q) => db.execute(q));
}

export function postgresDriver(config: PostgresDriverConfig): PostgresDriver {
  const t = config.transport ?? 'pg';
  let transport: PgTransport;
  if (typeof t === 'object') {
    transport = t;
  } else {
    if (!config.url) throw new Error('[edgeq] [postgres] a url (DATABASE_URL) is required');
    // Node has no global WebSocket before v22: give Neon's Pool the `ws` package.
    if (t === 'neon-ws') neonConfig.webSocketConstructor ??= ws;
    transport =
      t === 'neon-http'
        ? neonHttpTransport(config.url)
        : t === 'neon-ws'
          ? neonWsTransport(config.url)
          : pgTransport(config.url);
  }
  return new PostgresDriver({ transport, ...(config.schema ? { schema: config.schema } : {}) });
}
