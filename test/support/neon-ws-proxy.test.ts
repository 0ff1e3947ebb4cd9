import { randomBytes } from 'node:crypto';
import { DatabaseError, neonConfig, Pool } from '@neondatabase/serverless';
import { sql as dsql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/neon-serverless';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ws from 'ws';
import { EXPECTED, probe } from '../faults/probe.js';
import { type NeonWsProxy, neonWsConfig, startNeonWsProxy } from './neon-ws-proxy.js';

const PG_URL = 'postgresql://postgres@127.0.0.1:5432/test';
const schema = `neon_ws_${process.pid}_${randomBytes(4).toString('hex')}`;
const T = `${schema}.items`;

let proxy: NeonWsProxy;
let pool: Pool;

beforeAll(async () => {
  proxy = await startNeonWsProxy();
  const cfg = neonWsConfig(proxy);
  neonConfig.wsProxy = cfg.wsProxy;
  neonConfig.useSecureWebSocket = cfg.useSecureWebSocket;
  neonConfig.pipelineConnect = cfg.pipelineConnect;
  neonConfig.webSocketConstructor = ws;
  pool = new Pool({ connectionString: PG_URL });
  await pool.query(`CREATE SCHEMA ${schema}`);
  await pool.query(`CREATE TABLE ${T} (id int PRIMARY KEY, name text NOT NULL UNIQUE)`);
});

afterAll(async () => {
  await pool?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await pool?.end();
  await proxy?.close();
});

describe('Neon Pool/Client over the local WebSocket proxy', () => {
  it('queries through the proxy', async () => {
    const { rows } = await pool.query(
      'SELECT $1::int + 1 AS n, 7::int8 AS big, $2::jsonb AS j, now() AS at, $3::text[] AS arr',
      [41, JSON.stringify({ a: 1 }), ['x', 'y']],
    );
    expect(rows[0]).toMatchObject({ n: 42, big: '7', j: { a: 1 }, arr: ['x', 'y'] });
    expect(rows[0].at).toBeInstanceOf(Date);
    expect(proxy.connections).toBeGreaterThanOrEqual(1);
  });

  it('runs interactive transactions on one client', async () => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`INSERT INTO ${T} VALUES (1, 'rolled back')`);
      await client.query('ROLLBACK');
      await client.query('BEGIN');
      await client.query(`INSERT INTO ${T} VALUES (2, 'two')`);
      const inside = await client.query(`SELECT count(*)::int AS n FROM ${T}`);
      expect(inside.rows).toEqual([{ n: 1 }]);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    const { rows } = await pool.query(`SELECT id, name FROM ${T} ORDER BY id`);
    expect(rows).toEqual([{ id: 2, name: 'two' }]);
  });

  it('surfaces Postgres errors and keeps the connection usable', async () => {
    const client = await pool.connect();
    try {
      const err = await client.query(`INSERT INTO ${T} VALUES (3, 'two')`).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DatabaseError);
      expect(err).toMatchObject({ code: '23505', constraint: 'items_name_key' });
      expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      client.release();
    }
  });

  it('works with drizzle-orm/neon-serverless', async () => {
    const db = drizzle({ client: pool });
    const res = await db.execute(
      dsql`SELECT ${5}::int AS five, count(*)::int AS n FROM ${dsql.raw(T)}`,
    );
    expect(res.rows).toEqual([{ five: 5, n: 1 }]);

    await expect(
      db.transaction(async (tx) => {
        await tx.execute(dsql`INSERT INTO ${dsql.raw(T)} VALUES (4, 'four')`);
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    await db.transaction(async (tx) => {
      await tx.execute(dsql`INSERT INTO ${dsql.raw(T)} VALUES (5, 'five')`);
    });
    const ids = await db.execute<{ id: number }>(dsql`SELECT id FROM ${dsql.raw(T)} ORDER BY id`);
    expect(ids.rows.map((r) => r.id)).toEqual([2, 5]);
  });

  it('refuses non-loopback targets and malformed addresses', async () => {
    const status = (address: string) =>
      new Promise<string>((resolve) => {
        const sock = new ws(`${proxy.url}?address=${encodeURIComponent(address)}`);
        sock.on('open', () => {
          sock.close();
          resolve('open');
        });
        sock.on('error', (e) => resolve(e.message));
      });
    expect(await status('10.1.2.3:5432')).toMatch(/403/);
    expect(await status('example.com:5432')).toMatch(/403/);
    expect(await status('127.0.0.1')).toMatch(/400/);
    expect(await status('localhost:5432')).toBe('open');
  });
});

describe('faults (test/faults/plan.ts)', () => {
  it('refuse, ErrorResponse and stall never execute; drop-after executes; down refuses until lifted', async () => {
    // Timeouts, so a stalled round trip or a refused upgrade fails instead of hanging.
    const timed = new Pool({
      connectionString: PG_URL,
      query_timeout: 300,
      connectionTimeoutMillis: 300,
    });
    timed.on('error', () => {});
    let id = 1000;
    try {
      const verdicts = await probe(
        {
          endpoint: proxy,
          write: (tag) => timed.query(`INSERT INTO ${T} VALUES ($1, $2)`, [id++, tag]),
          stored: async (tag) =>
            (await pool.query(`SELECT 1 FROM ${T} WHERE name = $1`, [tag])).rowCount === 1,
        },
        'ws-fault',
      );
      expect(verdicts).toEqual(EXPECTED);
      expect(proxy.stats).toMatchObject({ dropped: 1, errored: 1, stalled: 1 });
    } finally {
      await timed.end();
    }
  });

  it('a simple-protocol transaction is one round trip: dropped after it ran, it committed', async () => {
    proxy.faults.cues = ['drop-after'];
    await expect(
      pool.query(`BEGIN; INSERT INTO ${T} VALUES (2000, 'tx-a'); COMMIT;`),
    ).rejects.toThrow();
    const { rowCount } = await pool.query(`SELECT 1 FROM ${T} WHERE id = 2000`);
    expect(rowCount).toBe(1);
  });
});
