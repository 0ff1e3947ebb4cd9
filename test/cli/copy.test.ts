/**
 * `edgeq copy` as a person runs it (the built bin, a child process) between real stores: a
 * libSQL file, Postgres (a fresh schema per test) and Upstash (the local REST endpoint on the
 * machine's Redis, a fresh prefix). Each test checks the destination itself, through drivers,
 * rather than trusting the command's own report.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Driver, JOB_STATES, type JobRecord } from '../../src/drivers/types.js';
import { seed } from './seed.js';
import {
  edgeq,
  json,
  libsqlAt,
  oneLine,
  pgSchema,
  start,
  tempDirs,
  upstashEndpoint,
} from './support.js';

const dirs = tempDirs();
const open: Driver[] = [];
const schemas: ReturnType<typeof pgSchema>[] = [];
let upstash: Awaited<ReturnType<typeof upstashEndpoint>>;

beforeAll(async () => {
  upstash = await upstashEndpoint();
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((d) => d.close()));
  await Promise.all(schemas.splice(0).map((s) => s.drop()));
  dirs.cleanup();
});
afterAll(() => upstash?.close());

const keep = <T extends Driver>(d: T): T => {
  open.push(d);
  return d;
};

function schema() {
  const s = pgSchema();
  schemas.push(s);
  return s;
}

/** A libSQL file in a fresh directory: its path, spec for --from/--to, and a driver on it. */
function libsqlFile() {
  const cwd = dirs.make();
  const file = join(cwd, 'q.db');
  return { cwd, file, spec: `libsql:file:${file}`, driver: () => keep(libsqlAt(file)) };
}

/** Every job of every queue of `ns`, by id, read through the driver's own list. */
async function everything(
  d: Driver,
  ns = 'default',
  now = Date.now(),
): Promise<Map<string, JobRecord>> {
  const out = new Map<string, JobRecord>();
  for (const q of await d.queues({ ns, now })) {
    for (const state of JOB_STATES) {
      let cursor: string | undefined;
      do {
        const page = await d.list({
          ns,
          now,
          queue: q.name,
          state,
          limit: 1_000,
          ...(cursor ? { cursor } : {}),
        });
        for (const j of page.jobs) out.set(j.id, j);
        cursor = page.cursor;
      } while (cursor);
    }
  }
  return out;
}

const countsOf = async (d: Driver, ns = 'default', now = Date.now()) =>
  Object.fromEntries((await d.queues({ ns, now })).map((q) => [q.name, q.counts]));

