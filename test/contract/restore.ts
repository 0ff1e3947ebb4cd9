import { describe, expect, it } from 'vitest';
import type { JobState, RestoreJob } from '../../src/drivers/types.js';
import {
  DEFAULTS,
  type DriverSuite,
  itNeeds,
  job,
  RETRY,
  T0,
  token,
  useDriver,
} from './harness.js';

/** A job as another store reported it: waiting and due at T0 unless `over` says otherwise. */
function rec(queue: string, over: Partial<RestoreJob> = {}): RestoreJob {
  const j = job(queue);
  return {
    id: j.id,
    queue,
    state: 'queued',
    payload: j.payload,
    priority: 0,
    attempt: 0,
    maxAttempts: 3,
    runAt: T0 - 1_000,
    createdAt: T0 - 5_000,
    updatedAt: T0 - 2_000,
    leaseMs: 30_000,
    ...over,
  };
}

const dead = (queue: string, over: Partial<RestoreJob> = {}) =>
  rec(queue, { state: 'dead', attempt: 3, finishedAt: T0 - 500, lastError: 'boom', ...over });

/**
 * `restore` (what `edgeq copy` writes with): jobs keep their id, state, attempts, times, keys and
 * retry settings, and every index the driver keeps treats them as if enqueue and claim had put
 * them there. Also what copy reads with: get and list report `leaseMs` and `backoff`.
 */
