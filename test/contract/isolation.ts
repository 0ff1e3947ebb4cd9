import { describe, expect, it } from 'vitest';
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
      await c.d.enqueue({ ns: c.ns, now: T0, defaults: DEFAULTS, jobs: [j] });
      // The same key in another namespace is another job.
      const o = job('q', { key: 'k' });
      expect(await c.d.enqueue({ ns: other, now: T0, defaults: DEFAULTS, jobs: [o] })).toEqual([
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
        await c.d.enqueue({ ns, now: T0, defaults: DEFAULTS, jobs: [job('q')] });
        await c.d.claim({ ns, now: T0, queue: 'q', limit: 1, leaseToken: 'L', leaseMs: 1_000 });
      }
      const r = await c.d.reclaim({ now: T0 + 1_001, limit: 1_000, ...RETRY });
      expect(r.requeued).toBeGreaterThanOrEqual(2);
    });

    itNeeds(
      suite,
      'replaySafe',
      're-running a call with the same identity repeats its answer',
      async () => {
        const j = job('q', { key: 'rk' });
        const first = await c.d.enqueue({
          ns: c.ns,
          now: T0,
          defaults: DEFAULTS,
          jobs: [j],
          opId: 'op-enq',
        });
        expect(
          await c.d.enqueue({ ns: c.ns, now: T0, defaults: DEFAULTS, jobs: [j], opId: 'op-enq' }),
        ).toEqual(first);
        expect(first).toEqual([{ id: j.id, created: true }]);
        // A different call with the same key is not a re-run.
        const other = await c.d.enqueue({
          ns: c.ns,
          now: T0,
          defaults: DEFAULTS,
          jobs: [job('q', { key: 'rk' })],
          opId: 'op-2',
        });
        expect(other).toEqual([{ id: j.id, created: false }]);

        const claim = () =>
          c.d.claim({ ns: c.ns, now: T0, queue: 'q', limit: 5, leaseToken: 'CLAIM-1' });
        const c1 = await claim();
        expect(await claim()).toEqual(c1);
        expect(c1.jobs.map((x) => x.id)).toEqual([j.id]);

        const ack = () =>
          c.d.ack({
            ns: c.ns,
            now: T0,
            opId: 'op-ack',
            acks: [{ id: j.id, leaseToken: 'CLAIM-1', result: '1' }],
          });
        expect((await ack()).acks).toEqual([{ id: j.id, ok: true }]);
        expect((await ack()).acks).toEqual([{ id: j.id, ok: true }]);
        // Another ack call with the same token is a second ack, and fails.
        const second = await c.d.ack({
          ns: c.ns,
          now: T0,
          opId: 'op-other',
          acks: [{ id: j.id, leaseToken: 'CLAIM-1' }],
        });
        expect(second.acks).toEqual([{ id: j.id, ok: false, error: 'lease_lost' }]);

        const k = job('q');
        await c.d.enqueue({ ns: c.ns, now: T0, defaults: DEFAULTS, jobs: [k] });
        await c.d.claim({ ns: c.ns, now: T0, queue: 'q', limit: 1, leaseToken: 'CLAIM-2' });
        const nack = () =>
          c.d.nack({
            ns: c.ns,
            now: T0,
            opId: 'op-nack',
            id: k.id,
            leaseToken: 'CLAIM-2',
            ...RETRY,
          });
        const n1 = await nack();
        expect(n1).toEqual({ ok: true, state: 'queued', runAt: T0 + 1_000 });
        expect(await nack()).toEqual(n1);
        expect((await c.d.get({ ns: c.ns, now: T0, id: k.id }))?.attempt).toBe(1);
      },
    );

    itNeeds(suite, 'durable', 'keeps jobs across a new driver instance', async () => {
      const j = job('q');
      await c.d.enqueue({ ns: c.ns, now: T0, defaults: DEFAULTS, jobs: [j] });
      const again = await c.fx.reopen!();
      try {
        expect((await again.get({ ns: c.ns, now: T0, id: j.id }))?.state).toBe('queued');
      } finally {
        await again.close();
      }
    });

    itNeeds(suite, 'shared', 'two instances over one store lease each job once', async () => {
      const jobs = Array.from({ length: 40 }, () => job('q'));
      await c.d.enqueue({ ns: c.ns, now: T0, defaults: DEFAULTS, jobs });
      const second = await c.fx.reopen!();
      try {
        const seen: string[] = [];
        await Promise.all(
          [c.d, second, c.d, second].map(async (d) => {
            for (;;) {
              const r = await d.claim({
                ns: c.ns,
                now: T0,
                queue: 'q',
                limit: 3,
                leaseToken: token(),
              });
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