describe('edgeq copy', () => {
  it('moves 100,000 jobs, schedules and queue settings from libSQL to Postgres; a dry run first writes nothing', async () => {
    const src = libsqlFile();
    const pg = schema();
    const source = src.driver();
    await seed(source, { queued: 60_000, scheduled: 25_000, dead: 15_000 });

    const dry = await edgeq(['copy', '--from', src.spec, '--to', 'postgres', '--dry-run'], {
      cwd: src.cwd,
      env: pg.env,
    });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('dry run: 100,000 jobs would move; nothing was written');
    expect(dry.stdout).toMatch(/webhooks\s+queued 30,000\s+scheduled 0\s+dead 14,800/);
    expect(await pg.exists()).toBe(false);

    const began = Date.now();
    const run = await edgeq(['copy', '--from', src.spec, '--to', 'postgres', '--batch', '1000'], {
      cwd: src.cwd,
      env: pg.env,
    });
    const took = Date.now() - began;
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('wrote 100,000 jobs (0 already there), 4 config entries');
    expect(run.stdout).toContain('check: counts match (1 namespace, 4 queues)');
    // Plain progress lines on a pipe, ending at the total.
    expect(run.stderr.trim().split('\n').at(-1)).toMatch(/^copy: 100,000 of 100,000 jobs \(100%\)/);
    expect(took).toBeLessThan(60_000);
    console.log(`[cli] copy of 100,000 jobs libSQL -> Postgres: ${took} ms`);

    // The destination, read by itself: the same counts, the same records, the same config.
    const dest = keep(pg.driver());
    const now = Date.now();
    const want = await countsOf(source, 'default', now);
    expect(await countsOf(dest, 'default', now)).toEqual(want);
    expect(want.webhooks).toMatchObject({ queued: 30_000, dead: 14_800 });
    const a = await everything(source, 'default', now);
    const b = await everything(dest, 'default', now);
    expect(b.size).toBe(100_000);
    for (const [id, rec] of a) expect(b.get(id)).toEqual(rec);
    for (const kind of ['schedule', 'queue', 'push'] as const) {
      expect(await dest.configs({ kind, ns: 'default' })).toEqual(
        await source.configs({ kind, ns: 'default' }),
      );
    }
    expect((await dest.queues({ ns: 'default', now, queue: 'reports' }))[0]?.paused).toBe(true);
    // Keys dedupe at the destination, and its claims rotate over the copied groups.
    const keyed = [...a.values()].find((j) => j.key === 'q0')!;
    const again = await dest.enqueue({
      ns: 'default',
      now,
      defaults: { maxAttempts: 5, leaseMs: 30_000 },
      jobs: [
        {
          id: 'NEWJOB000000000000000000AA',
          queue: keyed.queue,
          payload: '1',
          runAt: now,
          priority: 0,
          key: 'q0',
        },
      ],
    });
    expect(again).toEqual([{ id: keyed.id, created: false }]);
    const claimed = await dest.claim({
      ns: 'default',
      now,
      queue: 'webhooks',
      limit: 10,
      leaseToken: 't',
    });
    // Ten jobs over the five group keys of the due webhooks: two each (groupConcurrency 2).
    const perGroup = new Map<string, number>();
    for (const j of claimed.jobs) perGroup.set(j.group!, (perGroup.get(j.group!) ?? 0) + 1);
    expect([...perGroup.values()]).toEqual([2, 2, 2, 2, 2]);
  }, 150_000);

  it('finishes an interrupted copy on a re-run, without duplicating a job', async () => {
    const src = libsqlFile();
    const pg = schema();
    await seed(src.driver(), { queued: 12_000, scheduled: 4_000, dead: 4_000 });
    const args = ['copy', '--from', src.spec, '--to', 'postgres', '--batch', '100'];
    const first = start(args, { cwd: src.cwd, env: pg.env });
    // Killed (no chance to clean up) once the first page has been written.
    await new Promise<void>((resolve) => first.child.stderr!.once('data', () => resolve()));
    first.child.kill('SIGKILL');
    await first.done;
    const dest = keep(pg.driver());
    const partial = (await everything(dest)).size;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(20_000);

    const second = await edgeq([...args, '--json'], { cwd: src.cwd, env: pg.env });
    expect(second.code, second.stderr).toBe(0);
    const report = json(second);
    expect(report.jobs).toMatchObject({
      read: 20_000,
      skipped: partial,
      restored: 20_000 - partial,
    });
    expect(report.check).toEqual({ ok: true, differences: [] });
    const now = Date.now();
    expect(await countsOf(dest, 'default', now)).toEqual(
      await countsOf(src.driver(), 'default', now),
    );
    expect((await everything(dest, 'default', now)).size).toBe(20_000);
  }, 60_000);

  it('copies to Upstash and back, every record (finished ones too) unchanged', async () => {
    const a = libsqlFile();
    const b = libsqlFile();
    const redis = upstash.prefix();
    const source = a.driver();
    await seed(source, { queued: 1_500, scheduled: 500, dead: 600 });
    await seed(source, { queued: 300, scheduled: 100, dead: 100 }, 'tenant-2', 't2');
    // History: one completed (with its result) and one cancelled job.
    const now = Date.now();
    const leaseToken = 'lease-1';
    const [first] = (
      await source.claim({ ns: 'default', now, queue: 'emails', limit: 1, leaseToken })
    ).jobs;
    await source.ack({
      ns: 'default',
      now,
      acks: [{ id: first!.id, leaseToken, result: '{"sent":true}' }],
    });
    const waiting = await source.list({
      ns: 'default',
      now,
      queue: 'emails',
      state: 'queued',
      limit: 1,
    });
    await source.cancel({ ns: 'default', now, id: waiting.jobs[0]!.id });

    const up = `upstash:${redis.env.UPSTASH_REDIS_REST_URL}?prefix=${redis.prefix}`;
    const flags = [
      '--all-namespaces',
      '--include-finished',
      '--to-token',
      redis.env.UPSTASH_REDIS_REST_TOKEN,
    ];
    const there = await edgeq(['copy', '--from', a.spec, '--to', up, ...flags], { cwd: a.cwd });
    expect(there.code, there.stderr).toBe(0);
    expect(there.stdout).toContain('check: counts match (2 namespaces, 8 queues)');
    const back = await edgeq(
      ['copy', '--from', 'upstash', '--to', b.spec, '--all-namespaces', '--include-finished'],
      { cwd: b.cwd, env: redis.env },
    );
    expect(back.code, back.stderr).toBe(0);

    const target = b.driver();
    const mid = keep(redis.driver());
    const at = Date.now();
    for (const ns of ['default', 'tenant-2']) {
      const original = await everything(source, ns, at);
      expect(await everything(mid, ns, at)).toEqual(original);
      expect(await everything(target, ns, at)).toEqual(original);
      expect(await countsOf(target, ns, at)).toEqual(await countsOf(source, ns, at));
      for (const kind of ['schedule', 'queue', 'push'] as const) {
        expect(await target.configs({ kind, ns })).toEqual(await source.configs({ kind, ns }));
      }
    }
    expect(await target.namespaces!()).toEqual(['default', 'tenant-2']);
  }, 60_000);

  it('refuses while jobs are leased, unless --include-active copies them as queued', async () => {
    const src = libsqlFile();
    const dst = libsqlFile();
    const source = src.driver();
    const now = Date.now();
    await seed(source, { queued: 10, scheduled: 0, dead: 0 });
    const [leased] = (
      await source.claim({ ns: 'default', now, queue: 'emails', limit: 1, leaseToken: 'L' })
    ).jobs;

    const refused = await edgeq(['copy', '--from', src.spec, '--to', dst.spec], { cwd: src.cwd });
    expect(refused.code).toBe(1);
    expect(oneLine(refused)).toMatch(/jobs are leased \(default\/emails 1\).*--include-active/);
    expect(refused.stdout).toBe('');
    expect(existsSync(dst.file)).toBe(false); // the destination was never opened

    const moved = await edgeq(['copy', '--from', src.spec, '--to', dst.spec, '--include-active'], {
      cwd: src.cwd,
    });
    expect(moved.code, moved.stderr).toBe(0);
    const copy = await dst.driver().get({ ns: 'default', now, id: leased!.id });
    expect(copy).toMatchObject({ state: 'queued', attempt: 1 });
    expect(copy?.leaseExpiresAt).toBeUndefined();
  });

  it('reports jobs whose key the destination holds, and exits 1 with the differences', async () => {
    const src = libsqlFile();
    const dst = libsqlFile();
    const now = Date.now();
    const defaults = { maxAttempts: 5, leaseMs: 30_000 };
    const job = (id: string, key: string) => ({
      id,
      queue: 'q',
      payload: '1',
      runAt: now,
      priority: 0,
      key,
    });
    const theirs = [
      job('SRC00000000000000000000001', 'k1'),
      job('SRC00000000000000000000002', 'k2'),
    ];
    await src.driver().enqueue({ ns: 'default', now, defaults, jobs: theirs });
    await dst
      .driver()
      .enqueue({ ns: 'default', now, defaults, jobs: [job('DST00000000000000000000001', 'k1')] });
    const r = await edgeq(['copy', '--from', src.spec, '--to', dst.spec], { cwd: src.cwd });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      'not written: 1 job whose idempotency key another job of the destination holds: SRC00000000000000000000001',
    );
    // The counts agree (two jobs each side), so only the conflict makes it fail.
    expect(r.stdout).toContain('check: counts match');
    const there = await dst.driver().get({ ns: 'default', now, id: 'SRC00000000000000000000002' });
    expect(there?.key).toBe('k2');
  });

  it('answers usage errors in one line with exit code 2, before opening any store', async () => {
    const cwd = dirs.make();
    const cases: [string[], Record<string, string>, RegExp][] = [
      [['--from', 'libsql'], {}, /give both --from <store> and --to <store>/],
      [['--from', 'libsql', '--to', 'libsql'], {}, /--from and --to name the same store/],
      [
        ['--from', 'libsql:file:missing.db', '--to', 'libsql'],
        {},
        /--from: there is no file \/.*missing\.db/,
      ],
      [['--from', 'memory', '--to', 'libsql'], {}, /memory store lives inside one process/],
      [['--from', 'libsql', '--to', 'postgres'], {}, /--to postgres needs DATABASE_URL/],
      [
        ['--from', 'libsql', '--to', 'upstash:https://x.upstash.io'],
        {},
        /--to upstash needs a token/,
      ],
      [['--from', 'libsql', '--to', 'redis'], {}, /--to must be libsql, postgres or upstash/],
      [
        ['--from', 'libsql', '--to', 'postgres:postgres://h/db?transport=tcp'],
        {},
        /transport must be pg/,
      ],
      [
        ['--from', 'libsql', '--to', 'libsql:file:b.db', '--batch', '5000'],
        {},
        /--batch must be a whole number from 1 to 1000/,
      ],
      [
        ['--from', 'libsql', '--to', 'libsql:file:b.db', '--ns', 'a', '--all-namespaces'],
        {},
        /--ns or --all-namespaces/,
      ],
      [['--from', 'libsql', '--to', 'libsql:file:b.db', '--colour'], {}, /unknown flag --colour/],
      [
        ['--from', 'libsql', '--to', 'libsql:file:b.db', '--ns', 'a:b'],
        {},
        /namespace "a:b" must be/,
      ],
    ];
    const runs = await Promise.all(
      cases.map(([args, env]) => edgeq(['copy', ...args], { cwd, env })),
    );
    for (const [i, [args, , message]] of cases.entries()) {
      const r = runs[i]!;
      expect(r.code, args.join(' ')).toBe(2);
      expect(oneLine(r)).toMatch(message);
    }
    expect(readdirSync(cwd)).toEqual([]); // no store was opened, not even the default file
  }, 60_000);
});
