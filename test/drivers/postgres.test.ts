/**
 * The contract suite on the Postgres driver over node-postgres, on the machine's real Postgres,
 * through a drizzle db whose `transaction()` throws (so the driver provably needs none), counting
 * statements as round trips. Each test gets its own schema, dropped afterwards. The Neon HTTP and
 * WebSocket transports run the same suite in postgres-neon.test.ts.
 */
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate, PostgresDriver, poolTransport } from '../../src/drivers/postgres/index.js';
import { splitPgStatements } from '../../src/drivers/postgres/migrate.js';
import { MIGRATIONS } from '../../src/drivers/postgres/migrations.generated.js';
import { DEFAULTS, job, T0, token } from '../contract/harness.js';
import { driverContract } from '../contract/index.js';
import { closeSharedEndpoints, postgresPg } from '../support/driver-fixtures.js';
import { freshSchema, PG_URL } from '../support/pg-transports.js';

const admin = new pg.Pool({ connectionString: PG_URL, max: 4 });
afterAll(async () => {
  await admin.end();
  await closeSharedEndpoints();
});

driverContract(postgresPg);

/**
 * Postgres specifics of flow control (issue 6): limited claims serialize on a per-queue lock
 * inside the claim statement, counting live leases after the lock is granted; unlimited claims of
 * ungrouped jobs keep the old lock-free path.
 */
describe('postgres flow control', () => {
  let schema: string;
  let pools: pg.Pool[] = [];
  const driverOn = (max: number) => {
    const pool = new pg.Pool({ connectionString: PG_URL, max });
    pools.push(pool);
    const db = drizzle({ client: pool });
    return new PostgresDriver({
      transport: poolTransport('pg', pool, (q) => db.execute(q)),
      schema,
    });
  };
  beforeEach(() => {
    schema = freshSchema();
    pools = [];
  });
  afterEach(async () => {
    await Promise.all(pools.map((p) => p.end()));
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  });

  it('parallel claims on separate connections never exceed concurrency 5 live leases', {
    timeout: 60_000,
  }, async () => {
    // Eight drivers with their own pools: up to 64 claim statements in flight at once.
    const drivers = Array.from({ length: 8 }, () => driverOn(8));
    await drivers[0]!.migrate();
    const ns = 'n';
    const total = 200;
    await drivers[0]!.enqueue({
      ns,
      now: T0,
      defaults: DEFAULTS,
      jobs: Array.from({ length: total }, () => job('q', { leaseMs: 600_000 })),
    });
    const limits = { concurrency: 5 };
    let done = 0;
    let maxLive = 0;
    let samples = 0;
    const sample = async () => {
      // Live leases as the database has them, read on a connection of its own.
      const { rows } = await admin.query(
        `SELECT count(*)::int AS n FROM "${schema}".jobs
         WHERE ns = $1 AND state = 'active' AND lease_expires_at > $2`,
        [ns, T0],
      );
      maxLive = Math.max(maxLive, rows[0].n);
      samples++;
    };
    const sampler = (async () => {
      while (done < total) await sample();
    })();
    const claimer = async (d: PostgresDriver) => {
      let acks: { id: string; leaseToken: string }[] = [];
      while (done < total) {
        const r = await d.claim({
          ns,
          now: T0,
          queue: 'q',
          limit: 3,
          leaseToken: token(),
          limits,
          acks,
        });
        done += r.acks.filter((a) => a.ok).length;
        acks = r.jobs.map((j) => ({ id: j.id, leaseToken: j.leaseToken }));
        if (!acks.length) await new Promise((res) => setTimeout(res, 1));
      }
    };
    await Promise.all(drivers.flatMap((d) => Array.from({ length: 8 }, () => claimer(d))));
    await sampler;
    await sample();
    expect(done).toBe(total);
    expect(samples).toBeGreaterThan(20);
    expect(maxLive).toBeLessThanOrEqual(5);
    expect(maxLive).toBeGreaterThanOrEqual(3);
  });

  it('a limited claim waits for the queue lock; an unlimited one takes none', async () => {
    const d = driverOn(4);
    await d.migrate();
    const ns = 'n';
    await d.enqueue({ ns, now: T0, defaults: DEFAULTS, jobs: [job('q'), job('q')] });
    const holder = await admin.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(
        `SELECT pg_advisory_xact_lock(hashtext('edgeq:flow:"${schema}"'), hashtext(length($1::text) || ':' || $1 || $2))`,
        [ns, 'q'],
      );
      const free = await d.claim({
        ns,
        now: T0,
        queue: 'q',
        limit: 1,
        leaseToken: token(),
        limits: {},
      });
      expect(free.jobs).toHaveLength(1);
      let settled = false;
      const limited = d
        .claim({
          ns,
          now: T0,
          queue: 'q',
          limit: 5,
          leaseToken: token(),
          limits: { concurrency: 2 },
        })
        .finally(() => {
          settled = true;
        });
      await new Promise((res) => setTimeout(res, 200));
      expect(settled).toBe(false);
      await holder.query('COMMIT');
      // One live lease already: concurrency 2 leaves room for one.
      expect((await limited).jobs).toHaveLength(1);
    } finally {
      holder.release();
    }
  });

  it('upgrades a version 2 schema with waiting jobs in place', async () => {
    const q = `"${schema}"`;
    const stmts = [`CREATE SCHEMA ${q}`];
    stmts.push(
      `CREATE TABLE ${q}.migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    for (const m of MIGRATIONS.filter((x) => x.version <= 2)) {
      stmts.push(...splitPgStatements(m.sql.replaceAll('{{schema}}', q)));
      stmts.push(`INSERT INTO ${q}.migrations (version, name) VALUES (${m.version}, '${m.name}')`);
    }
    stmts.push(`INSERT INTO ${q}.jobs (ns, id, queue, state, payload, max_attempts, run_at, lease_ms,
      created_at, updated_at) VALUES ('n', 'old', 'q', 'queued', '{}', 3, ${T0}, 1000, ${T0}, ${T0})`);
    for (const s of stmts) await admin.query(s);
    const d = driverOn(2);
    expect(await migrate(d.transport, schema)).toEqual(
      MIGRATIONS.filter((x) => x.version > 2).map((x) => x.version),
    );
    const r = await d.claim({
      ns: 'n',
      now: T0,
      queue: 'q',
      limit: 5,
      leaseToken: token(),
      limits: { concurrency: 1 },
    });
    expect(r.jobs.map((j) => [j.id, j.group])).toEqual([['old', undefined]]);
  });
});
