import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Client, createClient, LibsqlError } from '@libsql/client';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/libsql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPECTED, probe } from '../faults/probe.js';
import { type HranaServer, startHranaServer } from './hrana-server.js';

const tmpDb = (tag: string) =>
  join(
    tmpdir(),
    `hrana-${tag}-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.db`,
  );
const removeDb = (path: string) => {
  for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function pipeline(server: HranaServer, body: unknown, token?: string): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  return fetch(`${server.url}/v2/pipeline`, {
    method: 'POST',
    headers,
    body: JSON.stringify(body),
  });
}

describe('hrana test server', () => {
  const path = tmpDb('main');
  let server: HranaServer;
  let client: Client;

  beforeAll(async () => {
    server = await startHranaServer({ path });
    client = createClient({ url: server.url });
    await client.executeMultiple(`
      CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT);
      CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL, n INTEGER DEFAULT 0);
      CREATE TABLE vals (i INTEGER, f REAL, t TEXT, b BLOB, z);
    `);
  });
  afterAll(async () => {
    client?.close();
    await server?.close();
    removeDb(path);
  });

  it('executes with positional and named args, in one round trip each', async () => {
    const before = server.requests;
    const ins = await client.execute({ sql: 'INSERT INTO kv VALUES (?, ?)', args: ['a', 'one'] });
    expect(ins.rowsAffected).toBe(1);
    expect(typeof ins.lastInsertRowid).toBe('bigint');
    await client.execute({ sql: 'INSERT INTO kv VALUES (:k, @v)', args: { k: 'b', v: 'two' } });
    await client.execute({ sql: 'INSERT INTO kv VALUES ($k, $v)', args: { $k: 'c', $v: 'three' } });
    const rs = await client.execute({
      sql: 'SELECT k, v FROM kv WHERE k IN (:x, :y, :z) ORDER BY k',
      args: { x: 'a', y: 'b', z: 'c' },
    });
    expect(rs.columns).toEqual(['k', 'v']);
    expect(rs.columnTypes).toEqual(['TEXT', 'TEXT']);
    expect(rs.rows.map((r) => [r.k, r.v])).toEqual([
      ['a', 'one'],
      ['b', 'two'],
      ['c', 'three'],
    ]);
    expect(rs.rowsAffected).toBe(0);
    expect(server.requests - before).toBe(4);
  });

  it('maps SQLite errors to their codes', async () => {
    await expect(client.execute('SELEC 1')).rejects.toMatchObject({ code: 'SQLITE_ERROR' });
    await expect(client.execute("INSERT INTO kv VALUES ('a', 'dup')")).rejects.toMatchObject({
      code: 'SQLITE_CONSTRAINT_PRIMARYKEY',
    });
  });

  it('commits a write batch atomically in one round trip', async () => {
    const before = server.requests;
    const results = await client.batch(
      [
        { sql: 'INSERT INTO items (name) VALUES (?)', args: ['x'] },
        { sql: 'INSERT INTO items (name) VALUES (?)', args: ['y'] },
        'SELECT count(*) AS c FROM items',
      ],
      'write',
    );
    expect(server.requests - before).toBe(1);
    expect(results).toHaveLength(3);
    expect(results[0]?.rowsAffected).toBe(1);
    expect(results[2]?.rows[0]?.c).toBe(2);
  });

  it('rolls back a write batch whose second statement violates UNIQUE', async () => {
    const err = await client
      .batch(
        [
          { sql: 'INSERT INTO items (name) VALUES (?)', args: ['fresh'] },
          { sql: 'INSERT INTO items (name) VALUES (?)', args: ['x'] },
          { sql: 'INSERT INTO items (name) VALUES (?)', args: ['never'] },
        ],
        'write',
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LibsqlError);
    expect(err).toMatchObject({ code: 'SQLITE_CONSTRAINT_UNIQUE', statementIndex: 1 });
    const rs = await client.execute("SELECT name FROM items WHERE name IN ('fresh', 'never')");
    expect(rs.rows).toHaveLength(0);
    // The lock was released: the next write goes straight through.
    await client.execute("INSERT INTO items (name) VALUES ('after')");
  });

  it('runs interactive transactions on one stream: commit and rollback', async () => {
    const tx = await client.transaction('write');
    await tx.execute("INSERT INTO kv VALUES ('tx1', 'committed')");
    expect((await tx.execute("SELECT v FROM kv WHERE k = 'tx1'")).rows[0]?.v).toBe('committed');
    // Another stream does not see the uncommitted row (WAL readers are not blocked).
    expect((await client.execute("SELECT v FROM kv WHERE k = 'tx1'")).rows).toHaveLength(0);
    await tx.commit();
    expect(tx.closed).toBe(true);
    expect((await client.execute("SELECT v FROM kv WHERE k = 'tx1'")).rows[0]?.v).toBe('committed');

    const tx2 = await client.transaction('write');
    await tx2.batch([
      "INSERT INTO kv VALUES ('tx2', 'gone')",
      "UPDATE kv SET v = 'changed' WHERE k = 'tx1'",
    ]);
    await tx2.rollback();
    const rs = await client.execute("SELECT k, v FROM kv WHERE k IN ('tx1', 'tx2')");
    expect(rs.rows.map((r) => [r.k, r.v])).toEqual([['tx1', 'committed']]);
  });

  it('makes a concurrent writer wait for an open transaction without stalling the server', async () => {
    const tx = await client.transaction('write');
    await tx.execute("INSERT INTO kv VALUES ('held', '1')");
    let done = false;
    const waiting = client.execute("INSERT INTO kv VALUES ('waiter', '2')").then(() => {
      done = true;
    });
    await sleep(150);
    expect(done).toBe(false);
    // The transaction's own stream still gets served while the other writer waits.
    expect((await tx.execute("SELECT count(*) AS c FROM kv WHERE k = 'held'")).rows[0]?.c).toBe(1);
    await tx.commit();
    await waiting;
    const rs = await client.execute("SELECT k FROM kv WHERE k IN ('held', 'waiter') ORDER BY k");
    expect(rs.rows.map((r) => r.k)).toEqual(['held', 'waiter']);
  });

  it('round-trips integer, float, text, blob and null values', async () => {
    const big = createClient({ url: server.url, intMode: 'bigint' });
    try {
      const blob = new Uint8Array([0, 1, 2, 253, 254, 255]);
      const max = 9223372036854775807n;
      await big.execute({
        sql: 'INSERT INTO vals VALUES (?, ?, ?, ?, ?)',
        args: [max, 1.5, 'héllo ✓', blob, null],
      });
      await big.execute({ sql: 'INSERT INTO vals (i, f) VALUES (?, ?)', args: [-42, 2] });
      const rs = await big.execute(
        'SELECT i, f, t, b, z, typeof(i) AS ti, typeof(f) AS tf FROM vals ORDER BY rowid',
      );
      const [r1, r2] = rs.rows;
      expect(r1?.i).toBe(max);
      expect(r1?.f).toBe(1.5);
      expect(r1?.t).toBe('héllo ✓');
      expect(new Uint8Array(r1?.b as ArrayBuffer)).toEqual(blob);
      expect(r1?.z).toBeNull();
      expect([r1?.ti, r1?.tf]).toEqual(['integer', 'real']);
      // -42 arrives as the float -42.0; the INTEGER column's affinity stores it as an integer.
      expect([r2?.i, r2?.f, r2?.ti, r2?.tf]).toEqual([-42n, 2, 'integer', 'real']);
      const r3 = (await big.execute('SELECT 2.0 AS f, 3 AS i, 1e-3 AS small')).rows[0];
      expect([r3?.f, r3?.i, r3?.small]).toEqual([2, 3n, 0.001]);
    } finally {
      big.close();
    }
    // @libsql/client sends every JS number, even an integral one, as a Hrana float.
    const typed = await client.execute({
      sql: 'SELECT typeof(?) AS a, typeof(?) AS b',
      args: [5, 5n],
    });
    expect([typed.rows[0]?.a, typed.rows[0]?.b]).toEqual(['real', 'integer']);
    const limited = await client.execute({ sql: 'SELECT k FROM kv ORDER BY k LIMIT ?', args: [2] });
    expect(limited.rows).toHaveLength(2);
    // The default intMode ('number') refuses integers beyond 2^53 rather than rounding them.
    await expect(client.execute('SELECT i FROM vals WHERE i > 100')).rejects.toThrow(RangeError);
  });

  it('returns rows from UPDATE ... RETURNING', async () => {
    const rs = await client.execute({
      sql: 'UPDATE items SET n = n + ? WHERE name IN (?, ?) RETURNING name, n',
      args: [5, 'x', 'y'],
    });
    expect(rs.rowsAffected).toBe(2);
    expect(rs.columns).toEqual(['name', 'n']);
    expect(rs.rows.map((r) => [r.name, r.n]).sort()).toEqual([
      ['x', 5],
      ['y', 5],
    ]);
  });

  it('works under drizzle-orm/libsql', async () => {
    const db = drizzle(client);
    const row = await db.get<{ two: number; hello: string }>(
      sql`SELECT ${1} + 1 AS two, ${'hi'} AS hello`,
    );
    expect(row).toEqual({ two: 2, hello: 'hi' });
    const rows = await db.all<{ k: string }>(sql`SELECT k FROM kv WHERE k = ${'a'}`);
    expect(rows).toEqual([{ k: 'a' }]);
  });

  it('evaluates batch conditions faithfully at the wire level', async () => {
    const stmt = (s: string) => ({ sql: s, args: [], named_args: [], want_rows: true });
    const res = await pipeline(server, {
      baton: null,
      requests: [
        {
          type: 'batch',
          batch: {
            steps: [
              { stmt: stmt('SELECT 1') },
              { stmt: stmt('SELECT nope') },
              { condition: { type: 'error', step: 1 }, stmt: stmt('SELECT 2') },
              { condition: { type: 'ok', step: 1 }, stmt: stmt('SELECT 3') },
              {
                condition: {
                  type: 'and',
                  conds: [
                    { type: 'ok', step: 0 },
                    { type: 'not', cond: { type: 'ok', step: 3 } },
                    { type: 'is_autocommit' },
                  ],
                },
                stmt: stmt('SELECT 4'),
              },
              {
                condition: {
                  type: 'or',
                  conds: [
                    { type: 'ok', step: 3 },
                    { type: 'error', step: 0 },
                  ],
                },
                stmt: stmt('SELECT 5'),
              },
            ],
          },
        },
        { type: 'close' },
      ],
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      baton: string | null;
      results: {
        type: string;
        response: {
          result: { step_results: ({ rows: unknown[][] } | null)[]; step_errors: unknown[] };
        };
      }[];
    };
    expect(body.baton).toBeNull();
    const { step_results, step_errors } = body.results[0]!.response.result;
    expect(step_results.map((r) => (r ? r.rows[0] : null))).toEqual([
      [{ type: 'integer', value: '1' }],
      null,
      [{ type: 'integer', value: '2' }],
      null,
      [{ type: 'integer', value: '4' }],
      null,
    ]);
    expect(step_errors.map((e) => e !== null)).toEqual([false, true, false, false, false, false]);
    expect(body.results[1]).toEqual({ type: 'ok', response: { type: 'close' } });
  });

  it('keeps a stream open behind a baton and rejects an unknown one', async () => {
    const first = await pipeline(server, {
      baton: null,
      requests: [{ type: 'store_sql', sql_id: 1, sql: 'SELECT 7' }],
    });
    const { baton } = (await first.json()) as { baton: string };
    expect(typeof baton).toBe('string');
    const second = await pipeline(server, {
      baton,
      requests: [{ type: 'execute', stmt: { sql_id: 1, want_rows: true } }, { type: 'close' }],
    });
    const body = (await second.json()) as { baton: null; results: unknown[] };
    expect(body.baton).toBeNull();
    expect(body.results[0]).toMatchObject({
      type: 'ok',
      response: { type: 'execute', result: { rows: [[{ type: 'integer', value: '7' }]] } },
    });
    // The baton was single-use and the stream is closed.
    const stale = await pipeline(server, { baton, requests: [{ type: 'close' }] });
    expect(stale.status).toBe(400);
    expect(await stale.json()).toMatchObject({ code: 'STREAM_EXPIRED' });
  });

  it('answers the version probes the way a v2 server does', async () => {
    expect((await fetch(`${server.url}/v2`)).status).toBe(200);
    expect((await fetch(`${server.url}/v3`)).status).toBe(404);
    expect((await fetch(`${server.url}/v3-protobuf`)).status).toBe(404);
  });
});

describe('hrana test server with an auth token', () => {
  const path = tmpDb('auth');
  let server: HranaServer;

  beforeAll(async () => {
    server = await startHranaServer({ path, authToken: 'sekrit' });
  });
  afterAll(async () => {
    await server?.close();
    removeDb(path);
  });

  it('rejects a missing or wrong token with 401 and accepts the right one', async () => {
    const body = { baton: null, requests: [{ type: 'close' }] };
    expect((await pipeline(server, body)).status).toBe(401);
    expect((await pipeline(server, body, 'wrong')).status).toBe(401);
    expect((await pipeline(server, body, 'sekrit')).status).toBe(200);

    const bad = createClient({ url: server.url, authToken: 'wrong' });
    const err = await bad.execute('SELECT 1').catch((e: unknown) => e);
    bad.close();
    expect(err).toBeInstanceOf(LibsqlError);
    expect(err).toMatchObject({ code: 'SERVER_ERROR', cause: { status: 401 } });

    const good = createClient({ url: server.url, authToken: 'sekrit' });
    expect((await good.execute('SELECT 1 AS one')).rows[0]?.one).toBe(1);
    good.close();
  });
});

describe('hrana test server faults (test/faults/plan.ts)', () => {
  const path = tmpDb('faults');
  let server: HranaServer;
  let client: Client;

  beforeAll(async () => {
    server = await startHranaServer({ path });
    // A per-request deadline, so a stalled request fails instead of hanging.
    const fetchWithTimeout: typeof fetch = (input, init) =>
      fetch(input, { ...init, signal: AbortSignal.timeout(300) });
    client = createClient({ url: server.url, fetch: fetchWithTimeout });
    await client.execute('CREATE TABLE f (tag TEXT PRIMARY KEY)');
  });
  afterAll(async () => {
    client.close();
    await server.close();
    removeDb(path);
  });

  it('refuse, 503 and stall never execute; drop-after executes; down refuses until lifted', async () => {
    const verdicts = await probe(
      {
        endpoint: server,
        write: (tag) => client.execute({ sql: 'INSERT INTO f VALUES (?)', args: [tag] }),
        stored: async (tag) =>
          (await client.execute({ sql: 'SELECT 1 FROM f WHERE tag = ?', args: [tag] })).rows
            .length === 1,
      },
      'hrana',
    );
    expect(verdicts).toEqual(EXPECTED);
    expect(server.stats).toMatchObject({ dropped: 1, errored: 1, stalled: 1 });
  });

  it('rates are deterministic for a given seed', async () => {
    const pattern = async (seed: number) => {
      const s = await startHranaServer({ path, seed, faults: { errorRate: 0.5 } });
      const c = createClient({ url: s.url });
      const out: boolean[] = [];
      for (let i = 0; i < 24; i++) {
        out.push(
          await c.execute('SELECT 1').then(
            () => true,
            () => false,
          ),
        );
      }
      c.close();
      await s.close();
      expect(s.stats.errored).toBe(out.filter((ok) => !ok).length);
      return out;
    };
    const a = await pattern(7);
    expect(await pattern(7)).toEqual(a);
    expect(a).toContain(false);
    expect(await pattern(8)).not.toEqual(a);
  });
});
