/** Test transports for the Postgres driver: counting round trips, refusing transactions. */
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { type PgTransport, poolTransport } from '../../src/drivers/postgres/index.js';

export const PG_URL =
  process.env.EDGEQ_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Counts statements sent (each `execute` or `batch` is one round trip to the server). */
export function counting(t: PgTransport): { transport: PgTransport; count: () => number } {
  let n = 0;
  return {
    transport: {
      kind: t.kind,
      execute: (q) => {
        n++;
        return t.execute(q);
      },
      batch: (s) => {
        n++;
        return t.batch(s);
      },
      close: () => t.close(),
    },
    count: () => n,
  };
}

/**
 * node-postgres behind a drizzle db whose `transaction()` throws: a driver that passes the
 * contract on it never needs an interactive transaction (which neon-http cannot do).
 */
export function noTransactionPg(url = PG_URL): PgTransport {
  const pool = new pg.Pool({ connectionString: url, max: 8 });
  const db = drizzle({ client: pool });
  const guarded = new Proxy(db, {
    get(target, prop, receiver) {
      if (prop === 'transaction') {
        return () => {
          throw new Error('interactive transactions are not allowed here');
        };
      }
      return Reflect.get(target, prop, receiver);
    },
  });
  return poolTransport('pg', pool, (q) => guarded.execute(q));
}

/** A fresh schema name per test. */
export const freshSchema = () => `edgeq_t${Math.random().toString(36).slice(2, 10)}`;
