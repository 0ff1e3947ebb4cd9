/**
 * Claimers that vanish: leases expire, the tick's reclaim brings the jobs back with the attempt
 * raised, and a job that keeps failing ends dead after maxAttempts, never leased again.
 */
import { expect } from 'vitest';
import type { DriverVariant } from '../support/driver-fixtures.js';
import type { LeasedJob } from '../support/history.js';
import { enqueueAll, rng, type ScenarioCtx, scenario, workers } from './harness.js';
import type { Recorded } from './recorder.js';
import { sizesFor } from './sizes.js';

const LEASE_MS = 2_000;

/** Waiting or active jobs left in `queue`. */
async function pending(rec: Recorded, queue: string): Promise<number> {
  const c = (await rec.rt.queue(queue)).counts;
  return c.scheduled + c.queued + c.active;
}

export function crashScenarios(variant: DriverVariant): void {
  const size = sizesFor(variant.label);

  scenario(variant, {
    name: `claimers that vanish mid-lease: ${size.crashJobs} jobs come back after expiry and a tick`,
    queues: ['crash'],
    timeoutMs: 300_000,
    async body({ rec, clock, note }: ScenarioCtx) {
      await enqueueAll(rec, 'crash', 'cr', size.crashJobs, { leaseMs: LEASE_MS, maxAttempts: 5 });
      const pick = rng(7);
      let late: LeasedJob[] = [];
      let rounds = 0;
      let vanished = 0;
      // Each round: every claimer claims once, alongside a tick. A claimer acks its batch, acks it
      // one round later (its lease still live), or vanishes (one in four). Then 1.5 s pass, so a
      // lease taken in a round has expired two rounds later and the tick puts it back.
      while ((await pending(rec, 'crash')) > 0) {
        if (++rounds > 400) throw new Error('the queue did not drain in 400 rounds');
        const carryOver = late;
        late = [];
        await Promise.all([
          rec.tick(),
          Promise.all(carryOver.map((j) => rec.ack(j))),
          workers(size.crashClaimers, async () => {
            const { jobs } = await rec.claim('crash', { limit: 1 + pick(10) });
            const fate = pick(4);
            if (fate === 0) vanished += jobs.length;
            else if (fate === 1) late.push(...jobs);
            else if (jobs.length) await rec.ackMany(jobs);
          }),
        ]);
        clock.advance(1_500);
      }
      const reclaimed = rec.h.ops.filter(
        (op) => op.kind === 'claim' && op.reply?.jobs.some((j) => j.attempt > 1),
      );
      expect(vanished).toBeGreaterThan(0);
      expect(reclaimed.length).toBeGreaterThan(0);
      note({ jobs: size.crashJobs, claimers: size.crashClaimers, rounds, vanished });
    },
  });

  scenario(variant, {
    name: `max attempts to dead: ${size.raceJobs} jobs always failing end dead after 3 attempts`,
    queues: ['doomed'],
    timeoutMs: 300_000,
    async body({ rec, clock, h, note }: ScenarioCtx) {
      await enqueueAll(rec, 'doomed', 'md', size.raceJobs, { leaseMs: 1_000, maxAttempts: 3 });
      // Even values are nacked every time (the last nack sends them dead); odd ones are held by
      // claimers that vanish (the tick dead-letters the expired last lease).
      const nacked = (value: string | undefined) => Number(value?.split('-')[1]) % 2 === 0;
      for (let round = 0; (await pending(rec, 'doomed')) > 0; round++) {
        if (round > 20) throw new Error('jobs still pending after 20 rounds');
        for (;;) {
          const { jobs } = await rec.claim('doomed', { limit: 100 });
          if (!jobs.length) break;
          await Promise.all(
            jobs.filter((j) => nacked(j.value)).map((j) => rec.nack(j, { retryInMs: 0 })),
          );
        }
        clock.advance(2_500); // past the leases
        await rec.tick();
        clock.advance(1_500); // past the retry backoff of the reclaimed
      }
      // Dead is final: more time, ticks and claims find nothing.
      clock.advance(60_000);
      await rec.tick();
      expect((await rec.claim('doomed', { limit: 100 })).jobs).toEqual([]);
      const leases = h.ops.flatMap((op) => (op.kind === 'claim' && op.reply ? op.reply.jobs : []));
      expect(leases).toHaveLength(3 * size.raceJobs);
      expect(Math.max(...leases.map((j) => j.attempt))).toBe(3);
      const counts = (await rec.rt.queue('doomed')).counts;
      expect(counts.dead).toBe(size.raceJobs);
      note({ jobs: size.raceJobs, maxAttempts: 3, leases: leases.length });
    },
  });
}
