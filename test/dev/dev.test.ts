/**
 * `edgeq dev` end to end: the built bin on free ports, its printed settings evaluated by `sh`,
 * and the production drivers (Upstash REST, Postgres over neon-http and neon-ws, libSQL over
 * HTTP) driven through each endpoint into the machine's real Redis, Postgres and a SQLite file,
 * each checked in the store itself. Then `--dev-vars` and a clean SIGTERM.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { neonConfig } from '@neondatabase/serverless';
import { Redis as IORedis } from 'ioredis';
import Database from 'libsql';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { neonEndpointConfig } from '../../src/dev/neon-config.js';
import { libsqlDriver } from '../../src/drivers/libsql/index.js';
import { postgresDriver } from '../../src/drivers/postgres/index.js';
import type { Driver } from '../../src/drivers/types.js';
import { upstashDriver } from '../../src/drivers/upstash/index.js';
import { createRuntime } from '../../src/runtime/runtime.js';
import { freshSchema, PG_URL } from '../support/pg-transports.js';
import { type DevProcess, FREE_PORTS, listening, startDevProcess } from './dev-process.js';

const dir = mkdtempSync(join(tmpdir(), 'edgeq-dev-'));
const dbPath = join(dir, 'dev.db');
const prefix = `{edgeqdev-${Math.random().toString(36).slice(2, 8)}}`;
const redis = new IORedis('redis://127.0.0.1:6379', { lazyConnect: true });
const admin = new pg.Pool({ connectionString: PG_URL, max: 2 });
const schemas: string[] = [];
let dev: DevProcess;

beforeAll(async () => {
  // The user's own .dev.vars lines survive; a stale store setting does not.
  writeFileSync(join(dir, '.dev.vars'), 'EDGEQ_TOKEN=keep-me\nLIBSQL_URL=http://stale\n# mine\n');
  dev = await startDevProcess(
    [...FREE_PORTS, '--db', dbPath, '--database-url', PG_URL, '--dev-vars', 'upstash'],
    { cwd: dir },
  );
});

afterAll(async () => {
  await dev?.stop('SIGKILL');
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  for (const s of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
  await admin.end();
  rmSync(dir, { recursive: true, force: true });
});

/** Enqueue, claim, ack through `driver`; returns the job's id. */
async function roundTrip(driver: Driver, queue: string): Promise<string> {
  const runtime = createRuntime({ driver });
  const [enq] = await runtime.enqueue(queue, [{ payload: { via: driver.name } }]);
  const { jobs } = await runtime.claim(queue, { limit: 5 });
  expect(jobs).toMatchObject([{ id: enq!.id, attempt: 1, payload: { via: driver.name } }]);
  await runtime.ack(enq!.id, { leaseToken: jobs[0]!.leaseToken, result: 'done' });
  return enq!.id;
}

