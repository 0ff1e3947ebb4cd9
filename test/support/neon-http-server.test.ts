import { randomBytes } from 'node:crypto';
import { NeonDbError, neon, neonConfig } from '@neondatabase/serverless';
import { sql as dsql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/neon-http';
import { integer, pgSchema, text } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPECTED, probe } from '../faults/probe.js';
import { type NeonHttpServer, neonHttpConfig, startNeonHttpServer } from './neon-http-server.js';

const PG_URL = 'postgresql://postgres@127.0.0.1:5432/test';
const schema = `neon_http_${process.pid}_${randomBytes(4).toString('hex')}`;
const T = `${schema}.items`;

let server: NeonHttpServer;
let admin: pg.Client;
const endpointCalls: [string, number | string, unknown][] = [];

beforeAll(async () => {
  admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.query(`CREATE TABLE ${T} (id int PRIMARY KEY, name text NOT NULL UNIQUE)`);
  server = await startNeonHttpServer();
  // The function form: called per query with the connection string's host and port (a string).
  neonConfig.fetchEndpoint = (host, port, options) => {
    endpointCalls.push([host, port, options]);
    return neonHttpConfig(server).fetchEndpoint;
  };
});

afterAll(async () => {
  await server?.close();
  await admin?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin?.end();
});

