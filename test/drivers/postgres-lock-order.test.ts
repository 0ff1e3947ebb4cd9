/**
 * Postgres: concurrent enqueue batches that share idempotency keys take their unique-index
 * locks in one order (queue, key), whatever order the caller listed the jobs in. Listed in
 * opposite orders, two batches would otherwise each hold a key the other waits for, and
 * Postgres would abort one of them with "deadlock detected" (seen in the enqueue-storm scenario).
 */
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { PostgresDriver, poolTransport } from '../../src/drivers/postgres/index.js';
import { DEFAULTS, job, T0 } from '../contract/harness.js';
import { freshSchema, PG_URL } from '../support/pg-transports.js';

const schema = freshSchema();
const pool = new pg.Pool({ connectionString: PG_URL, max: 8 });
const db = drizzle({ client: pool });
const driver = new PostgresDriver({
  transport: poolTransport('pg', pool, (q) => db.execute(q)),
  schema,
});

afterAll(async () => {
  await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await pool.end();
});

it('batches racing on shared keys, listed in opposite orders, never deadlock', {
  timeout: 60_000,
}, async () => {
  await driver.migrate();
  const failures: string[] = [];
  for (let round = 0; round < 30; round++) {
    const keys = Array.from({ length: 40 }, (_, i) => `r${round}-k${i}`);
    const batch = (order: string[]) =>
      driver
        .enqueue({
          ns: 'n',
          now: T0,
          defaults: DEFAULTS,
          jobs: order.map((key) => job('q', { key })),
        })
        .catch((err: Error) => {
          failures.push(String(err.message ?? err));
          return [];
        });
    await Promise.all([
      batch(keys),
      batch([...keys].reverse()),
      batch(keys),
      batch([...keys].reverse()),
    ]);
  }
  expect(failures).toEqual([]);
  const { rows } = await pool.query(
    `SELECT count(*)::int AS n, count(DISTINCT idem_key)::int AS k FROM "${schema}".jobs`,
  );
  expect(rows[0]).toEqual({ n: 30 * 40, k: 30 * 40 });
});
