/**
 * The store commands as a person runs them (the built bin, a child process): enqueue, stats,
 * jobs, dead, schedules, tick and help, on the default store (a libSQL file in the working
 * directory), and once each on Postgres and Upstash. Output is checked line by line, errors by
 * exit code and their one line on stderr; what a command wrote is read back through a driver.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Driver } from '../../src/drivers/types.js';
import { createRuntime } from '../../src/runtime/runtime.js';
import {
  edgeq,
  json,
  libsqlAt,
  oneLine,
  pgSchema,
  type RunOptions,
  tempDirs,
  upstashEndpoint,
} from './support.js';

const dirs = tempDirs();
const open: Driver[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((d) => d.close()));
  dirs.cleanup();
});

/** A working directory whose default store is .edgeq/edgeq.db, and a driver on that file. */
function workdir() {
  const cwd = dirs.make();
  const driver = () => {
    mkdirSync(join(cwd, '.edgeq'), { recursive: true });
    const d = libsqlAt(join(cwd, '.edgeq', 'edgeq.db'));
    open.push(d);
    return d;
  };
  const run = (args: string[], o: Partial<RunOptions> = {}) => edgeq(args, { cwd, ...o });
  return { cwd, driver, run };
}

const lines = (out: string) => out.trimEnd().split('\n');

