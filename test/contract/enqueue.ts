import { describe, expect, it } from 'vitest';
import { DEFAULTS, type DriverSuite, itNeeds, job, T0, useDriver } from './harness.js';

export function enqueueContract(suite: DriverSuite): void {
  describe('enqueue', () => {
    const c = useDriver(suite.factory);

    it('stores a batch in order and reports each job created', async () => {
      const jobs = [job('q'), job('q', { priority: 5 }), job('other')];
      const res = await c.d.enqueue({ ns: c.ns, now: T0, defaults: DEFAULTS, jobs });
      expect(res).toEqual(jobs.map((j) => ({ id: j.id, created: true })));
      const rec = await c.d.get({ ns: c.ns, now: T0, id: jobs[1]!.id });
      expect(rec).toMatchObject({
        id: jobs[1]!.id,
        queue: 'q',
        state: 'queued',
        payload: jobs[1]!.payload,
        priority: 5,
        attempt: 0,
        maxAttempts: 3,
        runAt: T0,
        createdAt: T0,
        updatedAt: T0,
      });
    });

    it('keeps payload text byte for byte', async () => {
      const payload = JSON.stringify({
        s: 'ünïcödé 🚀 "quoted" \\ \n',
        big: 2 ** 53 - 1,
        a: [null],
      });
      const j = job('q', { payload });
      await c.d.enqueue({ ns: c.ns, now: T0, defaults: DEFAULTS, jobs: [j] });
      expect((await c.d.get({ ns: c.ns, now: T0, id: j.id }))?.payload).toBe(payload);
    });

    it('reports a future job as scheduled until its run time', async () => {
      const j = job('q', { runAt: T0 + 5_000 });
      await c.d.enqueue({ ns: c.ns, now: T0, defaults: DEFAULTS, jobs: [j] });
      expect((await c.d.get({ ns: c.ns, now: T0, id: j.id }))?.state).toBe('scheduled');
      expect((await c.d.get({ ns: c.ns, now: T0 + 4_999, id: j.id }))?.state).toBe('scheduled');
      expect((await c.d.get({ ns: c.ns, now: T0 + 5_000, id: j.id }))?.state).toBe('queued');
    });

    it('returns the existing job for a repeated idempotency key', async () => {
      const first = job('q', { key: 'order-1' });
      await c.d.enqueue({ ns: c.ns, now: T0, defaults: DEFAULTS, jobs: [first] });
      const again = await c.d.enqueue({
        ns: c.ns,
        now: T0 + 1,
        defaults: DEFAULTS,
        jobs: [job('q', { key: 'order-1' })],
      });
      expect(again).toEqual([{ id: first.id, created: false }]);
      // The key is per queue: another queue gets its own job.
      const other = job('q2', { key: 'order-1' });
      expect(await c.d.enqueue({ ns: c.ns, now: T0, defaults: DEFAULTS, jobs: [other] })).toEqual([
        { id: other.id, created: true },
      ]);
      const info = await c.d.queues({ ns: c.ns, now: T0, queue: 'q' });
      expect(info[0]?.counts.queued).toBe(1);
    });

    it('deduplicates a key repeated inside one batch', async () => {
      const a = job('q', { key: 'k' });
      const b = job('q', { key: 'k' });
      const res = await c.d.enqueue({
        ns: c.ns,
        now: T0,
        defaults: DEFAULTS,
        jobs: [a, b, job('q')],
      });
      expect(res[0]).toEqual({ id: a.id, created: true });
      expect(res[1]).toEqual({ id: a.id, created: false });
      expect(res[2]?.created).toBe(true);
    });

    it('treats a re-sent id as the same job (a retried call)', async () => {
      const j = job('q');
      await c.d.enqueue({ ns: c.ns, now: T0, defaults: DEFAULTS, jobs: [j] });
      expect(await c.d.enqueue({ ns: c.ns, now: T0, defaults: DEFAULTS, jobs: [j] })).toEqual([
        { id: j.id, created: false },
      ]);
      const info = await c.d.queues({ ns: c.ns, now: T0, queue: 'q' });
      expect(info[0]?.counts.queued).toBe(1);
    });

    it('frees an idempotency key once its job is pruned', async () => {
      const j = job('q', { key: 'once' });
      await c.d.enqueue({ ns: c.ns, now: T0, defaults: DEFAULTS, jobs: [j] });
      const [claimed] = (
        await c.d.claim({ ns: c.ns, now: T0, queue: 'q', limit: 1, leaseToken: 'tok' })
      ).jobs;
      await c.d.ack({ ns: c.ns, now: T0, acks: [{ id: claimed!.id, leaseToken: 'tok' }] });
      await c.d.prune({ ns: c.ns, now: T0 + 10, finishedBefore: T0 + 1, deadBefore: 0, limit: 10 });
      const again = job('q', { key: 'once' });
      expect(
        await c.d.enqueue({ ns: c.ns, now: T0 + 20, defaults: DEFAULTS, jobs: [again] }),
      ).toEqual([{ id: again.id, created: true }]);
    });

    itNeeds(suite, 'roundTrips', 'stores a batch of 100 in one round trip', async () => {
      const before = c.fx.roundTrips!();
      const jobs = Array.from({ length: 100 }, (_, i) => job('q', i % 3 ? {} : { key: `k${i}` }));
      await c.d.enqueue({ ns: c.ns, now: T0, defaults: DEFAULTS, jobs });
      expect(c.fx.roundTrips!() - before).toBe(1);
    });
  });
}
