/**
 * Postgres under concurrency, through the runtime: 16 claimers, each on its own connection
 * pool, over 2,000 jobs on the real server. SKIP LOCKED must hand every job to exactly one
 * claimer; every ack must land once; nothing may be lost.
 */
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { PostgresDriver, pgTransport } from '../../src/drivers/postgres/index.js';
import { createRuntime } from '../../src/runtime/runtime.js';
import { drain } from '../support/drain.js';
import { freshSchema, PG_URL } from '../support/pg-transports.js';

const admin = new pg.Pool({ connectionString: PG_URL, max: 1 });
const schema = freshSchema();
afterAll(async () => {
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin.end();
});

it('16 concurrent claimers over 2,000 jobs: each claimed once, completed once, none lost', async () => {
  const producer = createRuntime({
    driver: new PostgresDriver({ transport: pgTransport(PG_URL), schema }),
  });
  const ids = new Set<string>();
  for (let b = 0; b < 4; b++) {
    const res = await producer.enqueue(
      'work',
      Array.from({ length: 500 }, (_, i) => ({ payload: { b, i } })),
    );
    for (const r of res) ids.add(r.id);
  }
  expect(ids.size).toBe(2_000);

  const claimers = Array.from({ length: 16 }, () =>
    createRuntime({ driver: new PostgresDriver({ transport: pgTransport(PG_URL), schema }) }),
  );
  const { tokens, acked, failures } = await drain(claimers, 'work');
  expect(failures).toEqual([]);
  expect(tokens.size).toBe(2_000);
  expect([...tokens.values()].filter((t) => t.size !== 1)).toEqual([]);
  expect([...ids].filter((id) => acked.get(id) !== 1)).toEqual([]);
  expect((await producer.queue('work')).counts).toEqual({
    scheduled: 0,
    queued: 0,
    active: 0,
    completed: 2_000,
    dead: 0,
    cancelled: 0,
  });
  await Promise.all([producer, ...claimers].map((rt) => rt.driver.close()));
}, 60_000);

it('concurrent enqueues of one idempotency key give one job and every caller its id', async () => {
  const drivers = Array.from(
    { length: 8 },
    () => new PostgresDriver({ transport: pgTransport(PG_URL), schema }),
  );
  const runtimes = drivers.map((driver) => createRuntime({ driver }));
  for (let round = 0; round < 20; round++) {
    const key = `order-${round}`;
    const results = (
      await Promise.all(runtimes.map((rt) => rt.enqueue('keys', [{ payload: round, key }])))
    ).map((r) => r[0]!);
    const ids = new Set(results.map((r) => r.id));
    expect(ids.size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    const [id] = [...ids];
    expect((await runtimes[0]!.get(id!)).payload).toBeTypeOf('number');
  }
  await Promise.all(drivers.map((d) => d.close()));
}, 60_000);
