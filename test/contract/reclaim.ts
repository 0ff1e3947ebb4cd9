import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../src/drivers/types.js';
import {
  DEFAULTS,
  type DriverSuite,
  itNeeds,
  job,
  NO_JITTER,
  RETRY,
  T0,
  useDriver,
} from './harness.js';

/** Reclaim of expired leases: only the strictly expired, bounded per call, fenced against acks. */
export function reclaimContract(suite: DriverSuite): void {
  describe('reclaim', () => {
    const c = useDriver(suite.factory);
    const H = 3_600_000;

    async function leaseAt(expiresAt: number, over = {}) {
      const j = job('q', { runAt: T0 - 2 * H, ...over });
      await c.d.enqueue({ ns: c.ns, now: T0 - 2 * H, defaults: DEFAULTS, jobs: [j] });
      const now = T0 - 2 * H;
      const leaseMs = expiresAt - now;
      // One token per claim call: the token is the claim's identity (see ClaimParams).
      const r = await c.d.claim({
        ns: c.ns,
        now,
        queue: 'q',
        limit: 1,
        leaseToken: `L${j.id}`,
        leaseMs,
      });
      expect(r.jobs[0]?.leaseExpiresAt).toBe(expiresAt);
      return j.id;
    }

    it('reclaims only leases that expired strictly before now (horizon boundaries)', async () => {
      const horizons = [T0 - H, T0 - 1, T0, T0 + 1, T0 + H];
      const ids = [];
      for (const h of horizons) ids.push(await leaseAt(h));
      const r = await c.d.reclaim({ ns: c.ns, now: T0, limit: 100, ...RETRY });
      expect(r).toEqual({ requeued: 2, dead: 0, expired: 0 });
      const states = await Promise.all(ids.map((id) => c.d.get({ ns: c.ns, now: T0, id })));
      expect(states.map((s) => s?.state)).toEqual([
        'scheduled',
        'scheduled',
        'active',
        'active',
        'active',
      ]);
      expect(states[0]).toMatchObject({
        attempt: 1,
        runAt: T0 + backoffDelay(NO_JITTER, 1, 0),
        lastError: expect.stringContaining('lease expired'),
      });
      expect(states[0]?.leaseExpiresAt).toBeUndefined();
    });

    it('crash then rescue: the job comes back with attempt 2 and completes once', async () => {
      const id = await leaseAt(T0 - 1);
      await c.d.reclaim({ ns: c.ns, now: T0, limit: 10, ...RETRY });
      const later = T0 + 60_000;
      const r = await c.d.claim({ ns: c.ns, now: later, queue: 'q', limit: 5, leaseToken: 'L2' });
      expect(r.jobs.map((j) => [j.id, j.attempt])).toEqual([[id, 2]]);
      const ack = await c.d.ack({ ns: c.ns, now: later, acks: [{ id, leaseToken: 'L2' }] });
      expect(ack.acks[0]?.ok).toBe(true);
      expect((await c.d.get({ ns: c.ns, now: later, id }))?.state).toBe('completed');
    });

    it('dead-letters an expired lease on the last attempt and never leases it again', async () => {
      const id = await leaseAt(T0 - 1, { maxAttempts: 1 });
      expect(await c.d.reclaim({ ns: c.ns, now: T0, limit: 10, ...RETRY })).toEqual({
        requeued: 0,
        dead: 1,
        expired: 0,
      });
      const rec = await c.d.get({ ns: c.ns, now: T0, id });
      expect(rec).toMatchObject({ state: 'dead', finishedAt: T0 });
      expect(rec?.lastError).toMatch(/lease expired/);
      const r = await c.d.claim({ ns: c.ns, now: T0 + H, queue: 'q', limit: 5, leaseToken: 'x' });
      expect(r.jobs).toEqual([]);
    });

    it('is bounded per call and finishes over several calls', async () => {
      for (let i = 0; i < 10; i++) await leaseAt(T0 - 1 - i);
      const calls = [];
      for (;;) {
        const r = await c.d.reclaim({ ns: c.ns, now: T0, limit: 4, ...RETRY });
        calls.push(r.requeued);
        if (r.requeued < 4) break;
      }
      expect(calls).toEqual([4, 4, 2]);
    });

    it('reclaim after an ack leaves the completed job and its result alone', async () => {
      const id = await leaseAt(T0 - 1);
      await c.d.ack({ ns: c.ns, now: T0 - 1, acks: [{ id, leaseToken: `L${id}`, result: '"r"' }] });
      expect(await c.d.reclaim({ ns: c.ns, now: T0 + H, limit: 10, ...RETRY })).toEqual({
        requeued: 0,
        dead: 0,
        expired: 0,
      });
      expect(await c.d.get({ ns: c.ns, now: T0, id })).toMatchObject({
        state: 'completed',
        result: '"r"',
      });
    });

    it('a holder that acks after expiry but before reclaim still completes the job', async () => {
      const id = await leaseAt(T0 - 1);
      const ack = await c.d.ack({ ns: c.ns, now: T0, acks: [{ id, leaseToken: `L${id}` }] });
      expect(ack.acks[0]?.ok).toBe(true);
    });

    it('reclaims within one namespace when asked', async () => {
      const id = await leaseAt(T0 - 1);
      const r = await c.d.reclaim({ ns: `${c.ns}-other`, now: T0, limit: 10, ...RETRY });
      expect(r).toEqual({ requeued: 0, dead: 0, expired: 0 });
      const r2 = await c.d.reclaim({ ns: c.ns, now: T0, limit: 10, ...RETRY });
      expect(r2).toEqual({ requeued: 1, dead: 0, expired: 0 });
      expect((await c.d.get({ ns: c.ns, now: T0, id }))?.state).toBe('scheduled');
    });

    itNeeds(suite, 'roundTrips', 'reclaims a batch in one round trip', async () => {
      for (let i = 0; i < 5; i++) await leaseAt(T0 - 1 - i, { maxAttempts: i % 2 ? 1 : 3 });
      const before = c.fx.roundTrips!();
      expect(await c.d.reclaim({ ns: c.ns, now: T0, limit: 50, ...RETRY })).toEqual({
        requeued: 3,
        dead: 2,
        expired: 0,
      });
      expect(c.fx.roundTrips!() - before).toBe(1);
    });
  });
}
