import { describe, expect, it } from 'vitest';
import type { JobState } from '../../src/drivers/types.js';
import { DEFAULTS, type DriverSuite, job, RETRY, T0, useDriver } from './harness.js';

/** Reading and tending a queue: get, list, counts, pause, dead letters, cancel, prune. */
export function adminContract(suite: DriverSuite): void {
  describe('get, list, counts, pause, dead letters, cancel, prune', () => {
    const c = useDriver(suite.factory);

    /** One job in each state of queue `q`. */
    async function oneOfEach() {
      const [scheduled, queued, active, completed, dead, cancelled] = [
        job('q', { runAt: T0 + 60_000 }),
        job('q', { priority: -5 }),
        job('q', { priority: 3 }),
        job('q', { priority: 2 }),
        job('q', { priority: 1 }),
        job('q', { priority: 0 }),
      ];
      const all = [scheduled!, queued!, active!, completed!, dead!, cancelled!];
      await c.d.enqueue({ ns: c.ns, now: T0, defaults: DEFAULTS, jobs: all });
      await c.d.cancel({ ns: c.ns, now: T0, id: cancelled!.id });
      const r = await c.d.claim({ ns: c.ns, now: T0, queue: 'q', limit: 3, leaseToken: 'L' });
      expect(r.jobs.map((j) => j.id)).toEqual([active!.id, completed!.id, dead!.id]);
      await c.d.ack({ ns: c.ns, now: T0, acks: [{ id: completed!.id, leaseToken: 'L' }] });
      await c.d.nack({
        ns: c.ns,
        now: T0,
        id: dead!.id,
        leaseToken: 'L',
        dead: true,
        error: 'bad input',
        ...RETRY,
      });
      return { scheduled, queued, active, completed, dead, cancelled } as Record<
        JobState,
        { id: string }
      >;
    }

    it('gets a job without its lease token; null when unknown', async () => {
      const jobs = await oneOfEach();
      const rec = await c.d.get({ ns: c.ns, now: T0, id: jobs.active.id });
      expect(rec?.state).toBe('active');
      expect(rec?.leaseExpiresAt).toBe(T0 + 30_000);
      expect(JSON.stringify(rec)).not.toContain('"L"');
      expect(Object.keys(rec ?? {})).not.toContain('leaseToken');
      expect(await c.d.get({ ns: c.ns, now: T0, id: 'nope' })).toBeNull();
    });

    it('counts jobs by state per queue', async () => {
      await oneOfEach();
      await c.d.enqueue({ ns: c.ns, now: T0, defaults: DEFAULTS, jobs: [job('b')] });
      const infos = await c.d.queues({ ns: c.ns, now: T0 });
      expect(infos).toEqual([
        {
          name: 'b',
          paused: false,
          counts: { scheduled: 0, queued: 1, active: 0, completed: 0, dead: 0, cancelled: 0 },
        },
        {
          name: 'q',
          paused: false,
          counts: { scheduled: 1, queued: 1, active: 1, completed: 1, dead: 1, cancelled: 1 },
        },
      ]);
      // Time moves the scheduled job into queued.
      const later = await c.d.queues({ ns: c.ns, now: T0 + 60_000, queue: 'q' });
      expect(later[0]?.counts).toMatchObject({ scheduled: 0, queued: 2 });
    });

    it('lists each state, and the queue shows paused', async () => {
      const jobs = await oneOfEach();
      for (const state of Object.keys(jobs) as JobState[]) {
        const r = await c.d.list({ ns: c.ns, now: T0, queue: 'q', state, limit: 10 });
        expect(r.jobs.map((j) => [j.id, j.state])).toEqual([[jobs[state].id, state]]);
        expect(r.cursor).toBeUndefined();
      }
      const dead = await c.d.list({ ns: c.ns, now: T0, queue: 'q', state: 'dead', limit: 10 });
      expect(dead.jobs[0]?.lastError).toBe('bad input');
      await c.d.setPaused({ ns: c.ns, now: T0, queue: 'q', paused: true });
      expect((await c.d.queues({ ns: c.ns, now: T0, queue: 'q' }))[0]?.paused).toBe(true);
    });

    it('pages through a long list with a cursor, each job once, in id order', async () => {
      const jobs = Array.from({ length: 25 }, () => job('q'));
      await c.d.enqueue({ ns: c.ns, now: T0, defaults: DEFAULTS, jobs });
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const r = await c.d.list({
          ns: c.ns,
          now: T0,
          queue: 'q',
          state: 'queued',
          limit: 10,
          ...(cursor ? { cursor } : {}),
        });
        seen.push(...r.jobs.map((j) => j.id));
        cursor = r.cursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen).toEqual(jobs.map((j) => j.id).sort());
    });

    it('replays dead jobs by id or all, with fresh attempts', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const j = job('q', { maxAttempts: 1 });
        ids.push(j.id);
        await c.d.enqueue({ ns: c.ns, now: T0, defaults: DEFAULTS, jobs: [j] });
        await c.d.claim({ ns: c.ns, now: T0, queue: 'q', limit: 1, leaseToken: `L${i}` });
        await c.d.nack({ ns: c.ns, now: T0, id: j.id, leaseToken: `L${i}`, ...RETRY });
      }
      const one = await c.d.replayDead({
        ns: c.ns,
        now: T0 + 1,
        queue: 'q',
        ids: [ids[1]!, 'x'],
        limit: 2,
      });
      expect(one).toEqual({ replayed: 1 });
      expect(await c.d.get({ ns: c.ns, now: T0 + 1, id: ids[1]! })).toMatchObject({
        state: 'queued',
        attempt: 0,
        runAt: T0 + 1,
      });
      // A replay in another queue's name touches nothing.
      expect(await c.d.replayDead({ ns: c.ns, now: T0, queue: 'other', limit: 10 })).toEqual({
        replayed: 0,
      });
      expect(await c.d.replayDead({ ns: c.ns, now: T0 + 2, queue: 'q', limit: 1 })).toEqual({
        replayed: 1,
      });
      expect(await c.d.replayDead({ ns: c.ns, now: T0 + 2, queue: 'q', limit: 10 })).toEqual({
        replayed: 1,
      });
      const r = await c.d.claim({
        ns: c.ns,
        now: T0 + 3,
        queue: 'q',
        limit: 10,
        leaseToken: 'FINAL',
      });
      expect(r.jobs.map((j) => j.id).sort()).toEqual([...ids].sort());
      expect(r.jobs.every((j) => j.attempt === 1)).toBe(true);
    });

    it('cancels waiting jobs only; a cancelled job is never claimed', async () => {
      const jobs = await oneOfEach();
      const cancel = (id: string) => c.d.cancel({ ns: c.ns, now: T0 + 1, id });
      expect(await cancel(jobs.queued.id)).toEqual({ ok: true });
      expect(await cancel(jobs.scheduled.id)).toEqual({ ok: true });
      expect(await cancel(jobs.cancelled.id)).toEqual({ ok: true });
      expect(await cancel(jobs.active.id)).toEqual({
        ok: false,
        error: 'conflict',
        state: 'active',
      });
      expect(await cancel(jobs.completed.id)).toEqual({
        ok: false,
        error: 'conflict',
        state: 'completed',
      });
      expect(await cancel(jobs.dead.id)).toEqual({ ok: false, error: 'conflict', state: 'dead' });
      expect(await cancel('missing')).toEqual({ ok: false, error: 'not_found' });
      const r = await c.d.claim({
        ns: c.ns,
        now: T0 + 3_600_000,
        queue: 'q',
        limit: 10,
        leaseToken: 'x',
      });
      expect(r.jobs).toEqual([]);
      expect(await c.d.get({ ns: c.ns, now: T0 + 1, id: jobs.queued.id })).toMatchObject({
        state: 'cancelled',
        finishedAt: T0 + 1,
      });
    });

    it('prunes finished jobs past their retention, bounded, never live ones', async () => {
      const jobs = await oneOfEach();
      const prune = (now: number, limit = 100) =>
        c.d.prune({ ns: c.ns, now, finishedBefore: now - 1_000, deadBefore: now - 5_000, limit });
      expect(await prune(T0 + 1_000)).toEqual({ pruned: 0 });
      // Completed and cancelled expire after 1 s, dead after 5 s.
      expect(await prune(T0 + 1_001, 1)).toEqual({ pruned: 1 });
      expect(await prune(T0 + 1_001)).toEqual({ pruned: 1 });
      expect(await c.d.get({ ns: c.ns, now: T0, id: jobs.completed.id })).toBeNull();
      expect(await c.d.get({ ns: c.ns, now: T0, id: jobs.cancelled.id })).toBeNull();
      expect((await c.d.get({ ns: c.ns, now: T0, id: jobs.dead.id }))?.state).toBe('dead');
      expect(await prune(T0 + 5_001)).toEqual({ pruned: 1 });
      expect(await prune(T0 + 10 ** 9)).toEqual({ pruned: 0 });
      const left = await c.d.queues({ ns: c.ns, now: T0, queue: 'q' });
      expect(left[0]?.counts).toEqual({
        scheduled: 1,
        queued: 1,
        active: 1,
        completed: 0,
        dead: 0,
        cancelled: 0,
      });
    });
  });
}
