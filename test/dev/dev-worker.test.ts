/**
 * The ready-made Worker (built by wrangler, as `wrangler deploy` would) inside workerd, on each
 * of `edgeq dev`'s endpoints: Upstash from the `.dev.vars` that `--dev-vars upstash` wrote
 * (wrangler dev would read it; Miniflare takes the same values as bindings), Postgres over
 * neon-http through NEON_FETCH_ENDPOINT, and libSQL over HTTP. Each job is checked in its store.
 */
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis as IORedis } from 'ioredis';
import Database from 'libsql';
import { Miniflare } from 'miniflare';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshSchema, PG_URL } from '../support/pg-transports.js';
import { ROOT, wrangler } from '../support/wrangler.js';
import { type DevProcess, FREE_PORTS, startDevProcess } from './dev-process.js';

const TOKEN = 'dev-worker-test-token';
const prefix = `{edgeqdevw-${Math.random().toString(36).slice(2, 8)}}`;
const schema = freshSchema();
const redis = new IORedis('redis://127.0.0.1:6379', { lazyConnect: true });
const admin = new pg.Pool({ connectionString: PG_URL, max: 2 });
let buildDir = '';
let dir = '';
let dev: DevProcess;

/** `.dev.vars` as wrangler reads it: KEY=value, or KEY="..." (JSON string escapes). */
function parseDevVars(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z_]\w*)=(.*)$/.exec(line);
    if (m) out[m[1]!] = m[2]!.startsWith('"') ? (JSON.parse(m[2]!) as string) : m[2]!;
  }
  return out;
}

beforeAll(async () => {
  await mkdir(join(ROOT, '.wrangler'), { recursive: true });
  dir = await mkdtemp(join(tmpdir(), 'edgeq-dev-worker-'));
  // Built while edgeq dev starts; under the repo, as Miniflare wants the script under its cwd.
  buildDir = await mkdtemp(join(ROOT, '.wrangler', 'dev-test-build-'));
  const [, started] = await Promise.all([
    wrangler(['deploy', '--dry-run', '--outdir', buildDir]),
    startDevProcess(
      [
        ...FREE_PORTS,
        '--db',
        join(dir, 'dev.db'),
        '--database-url',
        PG_URL,
        '--dev-vars',
        'upstash',
      ],
      {
        cwd: dir,
      },
    ),
  ]);
  dev = started;
  await stat(join(buildDir, 'worker.js'));
}, 90_000);

afterAll(async () => {
  await dev?.stop();
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin.end();
  if (buildDir) await rm(buildDir, { recursive: true, force: true });
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function withWorker(
  bindings: Record<string, string>,
  run: (call: (path: string, body?: unknown) => Promise<any>) => Promise<void>,
): Promise<void> {
  const mf = new Miniflare({
    modules: true,
    scriptPath: join(buildDir, 'worker.js'),
    compatibilityDate: '2026-04-01', // as in wrangler.toml
    // Warnings and errors only: request lines would flood the test output.
    bindings: { EDGEQ_TOKEN: TOKEN, EDGEQ_LOG: 'warn', ...bindings },
  });
  try {
    await mf.ready;
    await run(async (path, body) => {
      const res = await mf.dispatchFetch(`http://edgeq.test${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      expect(res.status, text).toBeLessThan(300);
      return JSON.parse(text);
    });
  } finally {
    await mf.dispose();
  }
}

/** Enqueue, claim and ack over the Worker's HTTP API; returns the job's id. */
async function flow(call: (path: string, body?: unknown) => Promise<any>, driver: string) {
  expect(await call('/healthz')).toEqual({ ok: true, driver });
  const enq = await call('/v1/queues/dev/jobs', { payload: { driver } });
  const claim = await call('/v1/queues/dev/claim', { limit: 5 });
  expect(claim.jobs).toMatchObject([{ id: enq.id, attempt: 1, payload: { driver } }]);
  const ack = await call(`/v1/jobs/${enq.id}/ack`, { leaseToken: claim.jobs[0].leaseToken });
  expect(ack).toEqual({ id: enq.id, state: 'completed' });
  return enq.id as string;
}

describe('the Worker in workerd on edgeq dev', () => {
  it('Upstash, from the .dev.vars that --dev-vars upstash wrote', async () => {
    const vars = parseDevVars(await readFile(join(dir, '.dev.vars'), 'utf8'));
    expect(vars).toEqual(dev.env.upstash);
    await withWorker({ ...vars, EDGEQ_REDIS_PREFIX: prefix }, async (call) => {
      const id = await flow(call, 'upstash');
      expect(await redis.hget(`${prefix}:default:j:${id}`, 's')).toBe('completed');
    });
  });

  it('Postgres over neon-http, through NEON_FETCH_ENDPOINT', async () => {
    const env = dev.env.postgres!;
    const bindings = {
      DATABASE_URL: env.DATABASE_URL!,
      NEON_FETCH_ENDPOINT: env.NEON_FETCH_ENDPOINT!,
      EDGEQ_PG_SCHEMA: schema,
    };
    await withWorker(bindings, async (call) => {
      const id = await flow(call, 'postgres');
      const { rows } = await admin.query(`SELECT state FROM "${schema}".jobs WHERE id = $1`, [id]);
      expect(rows).toEqual([{ state: 'completed' }]);
    });
  });

  it('libSQL over HTTP, into the SQLite file', async () => {
    await withWorker({ LIBSQL_URL: dev.env.libsql!.LIBSQL_URL! }, async (call) => {
      const id = await flow(call, 'libsql');
      const db = new Database(join(dir, 'dev.db'));
      try {
        const row = db.prepare('SELECT state FROM edgeq_jobs WHERE id = ?').get(id);
        expect(row).toMatchObject({ state: 'completed' });
      } finally {
        db.close();
      }
    });
  });
});