describe('edgeq dev', () => {
  it('prints one export line per driver, each naming its loopback endpoint', () => {
    expect(Object.keys(dev.env).sort()).toEqual(['libsql', 'postgres', 'upstash']);
    const { upstash, postgres, libsql } = dev.env;
    expect(Object.keys(upstash!)).toEqual(['UPSTASH_REDIS_REST_URL', 'UPSTASH_REDIS_REST_TOKEN']);
    expect(upstash!.UPSTASH_REDIS_REST_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    // Generated: 32 random bytes, base64url.
    expect(upstash!.UPSTASH_REDIS_REST_TOKEN).toMatch(/^[\w-]{43}$/);
    expect(postgres).toEqual({
      DATABASE_URL: PG_URL,
      EDGEQ_PG_TRANSPORT: 'neon-http',
      NEON_FETCH_ENDPOINT: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/sql$/),
      NEON_WS_PROXY: expect.stringMatching(/^ws:\/\/127\.0\.0\.1:\d+\/v2$/),
    });
    expect(libsql).toEqual({ LIBSQL_URL: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) });
    const ports = [
      upstash!.UPSTASH_REDIS_REST_URL,
      postgres!.NEON_FETCH_ENDPOINT,
      postgres!.NEON_WS_PROXY,
      libsql!.LIBSQL_URL,
    ].map((u) => new URL(u!).port);
    expect(new Set(ports).size).toBe(4);
    // Messages on stderr: every store answered its check, and no secret is logged.
    expect(dev.stderr()).not.toMatch(/not reachable|failed a check/);
    expect(dev.stderr()).not.toContain(upstash!.UPSTASH_REDIS_REST_TOKEN);
    expect(dev.stdout()).not.toContain('edgeq dev:');
  });

  it('upstashDriver: enqueue, claim and ack through the Upstash endpoint land in Redis', async () => {
    const env = dev.env.upstash!;
    const driver = upstashDriver({
      url: env.UPSTASH_REDIS_REST_URL!,
      token: env.UPSTASH_REDIS_REST_TOKEN!,
      prefix,
    });
    const id = await roundTrip(driver, 'dev-upstash');
    expect(await redis.hget(`${prefix}:default:j:${id}`, 's')).toBe('completed');
    await driver.close();

    const wrong = upstashDriver({ url: env.UPSTASH_REDIS_REST_URL!, token: 'wrong', prefix });
    await expect(createRuntime({ driver: wrong }).claim('dev-upstash')).rejects.toMatchObject({
      code: 'driver_unavailable',
    });
  });

  for (const transport of ['neon-http', 'neon-ws'] as const) {
    it(`postgresDriver over ${transport}: the job lands in Postgres through the endpoint`, async () => {
      const env = dev.env.postgres!;
      // What edgeq serve does with these variables (src/node/cli.ts).
      Object.assign(neonConfig, neonEndpointConfig(env));
      const schema = freshSchema();
      schemas.push(schema);
      const driver = postgresDriver({ url: env.DATABASE_URL!, transport, schema });
      const id = await roundTrip(driver, `dev-${transport}`);
      await driver.close();
      const { rows } = await admin.query(`SELECT state FROM "${schema}".jobs WHERE id = $1`, [id]);
      expect(rows).toEqual([{ state: 'completed' }]);
    });
  }

  it('libsqlDriver over HTTP: the job lands in the SQLite file', async () => {
    const driver = libsqlDriver({ url: dev.env.libsql!.LIBSQL_URL! });
    const id = await roundTrip(driver, 'dev-libsql');
    await driver.close();
    const db = new Database(dbPath);
    try {
      const row = db.prepare('SELECT state FROM edgeq_jobs WHERE id = ?').get(id);
      expect(row).toMatchObject({ state: 'completed' });
    } finally {
      db.close();
    }
  });

  it('--dev-vars upstash rewrites .dev.vars: the Upstash settings in, stale store settings out', () => {
    const env = dev.env.upstash!;
    expect(readFileSync(join(dir, '.dev.vars'), 'utf8')).toBe(
      [
        'EDGEQ_TOKEN=keep-me',
        '# mine',
        '',
        '# written by edgeq dev --dev-vars upstash',
        `UPSTASH_REDIS_REST_URL=${env.UPSTASH_REDIS_REST_URL}`,
        `UPSTASH_REDIS_REST_TOKEN=${env.UPSTASH_REDIS_REST_TOKEN}`,
        '',
      ].join('\n'),
    );
    expect(dev.stderr()).toContain('wrote the upstash settings to .dev.vars');
  });

  it('SIGTERM closes every endpoint and exits 0', async () => {
    const ports = [
      dev.env.upstash!.UPSTASH_REDIS_REST_URL,
      dev.env.postgres!.NEON_FETCH_ENDPOINT,
      dev.env.postgres!.NEON_WS_PROXY,
      dev.env.libsql!.LIBSQL_URL,
    ].map((u) => Number(new URL(u!).port));
    for (const port of ports) expect(await listening(port)).toBe(true);
    expect(await dev.stop('SIGTERM')).toBe(0);
    expect(dev.stderr()).toContain('SIGTERM, shutting down');
    for (const port of ports) expect(await listening(port)).toBe(false);
  });
});
