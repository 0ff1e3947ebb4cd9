/**
 * `edgeq/drivers/postgres` inside Workers: Neon over HTTP (the default: one HTTPS request per
 * operation, nothing to keep open) or over WebSocket. `pg` is not bundled.
 */
import { type PgTransport, PostgresDriver } from './driver.js';
import { neonHttpTransport, neonWsTransport } from './transports.js';

export { type PgTransport, PostgresDriver, type PostgresDriverOptions } from './driver.js';
export { currentVersion, migrate } from './migrate.js';
export { neonHttpTransport, neonWsTransport } from './transports.js';

export interface PostgresDriverConfig {
  url?: string;
  transport?: 'neon-http' | 'neon-ws' | PgTransport;
  schema?: string;
}

export function postgresDriver(config: PostgresDriverConfig): PostgresDriver {
  const t = config.transport ?? 'neon-http';
  let transport: PgTransport;
  if (typeof t === 'object') {
    transport = t;
  } else {
    if (!config.url) throw new Error('[edgeq] [postgres] a url (DATABASE_URL) is required');
    transport = t === 'neon-ws' ? neonWsTransport(config.url) : neonHttpTransport(config.url);
  }
  return new PostgresDriver({ transport, ...(config.schema ? { schema: config.schema } : {}) });
}