describe('edgeq enqueue', () => {
  it('creates a job, returns the existing one for a known key, and reads stdin', async () => {
    const w = workdir();
    const a = await w.run(['enqueue', 'emails', '{"to":"ada"}', '--key', 'welcome', '--json']);
    expect(a.code, a.stderr).toBe(0);
    const { id, created } = json(a);
    expect(created).toBe(true);
    const b = await w.run(['enqueue', 'emails', '{"to":"bob"}', '--key', 'welcome']);
    expect(b.stdout).toBe(`exists ${id} (same key)\n`);
    const c = await w.run(['enqueue', 'reports', '-', '--delay', '10m', '--priority=-3'], {
      input: '{"n": 42}\n',
    });
    expect(c.stdout).toMatch(/^created [0-9A-Z]{26}\n$/);
    const d = w.driver();
    const now = Date.now();
    expect(await d.get({ ns: 'default', now, id })).toMatchObject({
      queue: 'emails',
      state: 'queued',
      payload: '{"to":"ada"}',
      key: 'welcome',
    });
    const [report] = (
      await d.list({ ns: 'default', now, queue: 'reports', state: 'scheduled', limit: 5 })
    ).jobs;
    expect(report).toMatchObject({ payload: '{"n":42}', priority: -3 });
    expect(report!.runAt - now).toBeGreaterThan(9 * 60_000);
  });

  it('takes --run-at, --max-attempts, --group and --ns', async () => {
    const w = workdir();
    const runAt = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const r = await w.run([
      'enqueue',
      'q',
      'null',
      '--run-at',
      runAt,
      '--max-attempts',
      '9',
      '--group',
      'tenant-a',
      '--ns',
      'shop',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const job = await w.driver().get({ ns: 'shop', now: Date.now(), id: json(r).id });
    expect(job).toMatchObject({
      runAt: Date.parse(runAt),
      maxAttempts: 9,
      group: 'tenant-a',
      payload: 'null',
    });
  });

  it('answers what was typed wrong in one line, exit code 2, storing nothing', async () => {
    const w = workdir();
    const cases: [string[], RegExp][] = [
      [['enqueue', 'q', '{bad'], /the payload is not valid JSON .*quote it for the shell/],
      [['enqueue', 'q', '1', '--colour'], /unknown flag --colour/],
      [['enqueue', 'q', '1', '--key'], /--key needs a value/],
      [['enqueue'], /give the queue/],
      [['enqueue', 'a:b'], /queue "a:b" must be 1 to 128 characters/],
      [['enqueue', 'q', '1', '--delay', 'soon'], /--delay must be a duration like 500ms/],
      [['enqueue', 'q', '1', '--delay', '1s', '--run-at', '0'], /--delay or --run-at, not both/],
      [['enqueue', 'q', '1', '--run-at', 'tomorrow'], /--run-at must be an ISO 8601 time/],
      [['enqueue', 'q', '1', '--priority', '2000000'], /--priority must be a whole number/],
      [['enqueue', 'q', '1', '--key', 'k'.repeat(300)], /^edgeq enqueue: --key: /],
      [['enqueue', 'q', '1', '--delay', '400d'], /^edgeq enqueue: --delay: /],
    ];
    const runs = await Promise.all(cases.map(([args]) => w.run(args)));
    for (const [i, [args, message]] of cases.entries()) {
      const r = runs[i]!;
      expect(r.code, args.join(' ')).toBe(2);
      expect(oneLine(r)).toMatch(message);
      expect(oneLine(r)).toMatch(/\(edgeq help enqueue\)$/);
      expect(r.stdout).toBe('');
    }
    const empty = await w.run(['enqueue', 'q', '-'], { input: '  ' });
    expect(oneLine(empty)).toMatch(/the payload is empty/);
    // Every one was refused before the store was opened.
    expect(existsSync(join(w.cwd, '.edgeq'))).toBe(false);
  }, 60_000);
});

describe('edgeq stats, jobs and dead', () => {
  /** Three due jobs in `q` (one with a key), one scheduled, and two dead ones with errors. */
  async function seeded() {
    const w = workdir();
    // Written in process (the file is the bin's default store); enqueue's own runs are above.
    const rt = createRuntime({ driver: w.driver() });
    const queued = await rt.enqueue('q', [
      { payload: 1, key: 'k1' },
      { payload: 2 },
      { payload: 3 },
      { payload: 4, delayMs: 3_600_000 },
    ]);
    const ids = queued.map((r) => r.id);
    for (const payload of ['x', 'y']) {
      const { id } = (await rt.enqueue('broken', [{ payload }]))[0]!;
      const [leased] = (await rt.claim('broken')).jobs;
      await rt.nack(id, { leaseToken: leased!.leaseToken, error: `bad "${payload}"`, dead: true });
      ids.push(id);
    }
    return { ...w, ids };
  }

  it('stats prints every queue with its counts, or one as JSON', async () => {
    const w = await seeded();
    const r = await w.run(['stats']);
    expect(r.code, r.stderr).toBe(0);
    expect(lines(r.stdout).map((l) => l.split(/\s+/))).toEqual([
      ['QUEUE', 'PAUSED', 'SCHEDULED', 'QUEUED', 'ACTIVE', 'COMPLETED', 'DEAD', 'CANCELLED'],
      ['broken', 'no', '0', '0', '0', '0', '2', '0'],
      ['q', 'no', '1', '3', '0', '0', '0', '0'],
    ]);
    expect(json(await w.run(['stats', 'q', '--json']))).toEqual({
      queues: [
        {
          name: 'q',
          paused: false,
          counts: { scheduled: 1, queued: 3, active: 0, completed: 0, dead: 0, cancelled: 0 },
        },
      ],
    });
    expect(json(await w.run(['stats', 'nothing', '--json'])).queues[0].counts.queued).toBe(0);
    expect((await w.run(['stats', '--ns', 'empty'])).stdout).toBe('no queues yet\n');
  });

  it('jobs pages through a state with the printed cursor, and gets one job', async () => {
    const w = await seeded();
    const first = await w.run(['jobs', 'q', '--limit', '2']);
    expect(first.code, first.stderr).toBe(0);
    const out = lines(first.stdout);
    expect(out[0]!.split(/\s{2,}/)).toEqual([
      'ID',
      'STATE',
      'ATTEMPT',
      'PRIORITY',
      'RUN AT',
      'KEY',
      'GROUP',
      'LAST ERROR',
    ]);
    expect(out.slice(1, 3).map((l) => l.split(/\s+/).slice(0, 3))).toEqual([
      [w.ids[0], 'queued', '0/5'],
      [w.ids[1], 'queued', '0/5'],
    ]);
    expect(out[1]).toContain(' k1');
    expect(out[3]).toBe(`more: edgeq jobs q --state queued --cursor ${w.ids[1]}`);
    const next = json(await w.run(['jobs', 'q', '--limit', '2', '--cursor', w.ids[1]!, '--json']));
    expect(next.jobs.map((j: { id: string }) => j.id)).toEqual([w.ids[2]]);
    expect(next.cursor).toBeUndefined();
    const scheduled = json(await w.run(['jobs', 'q', '--state', 'scheduled', '--json']));
    expect(scheduled.jobs.map((j: { id: string }) => j.id)).toEqual([w.ids[3]]);

    const got = await w.run(['jobs', 'get', w.ids[0]!]);
    expect(JSON.parse(got.stdout)).toMatchObject({ id: w.ids[0], payload: 1, key: 'k1' });
    expect(got.stdout.split('\n').length).toBeGreaterThan(5); // pretty-printed for a person
    const missing = await w.run(['jobs', 'get', '01M8XX2GNH0000YCZHRM3QPDQ2']);
    expect(missing.code).toBe(1);
    expect(oneLine(missing)).toBe('edgeq jobs: job 01M8XX2GNH0000YCZHRM3QPDQ2 does not exist');
    const bad = await w.run(['jobs', 'q', '--state', 'waiting']);
    expect(bad.code).toBe(2);
    expect(oneLine(bad)).toMatch(/--state must be one of scheduled, queued, active/);
    expect(oneLine(await w.run(['jobs', 'q', '--limit', '0']))).toMatch(/--limit must be/);
  });

  it('dead lists the dead with their errors and replays one, then the rest', async () => {
    const w = await seeded();
    const [x, y] = w.ids.slice(4);
    const listed = await w.run(['dead', 'list', 'broken']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(lines(listed.stdout).map((l) => [l.split(/\s+/)[0], l.split(/\s{2,}/).at(-1)])).toEqual([
      ['ID', 'LAST ERROR'],
      [x, 'bad "x"'],
      [y, 'bad "y"'],
    ]);
    expect((await w.run(['dead', 'replay', 'broken', '--id', x!])).stdout).toBe('replayed 1\n');
    expect(json(await w.run(['dead', 'replay', 'broken', '--json']))).toEqual({ replayed: 1 });
    const counts = (
      await w.driver().queues({ ns: 'default', now: Date.now(), queue: 'broken' })
    )[0]!.counts;
    expect(counts).toMatchObject({ queued: 2, dead: 0 });
    const bad = await w.run(['dead', 'bury', 'broken']);
    expect(bad.code).toBe(2);
    expect(oneLine(bad)).toMatch(/give list or replay, got "bury"/);
    expect(oneLine(await w.run(['dead', 'replay', 'broken', '--id', 'not an id']))).toMatch(
      /"not an id" is not a job id/,
    );
  });
});

describe('edgeq schedules and tick', () => {
  it('puts, lists, gets, pauses, resumes and deletes a schedule', async () => {
    const w = workdir();
    const put = await w.run([
      'schedules',
      'put',
      'nightly',
      '--cron',
      '0 3 * * *',
      '--tz',
      'Europe/Paris',
      '--queue',
      'reports',
      '--payload',
      '{"kind":"daily"}',
    ]);
    expect(put.code, put.stderr).toBe(0);
    expect(put.stdout).toMatch(
      /^created schedule nightly \(next run \d{4}-\d\d-\d\dT0[12]:00:00Z\)\n$/,
    );
    const again = await w.run([
      'schedules',
      'put',
      'nightly',
      '--cron',
      '0 4 * * *',
      '--queue',
      'r',
    ]);
    expect(again.stdout).toMatch(/^replaced schedule nightly/);
    const listed = await w.run(['schedules']);
    expect(lines(listed.stdout).map((l) => l.split(/\s{2,}/))).toEqual([
      ['NAME', 'CRON', 'TZ', 'QUEUE', 'PAUSED', 'NEXT RUN'],
      ['nightly', '0 4 * * *', 'UTC', 'r', 'no', expect.stringMatching(/T04:00:00Z$/)],
    ]);
    expect(JSON.parse((await w.run(['schedules', 'get', 'nightly'])).stdout)).toMatchObject({
      name: 'nightly',
      cron: '0 4 * * *',
      queue: 'r',
      paused: false,
    });
    expect((await w.run(['schedules', 'pause', 'nightly'])).stdout).toBe(
      'paused schedule nightly\n',
    );
    expect(json(await w.run(['schedules', 'list', '--json'])).schedules[0].paused).toBe(true);
    expect((await w.run(['schedules', 'resume', 'nightly'])).stdout).toMatch(/^resumed schedule/);
    expect((await w.run(['schedules', 'delete', 'nightly'])).stdout).toBe(
      'deleted schedule nightly\n',
    );
    expect((await w.run(['schedules'])).stdout).toBe('no schedules\n');

    const gone = await w.run(['schedules', 'delete', 'nightly']);
    expect(gone.code).toBe(1);
    expect(oneLine(gone)).toBe('edgeq schedules: schedule nightly does not exist');
    const errors: [string[], RegExp][] = [
      [['schedules', 'put', 's', '--queue', 'q'], /put needs --cron/],
      [['schedules', 'put', 's', '--cron', 'nope', '--queue', 'q'], /--cron: .*expected 5 fields/],
      [
        ['schedules', 'put', 's', '--cron', '@daily', '--queue', 'q', '--tz', 'Mars/Base'],
        /--tz: /,
      ],
      [
        ['schedules', 'put', 's', '--cron', '@daily', '--queue', 'q', '--payload', '{'],
        /--payload is not valid JSON/,
      ],
      [['schedules', 'rename', 's'], /give one of list, get, put, delete, pause, resume/],
    ];
    for (const [args, message] of errors) {
      const r = await w.run(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(oneLine(r)).toMatch(message);
    }
  }, 60_000);

  it('tick enqueues due schedule slots and puts an expired lease back', async () => {
    const w = workdir();
    await w.run(['schedules', 'put', 'every-second', '--cron', '* * * * * *', '--queue', 'ticks']);
    await w.run(['enqueue', 'work', '1', '--run-at', String(Date.now() - 120_000)]);
    const d = w.driver();
    // Leased a minute ago for one second: expired now.
    await d.claim({
      ns: 'default',
      now: Date.now() - 60_000,
      queue: 'work',
      limit: 1,
      leaseToken: 'L',
      leaseMs: 1_000,
    });
    const r = await w.run(['tick']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /^reclaimed 1, dead 0, expired 0, pruned 0; schedules 1 \(enqueued 1\d\d\); pushed 0 \(failed 0\); handled 0; done in \d+ ms\n$/,
    );
    const second = json(await w.run(['tick', '--json']));
    expect(second).toMatchObject({ reclaimed: 0, schedules: { schedules: 1 }, done: true });
    const ticks = (await d.queues({ ns: 'default', now: Date.now(), queue: 'ticks' }))[0]!.counts;
    expect(ticks.scheduled + ticks.queued).toBeGreaterThanOrEqual(120);
    expect(oneLine(await w.run(['tick', 'now']))).toMatch(/tick takes no arguments/);
  });
});

describe('help, and the store the environment picks', () => {
  it('prints each command’s help (help <command>, --help) and lists them all in edgeq help', async () => {
    const w = workdir();
    const all = await w.run(['help']);
    for (const c of ['enqueue', 'stats', 'jobs', 'dead list|replay', 'schedules', 'tick', 'copy']) {
      expect(all.stdout).toContain(`edgeq ${c}`);
    }
    const names = ['enqueue', 'stats', 'jobs', 'dead', 'schedules', 'tick', 'copy'];
    const runs = await Promise.all(
      names.flatMap((c) => [w.run(['help', c]), w.run([c, '--help'])]),
    );
    names.forEach((c, i) => {
      const [a, b] = [runs[2 * i]!, runs[2 * i + 1]!];
      expect(a.code).toBe(0);
      expect(a.stdout).toMatch(new RegExp(`^Usage: edgeq ${c}`));
      expect(b.stdout).toBe(a.stdout);
    });
    expect(existsSync(join(w.cwd, '.edgeq'))).toBe(false); // help opens no store
  }, 60_000);

  it('a store that cannot be reached is one line and exit code 1; missing settings exit 2', async () => {
    const w = workdir();
    const down = await w.run(['stats'], {
      env: { EDGEQ_DRIVER: 'postgres', DATABASE_URL: 'postgres://postgres:hunter2@127.0.0.1:1/x' },
    });
    expect(down.code).toBe(1);
    expect(oneLine(down)).toMatch(
      /^edgeq stats: the store failed or cannot be reached: .*ECONNREFUSED/,
    );
    expect(down.stderr).not.toContain('hunter2');
    const unset = await w.run(['stats'], { env: { EDGEQ_DRIVER: 'upstash' } });
    expect(unset.code).toBe(2);
    expect(oneLine(unset)).toMatch(/needs UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN/);
  });

  describe('on Postgres and Upstash', () => {
    let upstash: Awaited<ReturnType<typeof upstashEndpoint>>;
    beforeAll(async () => {
      upstash = await upstashEndpoint();
    });
    afterAll(() => upstash?.close());

    it('enqueue, stats and jobs act on the store the environment configures', async () => {
      const w = workdir();
      const pg = pgSchema();
      try {
        for (const env of [pg.env, upstash.prefix().env]) {
          const a = json(await w.run(['enqueue', 'q', '{"n":1}', '--key', 'k', '--json'], { env }));
          const b = json(await w.run(['enqueue', 'q', '{"n":2}', '--key', 'k', '--json'], { env }));
          expect(b).toEqual({ id: a.id, created: false });
          const stats = json(await w.run(['stats', '--json'], { env }));
          expect(stats.queues).toEqual([
            {
              name: 'q',
              paused: false,
              counts: { scheduled: 0, queued: 1, active: 0, completed: 0, dead: 0, cancelled: 0 },
            },
          ]);
          const got = json(await w.run(['jobs', 'get', a.id, '--json'], { env }));
          expect(got).toMatchObject({ id: a.id, payload: { n: 1 }, key: 'k' });
        }
        expect(existsSync(join(w.cwd, '.edgeq'))).toBe(false); // never the default file
      } finally {
        await pg.drop();
      }
    }, 60_000);
  });
});
