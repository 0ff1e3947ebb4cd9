/**
 * `edgeq serve` as a user runs it: the built bin, on the embedded libSQL file default. Killing
 * it (SIGKILL, no chance to flush) and starting it again loses no queued job; several serve
 * processes on one file hand out every job exactly once and never surface SQLITE_BUSY.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { startNeonHttpServer } from '../support/neon-http-server.js';
import { freshSchema, PG_URL } from '../support/pg-transports.js';
import { type ServeProcess, startServe } from '../support/serve-process.js';

const TOKEN = 'serve-test-token';
const running: ServeProcess[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const p of running.splice(0)) {
    p.child.kill('SIGKILL');
    await p.exited;
  }
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'edgeq-serve-'));
  dirs.push(d);
  return d;
}

async function call(url: string, method: string, path: string, body?: unknown, token = TOKEN) {
  const res = await fetch(url + path, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as any };
}

async function start(
  cwd: string,
  args: string[] = [],
  env: Record<string, string> = { EDGEQ_TOKEN: TOKEN },
) {
  const p = await startServe(['--port', '0', ...args], env, cwd);
  running.push(p);
  return p;
}

describe('edgeq serve', () => {
  it('keeps queued jobs across a SIGKILL and restart', async () => {
    const cwd = tempDir();
    const a = await start(cwd);
    const enq = await call(a.url, 'POST', '/v1/queues/q/jobs', {
      jobs: Array.from({ length: 50 }, (_, i) => ({ payload: { i } })),
    });
    expect(enq.status).toBe(201);
    a.child.kill('SIGKILL');
    await a.exited;
    running.splice(running.indexOf(a), 1);

    const b = await start(cwd);
    const counts = await call(b.url, 'GET', '/v1/queues/q');
    expect(counts.json.counts.queued).toBe(50);
    const claimed = await call(b.url, 'POST', '/v1/queues/q/claim', { limit: 100 });
    expect(
      claimed.json.jobs
        .map((j: { payload: { i: number } }) => j.payload.i)
        .sort((x: number, y: number) => x - y),
    ).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('without a token listens on loopback only, and refuses any other host', async () => {
    const cwd = tempDir();
    const open = await start(cwd, [], {});
    expect(open.output()).toContain('loopback only');
    expect((await call(open.url, 'GET', '/v1/queues', undefined, 'whatever')).status).toBe(200);
    await expect(
      startServe(['--port', '0', '--host', '0.0.0.0'], { EDGEQ_TOKEN: '' }, cwd),
    ).rejects.toThrow(/refusing to listen on 0.0.0.0 without a token/);
  });

  it('EDGEQ_DRIVER picks the store by name, and names what is missing', async () => {
    const cwd = tempDir();
    const mem = await start(cwd, [], { EDGEQ_TOKEN: TOKEN, EDGEQ_DRIVER: 'memory' });
    expect((await call(mem.url, 'GET', '/v1/capabilities')).json.driver).toBe('memory');
    expect(mem.output()).toContain('lost when this process exits');
    await expect(start(cwd, [], { EDGEQ_TOKEN: TOKEN, EDGEQ_DRIVER: 'mongo' })).rejects.toThrow(
      /EDGEQ_DRIVER must be memory, libsql, upstash or postgres, got "mongo"/,
    );
    await expect(
      start(cwd, [], { EDGEQ_TOKEN: TOKEN, EDGEQ_DRIVER: 'postgres', DATABASE_URL: '' }),
    ).rejects.toThrow(/EDGEQ_DRIVER=postgres needs DATABASE_URL/);
  });

  it('NEON_FETCH_ENDPOINT sends neon-http SQL to a local endpoint', async () => {
    const neon = await startNeonHttpServer();
    const schema = freshSchema();
    try {
      const p = await start(tempDir(), [], {
        EDGEQ_TOKEN: TOKEN,
        DATABASE_URL: PG_URL,
        EDGEQ_PG_TRANSPORT: 'neon-http',
        EDGEQ_PG_SCHEMA: schema,
        NEON_FETCH_ENDPOINT: neon.url,
      });
      expect((await call(p.url, 'POST', '/v1/queues/q/jobs', { payload: 1 })).status).toBe(201);
      expect((await call(p.url, 'GET', '/v1/queues/q')).json.counts.queued).toBe(1);
      expect(neon.requests).toBeGreaterThan(2);
    } finally {
      await neon.close();
      const c = new pg.Client(PG_URL);
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await c.end();
    }
  });

  it('8 processes on one file, 8 claimers over 2,000 jobs: each claimed and acked once', async () => {
    const cwd = tempDir();
    // Started together, so their first-use migrations race on the fresh file too.
    const servers = await Promise.all(Array.from({ length: 8 }, () => start(cwd)));
    const ids = new Set<string>();
    for (let i = 0; i < 2; i++) {
      const r = await call(servers[i]!.url, 'POST', '/v1/queues/work/jobs', {
        jobs: Array.from({ length: 1_000 }, (_, n) => ({ payload: n })),
      });
      for (const j of r.json.jobs) ids.add(j.id);
    }
    expect(ids.size).toBe(2_000);

    const claims = new Map<string, number>();
    const failures: string[] = [];
    await Promise.all(
      Array.from({ length: 8 }, async (_, c) => {
        let acks: { id: string; leaseToken: string }[] = [];
        for (let round = 0; ; round++) {
          // Each claimer mostly talks to its own process, sometimes to another.
          const server = servers[(c + (round % 5 === 4 ? 1 : 0)) % servers.length]!;
          const limit = 1 + ((c * 7 + round) % 20);
          const r = await call(server.url, 'POST', '/v1/queues/work/claim', {
            limit,
            ...(acks.length ? { acks } : {}),
          });
          if (r.status !== 200) failures.push(`${r.status} ${JSON.stringify(r.json)}`);
          for (const a of r.json.acks ?? []) if (!a.ok) failures.push(`ack ${a.id} ${a.error}`);
          const jobs = r.json.jobs ?? [];
          for (const j of jobs) claims.set(j.id, (claims.get(j.id) ?? 0) + 1);
          acks = jobs.map((j: { id: string; leaseToken: string }) => ({
            id: j.id,
            leaseToken: j.leaseToken,
          }));
          if (!jobs.length && r.status === 200) return;
        }
      }),
    );
    expect(failures).toEqual([]);
    expect(claims.size).toBe(2_000);
    expect([...claims.values()].every((n) => n === 1)).toBe(true);
    const counts = await call(servers[3]!.url, 'GET', '/v1/queues/work');
    expect(counts.json.counts).toMatchObject({ queued: 0, active: 0, completed: 2_000 });
    for (const s of servers) expect(s.output()).not.toMatch(/SQLITE_BUSY|database is locked/);
  });
});

describe('examples', () => {
  it('examples/pull-consumer.mjs drains a queue against edgeq serve', async () => {
    const { execFile } = await import('node:child_process');
    const { promisify } = await import('node:util');
    const cwd = tempDir();
    const s = await start(cwd);
    await call(s.url, 'POST', '/v1/queues/mail/jobs', {
      jobs: [
        ...Array.from({ length: 25 }, (_, i) => ({ payload: { i } })),
        { payload: { fail: true } },
      ],
    });
    const script = new URL('../../examples/pull-consumer.mjs', import.meta.url).pathname;
    const { stdout } = await promisify(execFile)(process.execPath, [script, 'mail'], {
      env: { ...process.env, EDGEQ_URL: s.url, EDGEQ_TOKEN: TOKEN },
    });
    expect(stdout).toContain('processed 25 job(s) from mail');
    const q = await call(s.url, 'GET', '/v1/queues/mail');
    expect(q.json.counts).toMatchObject({ completed: 25, active: 0, queued: 0, scheduled: 1 });
  });

  it('examples/tenant-fairness.mjs: small tenants finish while a big one floods', async () => {
    const { execFile } = await import('node:child_process');
    const { promisify } = await import('node:util');
    const s = await start(tempDir());
    const script = new URL('../../examples/tenant-fairness.mjs', import.meta.url).pathname;
    const { stdout } = await promisify(execFile)(process.execPath, [script, 'reports'], {
      env: { ...process.env, EDGEQ_URL: s.url, EDGEQ_TOKEN: TOKEN },
    });
    expect(stdout).toContain('round 1: big-co, small-1, small-2');
    expect(stdout).toContain('round 4: big-co\n');
    expect(stdout).toContain('small tenants done by round 3; 40 rounds in all');
    const q = await call(s.url, 'GET', '/v1/queues/reports');
    expect(q.json.counts).toMatchObject({ completed: 46, active: 0, queued: 0 });
    expect(q.json.settings).toEqual({ concurrency: 4, groupConcurrency: 1 });
  });
});
