import { describe, expect, it } from 'vitest';
import { type DriverSuite, itNeeds, job, NO_JITTER, T0, useDriver } from './harness.js';

/** Namespaces, capabilities, and what holds across driver instances over one store. */
export function isolationContract(suite: DriverSuite): void {
  describe('namespaces and instances', () => {
    const c = useDriver(suite.factory);

    it('declares its name and the capabilities the suite was told', () => {
      expect(c.d.name).toBe(suite.name);
      expect(c.d.capabilities).toEqual(suite.capabilities);
      return Promise.resolve();
    });

    it('keeps namespaces apart in every operation', async () => {
      const other = `${c.ns}-b`;
      const j = job('q', { key: 'k' });
      await c.d.enqueue({ ns: c.ns, now: T0, jobs: [j] });
      // The same key in another namespace is another job.
      const o = job('q', { key: 'k' });
      expect(await c.d.enqueue({ ns: other, now: T0, jobs: [o] })).toEqual([
        { id: o.id, created: true },
      ]);
      await c.d.cancel({ ns: other, now: T0, id: o.id });
      expect(await c.d.get({ ns: other, now: T0, id: j.id })).toBeNull();
      expect(await c.d.cancel({ ns: other, now: T0, id: j.id })).toEqual({
        ok: false,
        error: 'not_found',
      });
      expect(
        (await c.d.claim({ ns: other, now: T0, queue: 'q', limit: 9, leaseToken: 'x' })).jobs,
      ).toEqual([]);
      const mine = await c.d.claim({ ns: c.ns, now: T0, queue: 'q', limit: 9, leaseToken: 'L' });
      expect(mine.jobs.map((x) => x.id)).toEqual([j.id]);
      const theirs = await c.d.ack({ ns: other, now: T0, acks: [{ id: j.id, leaseToken: 'L' }] });
      expect(theirs.acks[0]).toEqual({ id: j.id, ok: false, error: 'not_found' });
      const counts = await c.d.queues({ ns: other, now: T0 });
      expect(counts.map((q) => [q.name, q.counts.cancelled, q.counts.active])).toEqual([
        ['q', 1, 0],
      ]);
      await c.d.setPaused({ ns: other, now: T0, queue: 'q', paused: true });
      expect((await c.d.queues({ ns: c.ns, now: T0 }))[0]?.paused).toBe(false);
      expect(await c.d.list({ ns: other, now: T0, queue: 'q', state: 'active', limit: 5 })).toEqual(
        {
          jobs: [],
        },
      );
    });

    it('reclaims across every namespace when none is named', async () => {
      const other = `${c.ns}-b`;
      for (const ns of [c.ns, other]) {
        await c.d.enqueue({ ns, now: T0, jobs: [job('q')] });
        await c.d.claim({ ns, now: T0, queue: 'q', limit: 1, leaseToken: 'L', leaseMs: 1_000 });
      }
      const r = await c.d.reclaim({ now: T0 + 1_001, limit: 1_000, backoff: NO_JITTER });
      expect(r.requeued).toBeGreaterThanOrEqual(2);
    });

    itNeeds(suite, 'durable', 'keeps jobs across a new driver instance', async () => {
      const j = job('q');
      await c.d.enqueue({ ns: c.ns, now: T0, jobs: [j] });
      const again = await c.fx.reopen!();
      try {
        expect((await again.get({ ns: c.ns, now: T0, id: j.id }))?.state).toBe('queued');
      } finally {
        await again.close();
      }
    });

    itNeeds(suite, 'shared', 'two instances over one store lease each job once', async () => {
      const jobs = Array.from({ length: 40 }, () => job('q'));
      await c.d.enqueue({ ns: c.ns, now: T0, jobs });
      const second = await c.fx.reopen!();
      try {
        const seen: string[] = [];
        await Promise.all(
          [c.d, second, c.d, second].map(async (d) => {
            for (;;) {
              const r = await d.claim({ ns: c.ns, now: T0, queue: 'q', limit: 3, leaseToken: 'x' });
              if (!r.jobs.length) return;
              seen.push(...r.jobs.map((x) => x.id));
            }
          }),
        );
        expect(seen.sort()).toEqual(jobs.map((x) => x.id).sort());
      } finally {
        await second.close();
      }
    });
  });
}
