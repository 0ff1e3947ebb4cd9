/**
 * The contract suite on the Postgres driver over node-postgres, on the machine's real Postgres,
 * through a drizzle db whose `transaction()` throws (so the driver provably needs none), counting
 * statements as round trips. Each test gets its own schema, dropped afterwards. The Neon HTTP and
 * WebSocket transports run the same suite in postgres-neon.test.ts.
 */
import pg from 'pg';
import { afterAll } from 'vitest';
import { PostgresDriver } from '../../src/drivers/postgres/index.js';
import { driverContract } from '../contract/index.js';
import { counting, freshSchema, noTransactionPg, PG_URL } from '../support/pg-transports.js';

const admin = new pg.Pool({ connectionString: PG_URL, max: 2 });
afterAll(() => admin.end());

driverContract({
  name: 'postgres',
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
      cleanup: async () => {
        await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      },
    };
  },
});
