/**
 * Bounded reclaim: 25,000 expired leases are worked off by the runtime's tick in bounded driver
 * calls (at most `batchSize` jobs each) over several ticks, each within its call budget, and all
 * come back and complete.
 */
import { expect } from 'vitest';
import type { Driver, ReclaimParams, ReclaimResult } from '../../src/drivers/types.js';
import type { DriverVariant } from '../support/driver-fixtures.js';
import { claimer } from './claimers.js';
import { enqueueAll, type ScenarioCtx, scenario, workers } from './harness.js';
import { sizesFor } from './sizes.js';

const BATCH = 500;

/** The same driver, with every reclaim call's bound and result written down. */
function observeReclaims(driver: Driver, log: { limit: number; touched: number }[]): Driver {
  return new Proxy(driver, {
    get(target, prop) {
      // Methods run on the driver itself (drivers keep private fields).
      const value = Reflect.get(target, prop, target);
      if (prop !== 'reclaim') return typeof value === 'function' ? value.bind(target) : value;
      return async (p: ReclaimParams): Promise<ReclaimResult> => {
        const r = await target.reclaim(p);
        log.push({ limit: p.limit, touched: r.requeued + r.dead + r.expired });
        return r;
      };
    },
  });
}

export function reclaimScenarios(variant: DriverVariant): void {
  const size = sizesFor(variant.label);
  const total = size.reclaimJobs;
  // A call budget that needs at least 3 ticks (12 calls, 6,000 jobs, per tick at 25,000).
  const MAX_CALLS = Math.max(2, Math.min(12, Math.floor(total / BATCH / 3)));

  scenario(variant, {
    name: `bounded reclaim: ${total} expired leases reclaimed ${BATCH} per call across ticks`,
    queues: ['bulk'],
    timeoutMs: 300_000,
    async body({ rec, driver, clock, runtime, recorded, note }: ScenarioCtx) {
      const t0 = performance.now();
      await enqueueAll(rec, 'bulk', 'bk', total, { leaseMs: 1_000 });
      const t1 = performance.now();
      // 8 claimers lease everything, 100 a claim; then they all vanish.
      let leased = 0;
      await workers(8, async () => {
        for (;;) {
          const { jobs } = await rec.claim('bulk', { limit: 100 });
          if (!jobs.length) return;
          leased += jobs.length;
        }
      });
      expect(leased).toBe(total);
      clock.advance(1_001);
      const t2 = performance.now();

      const calls: { limit: number; touched: number }[] = [];
      const ticker = recorded(
        runtime({
          driver: observeReclaims(driver, calls),
          tick: { batchSize: BATCH, maxCalls: MAX_CALLS, budgetMs: 120_000 },
        }),
      );
      const ticks: { reclaimed: number; calls: number; done: boolean }[] = [];
      for (let done = false; !done; ) {
        if (ticks.length > 2 * Math.ceil(total / BATCH)) throw new Error('reclaim never finished');
        const before = calls.length;
        const r = await ticker.tick();
        if (!r) throw new Error('tick failed');
        ticks.push({ reclaimed: r.reclaimed, calls: calls.length - before, done: r.done });
        done = r.done;
      }
      // Every call stayed within its bound; every tick within its call budget; the first ticks
      // could not finish alone, and together they reclaimed every lease exactly once.
      expect(calls.every((c) => c.limit === BATCH && c.touched <= BATCH)).toBe(true);
      expect(ticks.every((t) => t.calls <= MAX_CALLS)).toBe(true);
      expect(ticks.length).toBeGreaterThanOrEqual(Math.ceil(total / (BATCH * MAX_CALLS)));
      expect(ticks[0]!.done).toBe(false);
      expect(ticks.reduce((n, t) => n + t.reclaimed, 0)).toBe(total);
      const t3 = performance.now();
      const counts = (await rec.rt.queue('bulk')).counts;
      expect(counts.active).toBe(0);
      expect(counts.queued + counts.scheduled).toBe(total);

      // Past the retry backoff they are all due again: drain them.
      clock.advance(1_500);
      await workers(8, (i) => claimer(rec, 'bulk', 700 + i, { maxBatch: 100, carryAcks: true }));
      note({
        jobs: total,
        batch: BATCH,
        maxCalls: MAX_CALLS,
        ticks: ticks.length,
        calls: calls.length,
      });
      const ms = (a: number, b: number) => Math.round(b - a);
      note({ msEnqueue: ms(t0, t1), msLease: ms(t1, t2), msReclaim: ms(t2, t3) });
      note({ msDrain: ms(t3, performance.now()) });
    },
  });
}