async function count(): Promise<number> {
  const r = await admin.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${T}`);
  return r.rows[0]!.n;
}

describe('neon() over the local SQL-over-HTTP server', () => {
  // Runs first: drizzle-orm/neon-http (constructed further down) globally replaces the client's
  // timestamp/date/interval parsers with identity functions.
  it('round-trips values through the tagged template; the client parses the raw text', async () => {
    const sql = neon(PG_URL);
    const at = new Date('2024-05-06T07:08:09.123Z');
    const rows = await sql`
      SELECT ${1}::int AS i, ${'9007199254740993'}::int8 AS big, ${'héllo'}::text AS t,
             ${true}::bool AS b, ${{ a: [1, 'x'] }}::jsonb AS j, '{"k":1}'::json AS js,
             ${null}::text AS n, ${at}::timestamptz AS ts, ${[1, 2, 3]}::int[] AS ints,
             ARRAY['a', NULL, 'c,d'] AS texts, 1.5::float8 AS f, 12.50::numeric AS num,
             ${Buffer.from([1, 2, 255])} AS bytes`;
    expect(rows).toEqual([
      {
        i: 1,
        big: '9007199254740993', // int8 stays a string (pg-types default)
        t: 'héllo',
        b: true,
        j: { a: [1, 'x'] },
        js: { k: 1 },
        n: null,
        ts: at,
        ints: [1, 2, 3],
        texts: ['a', null, 'c,d'],
        f: 1.5,
        num: '12.50', // numeric too
        bytes: Buffer.from([1, 2, 255]), // sent as '\\x0102ff' with ::bytea appended
      },
    ]);
    expect(endpointCalls.at(-1)).toEqual(['127.0.0.1', '5432', { jwtAuth: false }]);
  });

  it('supports .query(text, params), arrayMode and fullResults', async () => {
    const sql = neon(PG_URL);
    const rows = await sql.query('SELECT $1::int8 + 1 AS n, $2::text AS t, $3::jsonb AS j', [
      41n,
      null,
      JSON.stringify([{ x: 1 }]),
    ]);
    expect(rows).toEqual([{ n: '42', t: null, j: [{ x: 1 }] }]);

    const full = await sql.query('SELECT 1 AS a, 2 AS b', [], {
      arrayMode: true,
      fullResults: true,
    });
    expect(full.command).toBe('SELECT');
    expect(full.rowCount).toBe(1);
    expect(full.rows).toEqual([[1, 2]]);
    expect(full.fields.map((f) => [f.name, f.dataTypeID])).toEqual([
      ['a', 23],
      ['b', 23],
    ]);

    const ins = await sql.query(`INSERT INTO ${T} VALUES ($1, $2), ($3, $4)`, [1, 'a', 2, 'b'], {
      fullResults: true,
    });
    expect([ins.command, ins.rowCount, ins.rows]).toEqual(['INSERT', 2, []]);
    await sql.query(`DELETE FROM ${T}`);
  });

  it('raises NeonDbError with the Postgres error fields', async () => {
    const sql = neon(PG_URL);
    await sql.query(`INSERT INTO ${T} VALUES (1, 'dup')`);
    const err = await sql.query(`INSERT INTO ${T} VALUES (2, 'dup')`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NeonDbError);
    expect(err).toMatchObject({
      code: '23505',
      constraint: 'items_name_key',
      schema,
      table: 'items',
      detail: 'Key (name)=(dup) already exists.',
    });

    const syntax = await sql`SELEC 1`.catch((e: unknown) => e);
    expect(syntax).toMatchObject({ name: 'NeonDbError', code: '42601', position: '1' });

    const noDb = neon('postgresql://postgres@127.0.0.1:5432/no_such_db_neon');
    await expect(noDb`SELECT 1`).rejects.toMatchObject({ code: '3D000' });

    // Extended protocol: several statements in one query are refused, as on Neon.
    await expect(sql`SELECT 1; SELECT 2`).rejects.toMatchObject({ code: '42601' });
    await sql.query(`DELETE FROM ${T}`);
  });

  it('runs transaction() as one request and one transaction, committing', async () => {
    const sql = neon(PG_URL);
    const before = { requests: server.requests, queries: server.queries };
    const [tx1, ins, sel, tx2] = await sql.transaction([
      sql`SELECT txid_current()::text AS id`,
      sql`INSERT INTO ${sql.unsafe(T)} VALUES (${10}, ${'ten'}) RETURNING id`,
      sql`SELECT name FROM ${sql.unsafe(T)} WHERE id = ${10}`,
      sql`SELECT txid_current()::text AS id`,
    ]);
    expect(ins).toEqual([{ id: 10 }]);
    expect(sel).toEqual([{ name: 'ten' }]);
    expect(tx2).toEqual(tx1); // same transaction id: one transaction
    expect(server.requests - before.requests).toBe(1);
    expect(server.queries - before.queries).toBe(4);
    expect(await count()).toBe(1);

    // Isolation level, read-only and deferrable travel as Neon-Batch-* headers.
    const [settings] = await sql.transaction(
      [
        sql`SELECT current_setting('transaction_isolation') AS iso,
                   current_setting('transaction_read_only') AS ro,
                   current_setting('transaction_deferrable') AS def`,
      ],
      { isolationLevel: 'Serializable', readOnly: true, deferrable: true },
    );
    expect(settings).toEqual([{ iso: 'serializable', ro: 'on', def: 'on' }]);
    await expect(
      sql.transaction([sql`DELETE FROM ${sql.unsafe(T)}`], { readOnly: true }),
    ).rejects.toMatchObject({ code: '25006' });
    expect(await count()).toBe(1);
  });

  it('rolls back every statement of a transaction when one fails', async () => {
    const sql = neon(PG_URL);
    const err = await sql
      .transaction((tx) => [
        tx`INSERT INTO ${tx.unsafe(T)} VALUES (${20}, ${'twenty'})`,
        tx`UPDATE ${tx.unsafe(T)} SET name = 'changed' WHERE id = 10`,
        tx`INSERT INTO ${tx.unsafe(T)} VALUES (${10}, ${'again'})`,
      ])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NeonDbError);
    expect(err).toMatchObject({ code: '23505', constraint: 'items_pkey' });
    expect((await admin.query(`SELECT id, name FROM ${T} ORDER BY id`)).rows).toEqual([
      { id: 10, name: 'ten' },
    ]);
  });

  it('counts one HTTP request per query', async () => {
    const sql = neon(PG_URL);
    const before = server.requests;
    await Promise.all([sql`SELECT 1`, sql`SELECT 2`, sql.query('SELECT 3')]);
    expect(server.requests - before).toBe(3);
  });
});

describe('drizzle-orm/neon-http over the local server', () => {
  const items = pgSchema(schema).table('items', {
    id: integer('id').primaryKey(),
    name: text('name').notNull(),
  });

  it('executes raw SQL and typed queries', async () => {
    const db = drizzle({ client: neon(PG_URL) });
    const res = await db.execute(
      dsql`SELECT ${5}::int AS five, now() AS at, ${'x'} AS s, 10::int8 AS big`,
    );
    expect(res.rows).toHaveLength(1);
    expect(res.rows[0]).toMatchObject({ five: 5, s: 'x', big: '10' });
    expect(typeof res.rows[0]!.at).toBe('string'); // drizzle's identity parser for timestamptz

    expect(await db.select().from(items).where(dsql`${items.id} = 10`)).toEqual([
      { id: 10, name: 'ten' },
    ]);
  });

  it('runs db.batch([...]) as one request and one transaction', async () => {
    const db = drizzle({ client: neon(PG_URL) });
    const before = server.requests;
    const [inserted, raw, all] = await db.batch([
      db.insert(items).values({ id: 30, name: 'thirty' }).returning(),
      db.execute(dsql`SELECT count(*)::int AS n FROM ${items}`),
      db.select().from(items).orderBy(items.id),
    ]);
    expect(server.requests - before).toBe(1);
    expect(inserted).toEqual([{ id: 30, name: 'thirty' }]);
    expect(raw.rows).toEqual([{ n: 2 }]);
    expect(all.map((r) => r.id)).toEqual([10, 30]);

    await expect(
      db.batch([
        db.insert(items).values({ id: 31, name: 'thirty-one' }),
        db.insert(items).values({ id: 30, name: 'dup id' }),
      ]),
    ).rejects.toMatchObject({ code: '23505' });
    expect(await count()).toBe(2);
  });
});

describe('faults (test/faults/plan.ts)', () => {
  it('refuse, 503 and stall never execute; drop-after executes; down refuses until lifted', async () => {
    const before = { ...server.stats };
    let id = 1000;
    const verdicts = await probe(
      {
        endpoint: server,
        // A fresh client per call, so the deadline covers this call only.
        write: (tag) =>
          neon(PG_URL, { fetchOptions: { signal: AbortSignal.timeout(300) } }).query(
            `INSERT INTO ${T} VALUES ($1, $2)`,
            [id++, tag],
          ),
        stored: async (tag) =>
          (await admin.query(`SELECT 1 FROM ${T} WHERE name = $1`, [tag])).rowCount === 1,
      },
      'neon-http-fault',
    );
    expect(verdicts).toEqual(EXPECTED);
    expect(server.stats.refused - before.refused).toBeGreaterThanOrEqual(2);
    expect(server.stats.dropped - before.dropped).toBe(1);
  });
});
