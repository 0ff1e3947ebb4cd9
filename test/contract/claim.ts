import { describe, expect, it } from 'vitest';
import { DEFAULTS, type DriverSuite, itNeeds, job, T0, token, useDriver } from './harness.js';

export function claimContract(suite: DriverSuite): void {
  describe('claim', () => {
    const c = useDriver(suite.factory);
    const claim = (queue: string, limit: number, now = T0, extra = {}) =>
      c.d.claim({ ns: c.ns, now, queue, limit, leaseToken: token(), ...extra });

    it('returns nothing from an empty or unknown queue', async () => {
      expect(await claim('nope', 10)).toEqual({ jobs: [], acks: [] });
    });

    it('leases jobs: priority first, then run time, then FIFO', async () => {
      const low1 = job('q');
      const low2 = job('q');
      const high = job('q', { priority: 10 });
      const neg = job('q', { priority: -1 });
      const earlier = job('q', { runAt: T0 - 1_000 });
      await c.d.enqueue({
        ns: c.ns,
        now: T0 - 2_000,
        defaults: DEFAULTS,
        jobs: [low1, low2, high, neg, earlier],
      });
      const res = await claim('q', 10);
      expect(res.jobs.map((j) => j.id)).toEqual([high.id, earlier.id, low1.id, low2.id, neg.id]);
    });

    it('leases each job to one claimer with a token, an expiry and attempt 1', async () => {
      const jobs = [job('q', { leaseMs: 5_000 }), job('q'), job('q')];
      await c.d.enqueue({ ns: c.ns, now: T0, defaults: DEFAULTS, jobs });
      const a = await c.d.claim({ ns: c.ns, now: T0, queue: 'q', limit: 2, leaseToken: 'A' });
      expect(a.jobs).toHaveLength(2);
      expect(a.jobs[0]).toEqual({
        id: jobs[0]!.id,
        queue: 'q',
        payload: jobs[0]!.payload,
        priority: 0,
        attempt: 1,
        maxAttempts: 3,
        leaseToken: 'A',
        leaseExpiresAt: T0 + 5_000,
        createdAt: T0,
      });
      const b = await c.d.claim({ ns: c.ns, now: T0, queue: 'q', limit: 5, leaseToken: 'B' });
      expect(b.jobs.map((j) => j.id)).toEqual([jobs[2]!.id]);
      expect((await claim('q', 5)).jobs).toEqual([]);
      expect((await c.d.get({ ns: c.ns, now: T0, id: jobs[0]!.id }))?.state).toBe('active');
    });

    it('uses the claim lease length over the job default', async () => {
      await c.d.enqueue({ ns: c.ns, now: T0, defaults: DEFAULTS, jobs: [job('q')] });
      const res = await claim('q', 1, T0, { leaseMs: 2_000 });
      expect(res.jobs[0]?.leaseExpiresAt).toBe(T0 + 2_000);
    });

    it('skips jobs that are not due; due exactly at run time', async () => {
      const later = job('q', { runAt: T0 + 1_000 });
      await c.d.enqueue({ ns: c.ns, now: T0, defaults: DEFAULTS, jobs: [later] });
      expect((await claim('q', 1, T0 + 999)).jobs).toEqual([]);
      expect((await claim('q', 1, T0 + 1_000)).jobs.map((j) => j.id)).toEqual([later.id]);
    });

    it('serves a due job behind a not-yet-due one of higher priority', async () => {
      const future = job('q', { priority: 9, runAt: T0 + 60_000 });
      const due = job('q');
      await c.d.enqueue({ ns: c.ns, now: T0, defaults: DEFAULTS, jobs: [future, due] });
      expect((await claim('q', 5)).jobs.map((j) => j.id)).toEqual([due.id]);
    });

    it('skips a paused queue until it is resumed', async () => {
      await c.d.enqueue({ ns: c.ns, now: T0, defaults: DEFAULTS, jobs: [job('q'), job('other')] });
      await c.d.setPaused({ ns: c.ns, now: T0, queue: 'q', paused: true });
      expect((await claim('q', 5)).jobs).toEqual([]);
      expect((await claim('other', 5)).jobs).toHaveLength(1);
      await c.d.setPaused({ ns: c.ns, now: T0, queue: 'q', paused: false });
      expect((await claim('q', 5)).jobs).toHaveLength(1);
    });

    it('applies the acks it carries, then claims, reporting each ack', async () => {
      const jobs = [job('q'), job('q'), job('q')];
      await c.d.enqueue({ ns: c.ns, now: T0, defaults: DEFAULTS, jobs });
      const first = await c.d.claim({ ns: c.ns, now: T0, queue: 'q', limit: 2, leaseToken: 'A' });
      const res = await c.d.claim({
        ns: c.ns,
        now: T0 + 1,
        queue: 'q',
        limit: 5,
        leaseToken: 'B',
        acks: [
          { id: first.jobs[0]!.id, leaseToken: 'A', result: '"done"' },
          { id: first.jobs[1]!.id, leaseToken: 'WRONG' },
        ],
      });
      expect(res.acks).toEqual([
        { id: first.jobs[0]!.id, ok: true },
        { id: first.jobs[1]!.id, ok: false, error: 'lease_lost' },
      ]);
      expect(res.jobs.map((j) => j.id)).toEqual([jobs[2]!.id]);
      const done = await c.d.get({ ns: c.ns, now: T0 + 1, id: first.jobs[0]!.id });
      expect(done).toMatchObject({ state: 'completed', result: '"done"', finishedAt: T0 + 1 });
    });

    it('hands out every job exactly once to concurrent claimers', async () => {
      const jobs = Array.from({ length: 300 }, () => job('q'));
      await c.d.enqueue({ ns: c.ns, now: T0, defaults: DEFAULTS, jobs });
      const seen: string[] = [];
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          for (;;) {
            const res = await claim('q', 7);
            if (res.jobs.length === 0) return;
            seen.push(...res.jobs.map((j) => j.id));
          }
        }),
      );
      expect(seen).toHaveLength(300);
      expect(new Set(seen).size).toBe(300);
    });

    itNeeds(suite, 'roundTrips', 'claims a batch with acks in one round trip', async () => {
      await c.d.enqueue({
        ns: c.ns,
        now: T0,
        defaults: DEFAULTS,
        jobs: Array.from({ length: 20 }, () => job('q')),
      });
      const first = await claim('q', 10);
      const before = c.fx.roundTrips!();
      const acks = first.jobs.map((j) => ({ id: j.id, leaseToken: j.leaseToken }));
      const res = await claim('q', 10, T0, { acks });
      expect(c.fx.roundTrips!() - before).toBe(1);
      expect(res.jobs).toHaveLength(10);
      expect(res.acks.every((a) => a.ok)).toBe(true);
    });
  });
}
