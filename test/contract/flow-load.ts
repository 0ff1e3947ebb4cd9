import { describe, expect, it } from 'vitest';
import type { ClaimedJob, NewJob, QueueSettings } from '../../src/drivers/types.js';
import { DEFAULTS, type DriverSuite, job, T0, token, useDriver } from './harness.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Most events in any half-open window [t, t + width). */
function densest(times: number[], width: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < sorted.length; hi++) {
    while (sorted[hi]! - sorted[lo]! >= width) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

/**
 * Flow control under concurrent claimers (issue 6's acceptance scenarios). Claims run in
 * parallel against the real store; time is a shared virtual clock, so "10 seconds" of rate
 * limiting runs in well under that.
 */
export function flowLoadContract(suite: DriverSuite): void {
  describe('flow control under concurrency', () => {
    const c = useDriver(suite.factory);
    const settle = (queue: string, s: QueueSettings) =>
      c.d.putConfig({ ns: c.ns, now: T0, kind: 'queue', name: queue, value: JSON.stringify(s) });
    const enqueue = async (jobs: NewJob[]) => {
      for (let i = 0; i < jobs.length; i += 500) {
        await c.d.enqueue({ ns: c.ns, now: T0, defaults: DEFAULTS, jobs: jobs.slice(i, i + 500) });
      }
    };
    const ackAll = (now: number, jobs: ClaimedJob[]) =>
      c.d.ack({ ns: c.ns, now, acks: jobs.map((j) => ({ id: j.id, leaseToken: j.leaseToken })) });

    it('32 claimers never hold more than concurrency 5 live leases', {
      timeout: 120_000,
    }, async () => {
      await settle('q', { concurrency: 5 });
      const live = Array.from({ length: 120 }, () => job('q', { leaseMs: 600_000 }));
      // Jobs whose deadline passes almost at once: they must never be leased.
      const doomed = Array.from({ length: 20 }, () => job('q', { expiresAt: T0 + 5 }));
      await enqueue([...doomed, ...live]);
      const deadline = new Map(doomed.map((j) => [j.id, j.expiresAt!]));
      const started = Date.now();
      const clock = () => T0 + 10 + (Date.now() - started);
      const held = new Set<string>();
      let maxHeld = 0;
      let maxActive = 0;
      let completed = 0;
      let claims = 0;
      const violations: string[] = [];
      const claimer = async () => {
        while (completed < live.length) {
          const now = clock();
          const r = await c.d.claim({
            ns: c.ns,
            now,
            queue: 'q',
            limit: 1 + (claims++ % 3),
            leaseToken: token(),
          });
          for (const j of r.jobs) {
            held.add(j.id);
            const d = deadline.get(j.id);
            if (d !== undefined && d <= now) violations.push(`${j.id} leased after its deadline`);
          }
          maxHeld = Math.max(maxHeld, held.size);
          // The store's own count, sampled after every claim.
          const [info] = await c.d.queues({ ns: c.ns, now: clock(), queue: 'q' });
          maxActive = Math.max(maxActive, info?.counts.active ?? 0);
          if (r.jobs.length === 0) {
            await sleep(1);
            continue;
          }
          await sleep(Math.random() * 3);
          // Out of the ledger before the ack is sent: the store frees the slot no earlier.
          for (const j of r.jobs) held.delete(j.id);
          const a = await ackAll(clock(), r.jobs);
          completed += a.acks.filter((x) => x.ok).length;
        }
      };
      await Promise.all(Array.from({ length: 32 }, claimer));
      expect(violations).toEqual([]);
      expect(completed).toBe(live.length);
      expect(maxHeld).toBeLessThanOrEqual(5);
      expect(maxActive).toBeLessThanOrEqual(5);
      // The limit is reached, not merely respected by starving the queue.
      expect(maxActive).toBeGreaterThanOrEqual(3);
    });

    it('rate 50 per second: at most 50 claims in any 1 s window over 10 s', {
      timeout: 120_000,
    }, async () => {
      await settle('q', { rate: { limit: 50, periodMs: 1_000, burst: 1 } });
      await enqueue(Array.from({ length: 700 }, () => job('q', { leaseMs: 600_000 })));
      let tick = 0;
      const times: number[] = [];
      const claimer = async () => {
        for (;;) {
          const now = T0 + 4 * tick++;
          if (now >= T0 + 10_000) return;
          const r = await c.d.claim({ ns: c.ns, now, queue: 'q', limit: 5, leaseToken: token() });
          for (const _ of r.jobs) times.push(now);
        }
      };
      await Promise.all(Array.from({ length: 32 }, claimer));
      expect(densest(times, 1_000)).toBeLessThanOrEqual(50);
      // Smooth and not starved: close to 50 per second throughout.
      expect(times.length).toBeGreaterThanOrEqual(400);
      for (let s = 0; s < 10; s++) {
        const n = times.filter((t) => t >= T0 + s * 1_000 && t < T0 + (s + 1) * 1_000).length;
        expect(n, `claims in second ${s}`).toBeGreaterThanOrEqual(30);
      }
    });

    it('10 groups, one with 90% of the jobs: every group progresses every second', {
      timeout: 120_000,
    }, async () => {
      await settle('q', { groupConcurrency: 1 });
      const groups = Array.from({ length: 10 }, (_, i) => `g${i}`);
      // The busy group's backlog goes in first and at a higher priority: the worst case.
      const jobs = [
        ...Array.from({ length: 900 }, () =>
          job('q', { group: 'g0', priority: 5, leaseMs: 600_000 }),
        ),
        ...Array.from({ length: 99 }, (_, i) =>
          job('q', { group: groups[1 + (i % 9)]!, leaseMs: 600_000 }),
        ),
      ];
      await enqueue(jobs);
      const total = new Map(groups.map((g) => [g, jobs.filter((j) => j.group === g).length]));
      const claimed: { g: string; at: number }[] = [];
      const end = T0 + 6_000;
      let tick = 0;
      const liveByGroup = new Map<string, number>();
      let overlap = 0;
      const claimer = async () => {
        for (;;) {
          const now = T0 + 20 * tick++;
          if (now >= end) return;
          const r = await c.d.claim({ ns: c.ns, now, queue: 'q', limit: 2, leaseToken: token() });
          for (const j of r.jobs) {
            claimed.push({ g: j.group!, at: now });
            const n = (liveByGroup.get(j.group!) ?? 0) + 1;
            liveByGroup.set(j.group!, n);
            if (n > 1) overlap++;
          }
          if (r.jobs.length === 0) {
            await sleep(1);
            continue;
          }
          await sleep(Math.random() * 2);
          for (const j of r.jobs) liveByGroup.set(j.group!, liveByGroup.get(j.group!)! - 1);
          await ackAll(now, r.jobs);
        }
      };
      await Promise.all(Array.from({ length: 16 }, claimer));
      expect(overlap, 'a group held two leases at once').toBe(0);
      for (let s = 0; s < 6; s++) {
        const from = T0 + s * 1_000;
        for (const g of groups) {
          const before = claimed.filter((x) => x.g === g && x.at < from).length;
          if (before >= total.get(g)!) continue; // nothing left to claim
          const inSecond = claimed.filter((x) => x.g === g && x.at >= from && x.at < from + 1_000);
          expect(inSecond.length, `${g} in second ${s}`).toBeGreaterThan(0);
        }
      }
    });
  });
}
