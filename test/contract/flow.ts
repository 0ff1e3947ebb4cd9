import { describe, expect, it } from 'vitest';
import type { FlowLimits, NewJob, QueueSettings } from '../../src/drivers/types.js';
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

/** A job that leaves maxAttempts and leaseMs to its queue's settings and the call's defaults. */
function bare(queue: string, over: Partial<NewJob> = {}): NewJob {
  const { maxAttempts: _a, leaseMs: _l, ...rest } = job(queue, over);
  return rest;
}

/**
 * Flow control (issue 6), deterministic part: queue settings read in the same round trip, limits
 * inside the claim, fair rotation over group keys, deadlines and debounce.
 */
export function flowContract(suite: DriverSuite): void {
  describe('flow control', () => {
    const c = useDriver(suite.factory);
    const enqueue = (jobs: NewJob[], now = T0) =>
      c.d.enqueue({ ns: c.ns, now, defaults: DEFAULTS, jobs });
    const claim = (queue: string, limit: number, now = T0, limits?: FlowLimits) =>
      c.d.claim({
        ns: c.ns,
        now,
        queue,
        limit,
        leaseToken: token(),
        ...(limits ? { limits } : {}),
      });
    const settle = (queue: string, s: QueueSettings) =>
      c.d.putConfig({ ns: c.ns, now: T0, kind: 'queue', name: queue, value: JSON.stringify(s) });
    const nack = (id: string, leaseToken: string, now = T0) =>
      c.d.nack({ ns: c.ns, now, id, leaseToken, ...RETRY });
    const ids = (r: { jobs: { id: string }[] }) => r.jobs.map((j) => j.id);
    const groupsOf = (r: { jobs: { group?: string }[] }) => r.jobs.map((j) => j.group ?? '');

    describe('queue settings', () => {
      it('fills maxAttempts, leaseMs and backoff from the stored settings at enqueue', async () => {
        await settle('q', { maxAttempts: 7, leaseMs: 5_000, backoff: { delaysMs: [100, 200] } });
        const a = bare('q');
        const own = job('q', { maxAttempts: 2, leaseMs: 9_000 });
        await enqueue([a, own]);
        expect((await c.d.get({ ns: c.ns, now: T0, id: a.id }))?.maxAttempts).toBe(7);
        expect((await c.d.get({ ns: c.ns, now: T0, id: own.id }))?.maxAttempts).toBe(2);
        const got = await claim('q', 2);
        expect(got.jobs.map((j) => j.leaseExpiresAt)).toEqual([T0 + 5_000, T0 + 9_000]);
        // The list of delays: 100, then 200, and the last one repeats.
        const delays: number[] = [];
        let now = T0;
        for (let attempt = 1; attempt <= 3; attempt++) {
          const t = attempt === 1 ? got.jobs[0]!.leaseToken : `L${attempt}`;
          if (attempt > 1) {
            const again = await c.d.claim({ ns: c.ns, now, queue: 'q', limit: 1, leaseToken: t });
            expect(ids(again)).toEqual([a.id]);
          }
          const n = await nack(a.id, t, now);
          if (!n.ok || n.state !== 'queued') throw new Error(`unexpected ${JSON.stringify(n)}`);
          delays.push(n.runAt - now);
          now = n.runAt;
        }
        expect(delays).toEqual([100, 200, 200]);
      });

      it('falls back to the call defaults and the nack backoff without settings', async () => {
        const a = bare('q');
        await enqueue([a]);
        const rec = await c.d.get({ ns: c.ns, now: T0, id: a.id });
        expect(rec?.maxAttempts).toBe(DEFAULTS.maxAttempts);
        const got = await claim('q', 1);
        expect(got.jobs[0]?.leaseExpiresAt).toBe(T0 + DEFAULTS.leaseMs);
        const n = await nack(a.id, got.jobs[0]!.leaseToken);
        expect(n).toEqual({ ok: true, state: 'queued', runAt: T0 + 1_000 });
      });

      it('keeps the backoff a job was enqueued with, over the nack default', async () => {
        const a = job('q', { backoff: { baseMs: 10, maxMs: 1_000, jitter: 0 } });
        await enqueue([a]);
        const got = await claim('q', 1);
        const n = await nack(a.id, got.jobs[0]!.leaseToken);
        expect(n).toEqual({ ok: true, state: 'queued', runAt: T0 + 10 });
      });

      it('reclaim uses the job backoff too', async () => {
        const a = job('q', { backoff: { delaysMs: [50] }, leaseMs: 1_000 });
        await enqueue([a]);
        await claim('q', 1);
        const r = await c.d.reclaim({ ns: c.ns, now: T0 + 2_000, limit: 10, ...RETRY });
        expect(r).toEqual({ requeued: 1, dead: 0, expired: 0 });
        expect((await c.d.get({ ns: c.ns, now: T0, id: a.id }))?.runAt).toBe(T0 + 2_050);
      });

      it('applies a limit set after plain claims on the queue', async () => {
        await enqueue([job('q')]);
        expect((await claim('q', 5)).jobs).toHaveLength(1);
        await settle('q', { concurrency: 2 });
        await enqueue([job('q'), job('q'), job('q')]);
        expect((await claim('q', 5)).jobs).toHaveLength(1);
        expect((await claim('q', 5)).jobs).toEqual([]);
        await enqueue([job('r')]);
        expect((await claim('r', 5)).jobs).toHaveLength(1);
        // Claims that served only ungrouped jobs recorded nothing: '' is never served yet.
        await enqueue([
          job('r', { group: 'b' }),
          job('r', { group: 'b' }),
          job('r'),
          job('r', { group: 'a' }),
        ]);
        expect(groupsOf(await claim('r', 5))).toEqual(['', 'a', 'b', 'b']);
      });

      it('limits passed by the caller win over stored ones', async () => {
        await settle('q', { concurrency: 1 });
        await enqueue([job('q'), job('q'), job('q')]);
        expect((await claim('q', 3, T0, {})).jobs).toHaveLength(3);
      });
    });

    describe('concurrency', () => {
      it('leases at most `concurrency` jobs at once, counting live leases only', async () => {
        await settle('q', { concurrency: 2 });
        await enqueue([
          job('q', { leaseMs: 1_000 }),
          job('q', { leaseMs: 1_000 }),
          job('q'),
          job('q'),
        ]);
        const first = await claim('q', 5);
        expect(first.jobs).toHaveLength(2);
        expect((await claim('q', 5)).jobs).toEqual([]);
        // Acking one frees one slot, in the same round trip as the next claim.
        const next = await c.d.claim({
          ns: c.ns,
          now: T0,
          queue: 'q',
          limit: 5,
          leaseToken: token(),
          acks: [{ id: first.jobs[0]!.id, leaseToken: first.jobs[0]!.leaseToken }],
        });
        expect(next.acks[0]?.ok).toBe(true);
        expect(next.jobs).toHaveLength(1);
        // The second lease (1 s) has expired and holds nothing, though nothing reclaimed it.
        expect((await claim('q', 5, T0 + 1_001)).jobs).toHaveLength(1);
      });

      it('limits each group key separately; jobs without a group only by the queue', async () => {
        await settle('q', { groupConcurrency: 2 });
        await enqueue([
          ...Array.from({ length: 4 }, () => job('q', { group: 'a' })),
          ...Array.from({ length: 3 }, () => job('q', { group: 'b' })),
          job('q'),
          job('q'),
          job('q'),
        ]);
        const got = await claim('q', 20);
        const count = (g: string) => groupsOf(got).filter((x) => x === g).length;
        expect([count('a'), count('b'), count('')]).toEqual([2, 2, 3]);
        expect((await claim('q', 20)).jobs).toEqual([]);
      });
    });

    describe('rate', () => {
      it('spaces claims evenly: burst 1 takes one job per period / limit', async () => {
        await settle('q', { rate: { limit: 10, periodMs: 1_000, burst: 1 } });
        await enqueue(Array.from({ length: 20 }, () => job('q')));
        expect((await claim('q', 10, T0)).jobs).toHaveLength(1);
        expect((await claim('q', 10, T0 + 99)).jobs).toHaveLength(0);
        expect((await claim('q', 10, T0 + 100)).jobs).toHaveLength(1);
        // A quiet spell does not bank claims beyond the burst.
        expect((await claim('q', 10, T0 + 5_000)).jobs).toHaveLength(1);
      });

      it('lets a burst through after a quiet spell, never more than limit per period', async () => {
        await settle('q', { rate: { limit: 10, periodMs: 1_000, burst: 5 } });
        await enqueue(Array.from({ length: 40 }, () => job('q')));
        expect((await claim('q', 10, T0)).jobs).toHaveLength(5);
        expect((await claim('q', 10, T0)).jobs).toHaveLength(0);
        // Spacing is period / (limit - burst + 1) = 166.67 ms.
        expect((await claim('q', 10, T0 + 166)).jobs).toHaveLength(0);
        expect((await claim('q', 10, T0 + 167)).jobs).toHaveLength(1);
        expect((await claim('q', 10, T0 + 999)).jobs).toHaveLength(4);
        // [T0, T0 + 1000) held 10; as the window slides on, one more slot opens.
        expect((await claim('q', 10, T0 + 1_001)).jobs).toHaveLength(1);
      });

      it('limits each group key separately with groupRate', async () => {
        await settle('q', { groupRate: { limit: 2, periodMs: 1_000, burst: 2 } });
        await enqueue([
          ...Array.from({ length: 5 }, () => job('q', { group: 'a' })),
          ...Array.from({ length: 5 }, () => job('q', { group: 'b' })),
        ]);
        expect(groupsOf(await claim('q', 10, T0)).sort()).toEqual(['a', 'a', 'b', 'b']);
        expect((await claim('q', 10, T0 + 10)).jobs).toEqual([]);
        expect(groupsOf(await claim('q', 10, T0 + 1_000)).sort()).toEqual(['a', 'b']);
      });
    });

    it('prune keeps a group key whose rate state is still ahead', async () => {
      await settle('q', { groupRate: { limit: 1, periodMs: 10_000, burst: 1 } });
      await enqueue([job('q', { group: 'a' })]);
      const got = await claim('q', 1);
      const held = got.jobs[0]!;
      await c.d.ack({ ns: c.ns, now: T0, acks: [{ id: held.id, leaseToken: held.leaseToken }] });
      const cut = T0 + 1;
      await c.d.prune({ ns: c.ns, now: cut, finishedBefore: cut, deadBefore: cut, limit: 10 });
      await enqueue([job('q', { group: 'a' })], T0 + 2);
      expect((await claim('q', 1, T0 + 2)).jobs).toEqual([]);
      expect((await claim('q', 1, T0 + 10_000)).jobs).toHaveLength(1);
    });

    describe('fairness', () => {
      it('rotates between group keys, least recently served first', async () => {
        const a = Array.from({ length: 3 }, () => job('q', { group: 'a' }));
        const b = Array.from({ length: 3 }, () => job('q', { group: 'b' }));
        const none = Array.from({ length: 3 }, () => job('q'));
        await enqueue([...a, ...b, ...none]);
        // Never-served keys by key order ('' first), one job per key per round.
        expect(ids(await claim('q', 4))).toEqual([none[0]!.id, a[0]!.id, b[0]!.id, none[1]!.id]);
        // '' was served last, so a and b come first now.
        expect(ids(await claim('q', 2))).toEqual([a[1]!.id, b[1]!.id]);
        expect(groupsOf(await claim('q', 3))).toEqual(['', 'a', 'b']);
      });

      it('a key with a backlog cannot starve the others', async () => {
        const big = Array.from({ length: 50 }, () => job('q', { group: 'big', priority: 10 }));
        await enqueue(big);
        const small = job('q', { group: 'small' });
        await enqueue([small], T0 + 1);
        await claim('q', 1, T0 + 2);
        expect(ids(await claim('q', 1, T0 + 3))).toEqual([small.id]);
      });

      it('keeps priority and FIFO order within a key', async () => {
        const low = job('q', { group: 'a' });
        const high = job('q', { group: 'a', priority: 5 });
        await enqueue([low, high]);
        expect(ids(await claim('q', 2))).toEqual([high.id, low.id]);
      });

      it('reports the group in claims and records', async () => {
        const a = job('q', { group: 'tenant-1' });
        await enqueue([a]);
        expect((await c.d.get({ ns: c.ns, now: T0, id: a.id }))?.group).toBe('tenant-1');
        expect((await claim('q', 1)).jobs[0]?.group).toBe('tenant-1');
      });
    });

    describe('deadlines', () => {
      it('never leases a job at or past its deadline; reclaim ends it dead (expired)', async () => {
        const soon = job('q', { expiresAt: T0 + 100 });
        const later = job('q', { expiresAt: T0 + 10_000 });
        await enqueue([soon, later]);
        expect((await c.d.get({ ns: c.ns, now: T0, id: soon.id }))?.expiresAt).toBe(T0 + 100);
        expect(ids(await claim('q', 5, T0 + 100))).toEqual([later.id]);
        const r = await c.d.reclaim({ ns: c.ns, now: T0 + 100, limit: 10, ...RETRY });
        expect(r).toEqual({ requeued: 0, dead: 0, expired: 1 });
        const rec = await c.d.get({ ns: c.ns, now: T0 + 100, id: soon.id });
        expect(rec).toMatchObject({ state: 'dead', lastError: 'expired', finishedAt: T0 + 100 });
        const counts = (await c.d.queues({ ns: c.ns, now: T0 + 100, queue: 'q' }))[0]?.counts;
        expect(counts).toMatchObject({ dead: 1, active: 1, queued: 0 });
      });

      it('leases a job just before its deadline, and a leased job is not expired', async () => {
        const j = job('q', { expiresAt: T0 + 100, leaseMs: 1_000 });
        await enqueue([j]);
        expect(ids(await claim('q', 1, T0 + 99))).toEqual([j.id]);
        const r = await c.d.reclaim({ ns: c.ns, now: T0 + 500, limit: 10, ...RETRY });
        expect(r.expired).toBe(0);
      });

      it('bounds the expired jobs one reclaim moves', async () => {
        await enqueue(Array.from({ length: 5 }, () => job('q', { expiresAt: T0 + 10 })));
        const now = T0 + 20;
        expect((await c.d.reclaim({ ns: c.ns, now, limit: 3, ...RETRY })).expired).toBe(3);
        expect((await c.d.reclaim({ ns: c.ns, now, limit: 3, ...RETRY })).expired).toBe(2);
      });
    });

    describe('debounce', () => {
      it('replaces the waiting job with the same debounce key and moves its run time', async () => {
        const first = job('q', { debounceKey: 'u1', runAt: T0 + 1_000 });
        expect(await enqueue([first])).toEqual([{ id: first.id, created: true }]);
        const second = job('q', { debounceKey: 'u1', runAt: T0 + 2_000, payload: '"v2"' });
        expect(await enqueue([second], T0 + 1_000 - 1)).toEqual([
          { id: first.id, created: false, debounced: true },
        ]);
        const rec = await c.d.get({ ns: c.ns, now: T0, id: first.id });
        expect(rec).toMatchObject({ payload: '"v2"', runAt: T0 + 2_000, debounceKey: 'u1' });
        expect(await c.d.get({ ns: c.ns, now: T0, id: second.id })).toBeNull();
        expect((await claim('q', 5, T0 + 1_999)).jobs).toEqual([]);
        expect(ids(await claim('q', 5, T0 + 2_000))).toEqual([first.id]);
        // Once leased, the key starts a new job.
        const third = job('q', { debounceKey: 'u1', runAt: T0 + 3_000 });
        expect(await enqueue([third], T0 + 2_000)).toEqual([{ id: third.id, created: true }]);
      });

      it('never merges into a job back from a failed attempt', async () => {
        const first = job('q', { debounceKey: 'u2' });
        await enqueue([first]);
        const got = await claim('q', 1);
        const n = await nack(first.id, got.jobs[0]!.leaseToken);
        expect(n.ok).toBe(true);
        const next = job('q', { debounceKey: 'u2', runAt: T0 + 10 });
        expect(await enqueue([next])).toEqual([{ id: next.id, created: true }]);
      });

      it('applies a repeated debounce key within one batch in order', async () => {
        const a = job('q', { debounceKey: 'k', runAt: T0 + 10 });
        const b = job('q', { debounceKey: 'k', runAt: T0 + 20, payload: '"b"' });
        expect(await enqueue([a, b])).toEqual([
          { id: a.id, created: true },
          { id: a.id, created: false, debounced: true },
        ]);
        expect(await c.d.get({ ns: c.ns, now: T0, id: a.id })).toMatchObject({
          payload: '"b"',
          runAt: T0 + 20,
        });
      });

      it('keeps one waiting job per debounce key under concurrent enqueues', async () => {
        const calls = Array.from({ length: 20 }, (_, i) =>
          enqueue([job('q', { debounceKey: 'hot', runAt: T0 + 1_000 + i })]),
        );
        const results = (await Promise.all(calls)).flat();
        expect(results.filter((r) => r.created)).toHaveLength(1);
        const winner = results.find((r) => r.created)!.id;
        expect(results.every((r) => r.id === winner)).toBe(true);
        const waiting = await c.d.list({
          ns: c.ns,
          now: T0,
          queue: 'q',
          state: 'scheduled',
          limit: 50,
        });
        expect(waiting.jobs.map((j) => j.id)).toEqual([winner]);
      });
    });

    describe('prune scope', () => {
      it('prunes one queue, or every queue but some', async () => {
        await enqueue([job('a'), job('b'), job('c')]);
        for (const q of ['a', 'b', 'c']) {
          const got = await claim(q, 1);
          await c.d.ack({
            ns: c.ns,
            now: T0,
            acks: [{ id: got.jobs[0]!.id, leaseToken: got.jobs[0]!.leaseToken }],
          });
        }
        const cut = {
          ns: c.ns,
          now: T0 + 10,
          finishedBefore: T0 + 10,
          deadBefore: T0 + 10,
          limit: 10,
        };
        expect(await c.d.prune({ ...cut, queue: 'a' })).toEqual({ pruned: 1 });
        expect(await c.d.prune({ ...cut, exceptQueues: ['b'] })).toEqual({ pruned: 1 });
        const left = await c.d.queues({ ns: c.ns, now: T0 + 10 });
        expect(left.filter((q) => q.counts.completed > 0).map((q) => q.name)).toEqual(['b']);
      });
    });

    itNeeds(suite, 'roundTrips', 'a claim under every limit is still one round trip', async () => {
      await settle('q', {
        concurrency: 3,
        rate: { limit: 100, periodMs: 1_000, burst: 10 },
        groupConcurrency: 1,
        groupRate: { limit: 10, periodMs: 1_000, burst: 1 },
      });
      await enqueue([job('q', { group: 'a' }), job('q', { group: 'b' }), bare('q')]);
      await claim('q', 1); // warms any first-use setup
      const before = c.fx.roundTrips!();
      expect((await claim('q', 5)).jobs).toHaveLength(2);
      expect(c.fx.roundTrips!() - before).toBe(1);
      const e = c.fx.roundTrips!();
      await enqueue([
        bare('q', { debounceKey: 'd', runAt: T0 + 5, expiresAt: T0 + 60_000 }),
        bare('q', { debounceKey: 'e', runAt: T0 + 9, group: 'a' }),
      ]);
      expect(c.fx.roundTrips!() - e).toBe(1);
    });
  });
}