export function restoreContract(suite: DriverSuite): void {
  describe('restore', () => {
    const c = useDriver(suite.factory);
    const restore = (jobs: RestoreJob[], now = T0, opId?: string) =>
      c.d.restore({ ns: c.ns, now, jobs, ...(opId ? { opId } : {}) });
    const claim = (queue: string, limit: number, now = T0) =>
      c.d.claim({ ns: c.ns, now, queue, limit, leaseToken: token(), limits: {} });
    const get = (id: string, now = T0) => c.d.get({ ns: c.ns, now, id });
    const ids = (r: { jobs: { id: string }[] }) => r.jobs.map((j) => j.id);

    it('get and list report the resolved lease length and the job’s own backoff', async () => {
      const own = job('q', { leaseMs: 12_000, backoff: { baseMs: 10, maxMs: 80, jitter: 0.25 } });
      const { leaseMs: _, maxAttempts: __, ...bare } = job('q');
      await c.d.enqueue({ ns: c.ns, now: T0, defaults: DEFAULTS, jobs: [own, bare] });
      expect(await get(own.id)).toMatchObject({
        leaseMs: 12_000,
        backoff: { baseMs: 10, maxMs: 80, jitter: 0.25 },
      });
      const listed = await c.d.list({ ns: c.ns, now: T0, queue: 'q', state: 'queued', limit: 5 });
      expect(listed.jobs.map((j) => [j.leaseMs, j.backoff])).toEqual([
        [12_000, { baseMs: 10, maxMs: 80, jitter: 0.25 }],
        [DEFAULTS.leaseMs, undefined],
      ]);
    });

    it('writes each job as it was: get reports the same record', async () => {
      const payload = JSON.stringify({ s: 'ünïcödé 🚀 "q" \\ \n', n: 2 ** 53 - 1 });
      const jobs: RestoreJob[] = [
        rec('q', {
          payload,
          priority: 7,
          attempt: 2,
          maxAttempts: 9,
          lastError: 'timeout',
          key: 'order-1',
          group: 'tenant-a',
          expiresAt: T0 + 3_600_000,
          leaseMs: 45_000,
          backoff: { delaysMs: [5, 10] },
        }),
        rec('q', { state: 'scheduled', runAt: T0 + 60_000, debounceKey: 'd1' }),
        dead('q', { key: 'order-2', backoff: { baseMs: 1, maxMs: 2, jitter: 0 } }),
        rec('q', { state: 'completed', attempt: 1, result: '{"ok":true}', finishedAt: T0 - 9 }),
        rec('q', { state: 'cancelled', finishedAt: T0 - 8, group: 'tenant-b' }),
      ];
      expect(await restore(jobs)).toEqual({ restored: 5, skipped: 0, conflicts: [] });
      for (const j of jobs) expect(await get(j.id)).toEqual(j);
    });

    it('claims waiting jobs at their run time, with their attempts, lease and backoff', async () => {
      const due = rec('q', {
        attempt: 1,
        leaseMs: 45_000,
        group: 'g',
        backoff: { delaysMs: [7_000] },
      });
      const later = rec('q', { state: 'scheduled', runAt: T0 + 60_000 });
      await restore([due, later]);
      const first = await claim('q', 10);
      expect(first.jobs).toMatchObject([
        { id: due.id, attempt: 2, leaseExpiresAt: T0 + 45_000, group: 'g' },
      ]);
      // The job's own backoff, not the call's, sets the retry.
      const lease = first.jobs[0]!.leaseToken;
      expect(
        await c.d.nack({ ns: c.ns, now: T0, id: due.id, leaseToken: lease, ...RETRY }),
      ).toEqual({ ok: true, state: 'queued', runAt: T0 + 7_000 });
      expect(ids(await claim('q', 10, T0 + 59_999))).toEqual([due.id]);
      expect(ids(await claim('q', 10, T0 + 60_000))).toEqual([later.id]);
    });

    it('lists dead jobs with their error, and replays them', async () => {
      const jobs = [dead('q'), dead('q', { lastError: 'bad input' })];
      await restore(jobs);
      const listed = await c.d.list({ ns: c.ns, now: T0, queue: 'q', state: 'dead', limit: 10 });
      expect(listed.jobs.map((j) => [j.id, j.lastError])).toEqual([
        [jobs[0]!.id, 'boom'],
        [jobs[1]!.id, 'bad input'],
      ]);
      expect(await c.d.replayDead({ ns: c.ns, now: T0, queue: 'q', limit: 10 })).toEqual({
        replayed: 2,
      });
      const again = await claim('q', 10);
      expect(again.jobs.map((j) => [j.id, j.attempt])).toEqual(jobs.map((j) => [j.id, 1]));
    });

    it('keeps idempotency keys; a key another job holds is a conflict, not a write', async () => {
      const held = dead('q', { key: 'k' });
      await restore([held]);
      const same = job('q', { key: 'k' });
      expect(await c.d.enqueue({ ns: c.ns, now: T0, defaults: DEFAULTS, jobs: [same] })).toEqual([
        { id: held.id, created: false },
      ]);
      const owner = job('q', { key: 'k2' });
      await c.d.enqueue({ ns: c.ns, now: T0, defaults: DEFAULTS, jobs: [owner] });
      const clash = rec('q', { key: 'k2' });
      const free = rec('q', { key: 'k3' });
      expect(await restore([clash, free])).toEqual({
        restored: 1,
        skipped: 0,
        conflicts: [clash.id],
      });
      expect(await get(clash.id)).toBeNull();
      expect((await get(free.id))?.key).toBe('k3');
    });

    it('skips ids it already holds, changing nothing, and the counts add up', async () => {
      const jobs = [
        ...Array.from({ length: 10 }, (_, i) => rec(i % 2 ? 'a' : 'b', { group: `g${i % 3}` })),
        ...Array.from({ length: 5 }, () => rec('a', { state: 'scheduled', runAt: T0 + 1_000 })),
        ...Array.from({ length: 4 }, (_, i) => dead('b', { key: `d${i}` })),
        ...Array.from({ length: 2 }, () => rec('a', { state: 'completed', finishedAt: T0 - 1 })),
        rec('b', { state: 'cancelled', finishedAt: T0 - 1 }),
      ];
      expect(await restore(jobs)).toEqual({ restored: 22, skipped: 0, conflicts: [] });
      const counts = (scheduled: number, queued: number, completed: number, d: number, x: number) =>
        ({ scheduled, queued, active: 0, completed, dead: d, cancelled: x }) as Record<
          JobState,
          number
        >;
      const expected = [
        { name: 'a', paused: false, counts: counts(5, 5, 2, 0, 0) },
        { name: 'b', paused: false, counts: counts(0, 5, 0, 4, 1) },
      ];
      expect(await c.d.queues({ ns: c.ns, now: T0 })).toEqual(expected);
      expect(await restore(jobs, T0 + 10)).toEqual({ restored: 0, skipped: 22, conflicts: [] });
      expect(await c.d.queues({ ns: c.ns, now: T0 })).toEqual(expected);
      // Each waiting job is claimed exactly once.
      const a = await claim('a', 100, T0 + 1_000);
      const b = await claim('b', 100, T0 + 1_000);
      expect(a.jobs).toHaveLength(10);
      expect(b.jobs).toHaveLength(5);
      expect((await claim('a', 100, T0 + 2_000)).jobs).toEqual([]);
    });

    it('puts grouped jobs in the rotation and under the group limits', async () => {
      const jobs = [
        ...['a', 'a', 'a', 'b', 'b', 'b'].map((group) => rec('q', { group })),
        rec('q'),
        rec('q'),
      ];
      await restore(jobs);
      // One job per key per round: '', a, b.
      const first = await claim('q', 3);
      expect(first.jobs.map((j) => j.group ?? '').sort()).toEqual(['', 'a', 'b']);
      const limited = await c.d.claim({
        ns: c.ns,
        now: T0,
        queue: 'q',
        limit: 10,
        leaseToken: token(),
        limits: { groupConcurrency: 1 },
      });
      // a and b each hold a live lease; jobs without a group are not group-limited.
      expect(limited.jobs.map((j) => j.group ?? '')).toEqual(['']);
      expect((await claim('q', 10)).jobs).toHaveLength(4);
    });

    it('a restored job that never ran takes later enqueues of its debounce key', async () => {
      const target = rec('q', { state: 'scheduled', runAt: T0 + 5_000, debounceKey: 'd' });
      const retried = rec('q', { attempt: 1, debounceKey: 'e' });
      await restore([target, retried]);
      const merge = job('q', { debounceKey: 'd', runAt: T0 + 10_000, payload: '"last"' });
      const fresh = job('q', { debounceKey: 'e' });
      expect(
        await c.d.enqueue({ ns: c.ns, now: T0, defaults: DEFAULTS, jobs: [merge, fresh] }),
      ).toEqual([
        { id: target.id, created: false, debounced: true },
        { id: fresh.id, created: true },
      ]);
      expect(await get(target.id)).toMatchObject({ payload: '"last"', runAt: T0 + 10_000 });
    });

    it('leaves a debounce key with the merge target the store already has', async () => {
      const existing = job('q', { debounceKey: 'd', runAt: T0 + 5_000 });
      await c.d.enqueue({ ns: c.ns, now: T0, defaults: DEFAULTS, jobs: [existing] });
      const copied = rec('q', { debounceKey: 'd' });
      expect(await restore([copied])).toEqual({ restored: 1, skipped: 0, conflicts: [] });
      const next = job('q', { debounceKey: 'd', runAt: T0 + 6_000 });
      expect(await c.d.enqueue({ ns: c.ns, now: T0, defaults: DEFAULTS, jobs: [next] })).toEqual([
        { id: existing.id, created: false, debounced: true },
      ]);
      expect(ids(await claim('q', 10))).toEqual([copied.id]);
    });

    it('dead-letters a restored waiting job past its deadline at the next reclaim', async () => {
      const late = rec('q', { runAt: T0 - 2_000, expiresAt: T0 - 1_000 });
      await restore([late]);
      expect((await claim('q', 10)).jobs).toEqual([]);
      expect(await c.d.reclaim({ now: T0, limit: 10, ns: c.ns, ...RETRY })).toEqual({
        requeued: 0,
        dead: 0,
        expired: 1,
      });
      expect(await get(late.id)).toMatchObject({ state: 'dead', lastError: 'expired' });
    });

    it('prunes restored finished jobs by their own finish time', async () => {
      const old = [
        rec('q', { state: 'completed', finishedAt: T0 - 10_000 }),
        dead('q', { finishedAt: T0 - 10_000, key: 'gone' }),
      ];
      const recent = rec('q', { state: 'completed', finishedAt: T0 });
      await restore([...old, recent]);
      const pruned = await c.d.prune({
        now: T0,
        finishedBefore: T0 - 1,
        deadBefore: T0 - 1,
        limit: 10,
        ns: c.ns,
      });
      expect(pruned).toEqual({ pruned: 2 });
      expect(await get(recent.id)).not.toBeNull();
      // The pruned dead job's key is free again.
      const again = job('q', { key: 'gone' });
      expect(await c.d.enqueue({ ns: c.ns, now: T0, defaults: DEFAULTS, jobs: [again] })).toEqual([
        { id: again.id, created: true },
      ]);
    });

    it('refuses an active job (a lease cannot move between stores)', async () => {
      const active = { ...rec('q'), state: 'active' } as unknown as RestoreJob;
      await expect(restore([rec('q'), active])).rejects.toThrow(/active/);
      expect(await c.d.queues({ ns: c.ns, now: T0 })).toEqual([]);
    });

    it('lists the namespaces that hold jobs or configuration', async () => {
      if (!c.d.namespaces) throw new Error(`${suite.name} has no namespaces()`);
      const other = `${c.ns}-b`;
      await restore([rec('q')]);
      await c.d.putConfig({ ns: other, now: T0, kind: 'schedule', name: 's', value: '{}' });
      await get('none', T0); // a read stores nothing
      const names = await c.d.namespaces();
      expect(names).toEqual([...names].sort());
      expect(names).toEqual(expect.arrayContaining([c.ns, other]));
      expect(names.filter((n) => n.startsWith(c.ns))).toEqual([c.ns, other]);
    });

    itNeeds(suite, 'roundTrips', 'restores a batch of 1,000 in one round trip', async () => {
      const jobs = Array.from({ length: 1_000 }, (_, i) =>
        i % 4 === 3
          ? dead('q', { key: `k${i}` })
          : rec('q', { group: `g${i % 7}`, ...(i % 5 ? {} : { key: `k${i}` }) }),
      );
      const before = c.fx.roundTrips!();
      expect(await restore(jobs)).toEqual({ restored: 1_000, skipped: 0, conflicts: [] });
      expect(c.fx.roundTrips!() - before).toBe(1);
    });

    itNeeds(suite, 'replaySafe', 'answers a re-run of the same call as the first run', async () => {
      const jobs = [rec('q'), dead('q')];
      const first = await restore(jobs, T0, 'op-1');
      expect(first).toEqual({ restored: 2, skipped: 0, conflicts: [] });
      expect(await restore(jobs, T0, 'op-1')).toEqual(first);
      expect(await restore(jobs, T0, 'op-2')).toEqual({ restored: 0, skipped: 2, conflicts: [] });
      expect((await c.d.queues({ ns: c.ns, now: T0 }))[0]?.counts).toMatchObject({
        queued: 1,
        dead: 1,
      });
    });
  });
}
