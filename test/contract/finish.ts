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

/** ack, nack and extend: every change to an active job is fenced by its lease token. */
export function finishContract(suite: DriverSuite): void {
  describe('ack, nack, extend', () => {
    const c = useDriver(suite.factory);

    async function leased(n = 1, over = {}) {
      const jobs = Array.from({ length: n }, () => job('q', over));
      await c.d.enqueue({ ns: c.ns, now: T0, defaults: DEFAULTS, jobs });
      const res = await c.d.claim({ ns: c.ns, now: T0, queue: 'q', limit: n, leaseToken: 'L1' });
      return res.jobs;
    }
    const get = (id: string, now = T0) => c.d.get({ ns: c.ns, now, id });

    it('completes a job with its result', async () => {
      const [j] = await leased();
      const res = await c.d.ack({
        ns: c.ns,
        now: T0 + 5,
        acks: [{ id: j!.id, leaseToken: 'L1', result: '{"ok":true}' }],
      });
      expect(res).toEqual({ acks: [{ id: j!.id, ok: true }], enqueued: [] });
      const rec = await get(j!.id, T0 + 5);
      expect(rec).toMatchObject({ state: 'completed', result: '{"ok":true}', finishedAt: T0 + 5 });
      expect(rec?.leaseExpiresAt).toBeUndefined();
    });

    it('rejects a wrong token and an unknown job, changing nothing', async () => {
      const [j] = await leased();
      const before = await get(j!.id);
      const res = await c.d.ack({
        ns: c.ns,
        now: T0 + 5,
        acks: [
          { id: j!.id, leaseToken: 'STALE' },
          { id: 'does-not-exist', leaseToken: 'L1' },
        ],
      });
      expect(res.acks).toEqual([
        { id: j!.id, ok: false, error: 'lease_lost' },
        { id: 'does-not-exist', ok: false, error: 'not_found' },
      ]);
      expect(await get(j!.id)).toEqual(before);
    });

    it('completes a job at most once', async () => {
      const [j] = await leased();
      const ack = () => c.d.ack({ ns: c.ns, now: T0, acks: [{ id: j!.id, leaseToken: 'L1' }] });
      const results = await Promise.all([ack(), ack(), ack()]);
      expect(results.filter((r) => r.acks[0]?.ok)).toHaveLength(1);
      expect((await ack()).acks[0]).toEqual({ id: j!.id, ok: false, error: 'lease_lost' });
    });

    it('acks a batch with per-job outcomes', async () => {
      const jobs = await leased(3);
      const res = await c.d.ack({
        ns: c.ns,
        now: T0,
        acks: [
          { id: jobs[0]!.id, leaseToken: 'L1' },
          { id: jobs[1]!.id, leaseToken: 'nope' },
          { id: jobs[2]!.id, leaseToken: 'L1' },
        ],
      });
      expect(res.acks.map((a) => a.ok)).toEqual([true, false, true]);
      expect((await get(jobs[1]!.id))?.state).toBe('active');
    });

    it('stores follow-up jobs if and only if the ack succeeds', async () => {
      const [a, b] = await leased(2);
      const next = job('next', { payload: '"follow"' });
      const ok = await c.d.ack({
        ns: c.ns,
        now: T0,
        acks: [{ id: a!.id, leaseToken: 'L1' }],
        defaults: DEFAULTS,
        enqueue: [next],
      });
      expect(ok.enqueued).toEqual([{ id: next.id, created: true }]);
      expect((await get(next.id))?.payload).toBe('"follow"');

      const lost = job('next');
      const bad = await c.d.ack({
        ns: c.ns,
        now: T0,
        acks: [{ id: b!.id, leaseToken: 'STALE' }],
        defaults: DEFAULTS,
        enqueue: [lost],
      });
      expect(bad).toEqual({ acks: [{ id: b!.id, ok: false, error: 'lease_lost' }], enqueued: [] });
      expect(await get(lost.id)).toBeNull();
    });

    it('nacks back to the queue after the backoff delay, keeping the error', async () => {
      const [j] = await leased();
      const res = await c.d.nack({
        ns: c.ns,
        now: T0 + 10,
        id: j!.id,
        leaseToken: 'L1',
        error: 'boom',
        ...RETRY,
      });
      const runAt = T0 + 10 + backoffDelay(NO_JITTER, 1, 0);
      expect(res).toEqual({ ok: true, state: 'queued', runAt });
      expect(await get(j!.id, T0 + 10)).toMatchObject({
        state: 'scheduled',
        attempt: 1,
        runAt,
        lastError: 'boom',
      });
      const again = await c.d.claim({
        ns: c.ns,
        now: runAt,
        queue: 'q',
        limit: 1,
        leaseToken: 'L2',
      });
      expect(again.jobs[0]).toMatchObject({ id: j!.id, attempt: 2 });
    });

    it('applies jitter and the cap to the backoff delay', async () => {
      const jobs = await leased(1, { maxAttempts: 10 });
      const backoff = { baseMs: 1_000, maxMs: 3_000, jitter: 0.5 };
      const draw = 0.5;
      const r = await c.d.nack({
        ns: c.ns,
        now: T0,
        id: jobs[0]!.id,
        leaseToken: 'L1',
        backoff,
        draw,
      });
      expect(r).toEqual({ ok: true, state: 'queued', runAt: T0 + 750 });
      for (let attempt = 2; attempt <= 4; attempt++) {
        const now = T0 + attempt * 10_000;
        const cl = await c.d.claim({
          ns: c.ns,
          now,
          queue: 'q',
          limit: 1,
          leaseToken: `L${attempt}`,
        });
        expect(cl.jobs[0]?.attempt).toBe(attempt);
        const n = await c.d.nack({
          ns: c.ns,
          now,
          id: jobs[0]!.id,
          leaseToken: `L${attempt}`,
          backoff,
          draw,
        });
        expect(n).toEqual({
          ok: true,
          state: 'queued',
          runAt: now + backoffDelay(backoff, attempt, draw),
        });
      }
      expect(backoffDelay(backoff, 4, draw)).toBe(2_250);
    });

    it('honours an explicit retry time and the dead flag', async () => {
      const [a, b] = await leased(2);
      const r1 = await c.d.nack({
        ns: c.ns,
        now: T0,
        id: a!.id,
        leaseToken: 'L1',
        retryAt: T0 + 42,
        ...RETRY,
      });
      expect(r1).toEqual({ ok: true, state: 'queued', runAt: T0 + 42 });
      const r2 = await c.d.nack({
        ns: c.ns,
        now: T0,
        id: b!.id,
        leaseToken: 'L1',
        dead: true,
        error: 'poison',
        ...RETRY,
      });
      expect(r2).toEqual({ ok: true, state: 'dead' });
      expect(await get(b!.id)).toMatchObject({
        state: 'dead',
        lastError: 'poison',
        finishedAt: T0,
      });
    });

    it('dead-letters a nacked job that has used its last attempt', async () => {
      const [j] = await leased(1, { maxAttempts: 1 });
      const r = await c.d.nack({
        ns: c.ns,
        now: T0,
        id: j!.id,
        leaseToken: 'L1',
        ...RETRY,
      });
      expect(r).toEqual({ ok: true, state: 'dead' });
    });

    it('rejects nack and extend with a stale token, changing nothing', async () => {
      const [j] = await leased();
      const before = await get(j!.id);
      const n = await c.d.nack({
        ns: c.ns,
        now: T0,
        id: j!.id,
        leaseToken: 'X',
        ...RETRY,
      });
      expect(n).toEqual({ ok: false, error: 'lease_lost' });
      const e = await c.d.extend({ ns: c.ns, now: T0, id: j!.id, leaseToken: 'X', leaseMs: 9_000 });
      expect(e).toEqual({ ok: false, error: 'lease_lost' });
      expect(await get(j!.id)).toEqual(before);
      const u = await c.d.extend({ ns: c.ns, now: T0, id: 'missing', leaseToken: 'X', leaseMs: 1 });
      expect(u).toEqual({ ok: false, error: 'not_found' });
    });

    it('extends a lease from now, so reclaim leaves it alone', async () => {
      const [j] = await leased(); // expires at T0 + 30s
      const e = await c.d.extend({
        ns: c.ns,
        now: T0 + 20_000,
        id: j!.id,
        leaseToken: 'L1',
        leaseMs: 60_000,
      });
      expect(e).toEqual({ ok: true, leaseExpiresAt: T0 + 80_000 });
      const r = await c.d.reclaim({ ns: c.ns, now: T0 + 40_000, limit: 10, ...RETRY });
      expect(r).toEqual({ requeued: 0, dead: 0, expired: 0 });
      const ack = await c.d.ack({
        ns: c.ns,
        now: T0 + 50_000,
        acks: [{ id: j!.id, leaseToken: 'L1' }],
      });
      expect(ack.acks[0]?.ok).toBe(true);
    });

    it('ABA: an expired holder cannot ack, nack or extend after another claim', async () => {
      const [j] = await leased(1, { leaseMs: 1_000 });
      await c.d.reclaim({
        ns: c.ns,
        now: T0 + 1_001,
        limit: 10,
        backoff: { ...NO_JITTER, baseMs: 0 },
        draw: 0,
      });
      const b = await c.d.claim({
        ns: c.ns,
        now: T0 + 1_002,
        queue: 'q',
        limit: 1,
        leaseToken: 'L2',
      });
      expect(b.jobs[0]).toMatchObject({ id: j!.id, attempt: 2, leaseToken: 'L2' });
      const now = T0 + 1_003;
      const ack = await c.d.ack({ ns: c.ns, now, acks: [{ id: j!.id, leaseToken: 'L1' }] });
      expect(ack.acks[0]).toEqual({ id: j!.id, ok: false, error: 'lease_lost' });
      const nack = await c.d.nack({
        ns: c.ns,
        now,
        id: j!.id,
        leaseToken: 'L1',
        ...RETRY,
      });
      expect(nack).toEqual({ ok: false, error: 'lease_lost' });
      const ext = await c.d.extend({ ns: c.ns, now, id: j!.id, leaseToken: 'L1', leaseMs: 5_000 });
      expect(ext).toEqual({ ok: false, error: 'lease_lost' });
      const ok = await c.d.ack({ ns: c.ns, now, acks: [{ id: j!.id, leaseToken: 'L2' }] });
      expect(ok.acks[0]?.ok).toBe(true);
    });

    itNeeds(suite, 'roundTrips', 'acks, nacks and extends in one round trip each', async () => {
      const jobs = await leased(12);
      let before = c.fx.roundTrips!();
      await c.d.ack({
        ns: c.ns,
        now: T0,
        acks: jobs.slice(0, 10).map((j) => ({ id: j.id, leaseToken: 'L1', result: '1' })),
      });
      expect(c.fx.roundTrips!() - before).toBe(1);
      before = c.fx.roundTrips!();
      await c.d.extend({ ns: c.ns, now: T0, id: jobs[10]!.id, leaseToken: 'L1', leaseMs: 5_000 });
      expect(c.fx.roundTrips!() - before).toBe(1);
      before = c.fx.roundTrips!();
      await c.d.nack({ ns: c.ns, now: T0, id: jobs[10]!.id, leaseToken: 'L1', ...RETRY });
      expect(c.fx.roundTrips!() - before).toBe(1);
      before = c.fx.roundTrips!();
      await c.d.ack({
        ns: c.ns,
        now: T0,
        acks: [{ id: jobs[11]!.id, leaseToken: 'L1' }],
        defaults: DEFAULTS,
        enqueue: [job('next'), job('next')],
      });
      expect(c.fx.roundTrips!() - before).toBe(1);
    });
  });
}
