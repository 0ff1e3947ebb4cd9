/**
 * Fenced completion under races: reclaim racing the holder's ack, ABA with stale tokens, and
 * several acks of one lease at once. Each race is run on every job of a backlog at the same time.
 */
import { expect } from 'vitest';
import type { DriverVariant } from '../support/driver-fixtures.js';
import type { LeasedJob, Outcome } from '../support/history.js';
import { claimer } from './claimers.js';
import { enqueueAll, type ScenarioCtx, scenario, workers } from './harness.js';
import { type Recorded, snapshot } from './recorder.js';
import { sizesFor } from './sizes.js';

/** Claims everything due in `queue`, 100 at a time. */
export async function claimAll(rec: Recorded, queue: string): Promise<LeasedJob[]> {
  const out: LeasedJob[] = [];
  for (;;) {
    const { jobs } = await rec.claim(queue, { limit: 100 });
    if (!jobs.length) return out;
    out.push(...jobs);
  }
}

/** Runs `work` over `items` with `n` concurrent workers. */
async function each<T>(items: T[], n: number, work: (item: T, i: number) => Promise<void>) {
  let next = 0;
  await workers(n, async () => {
    while (next < items.length) {
      const i = next++;
      await work(items[i]!, i);
    }
  });
}

const tally = (outcomes: Iterable<Outcome>) => {
  const t: Record<Outcome, number> = { ok: 0, failed: 0, unknown: 0 };
  for (const o of outcomes) t[o]++;
  return t;
};

export function raceScenarios(variant: DriverVariant): void {
  const size = sizesFor(variant.label);

  scenario(variant, {
    name: `reclaim racing ack: ${size.raceJobs} expired leases acked while the tick reclaims them`,
    queues: ['race'],
    // Small reclaim batches, so the tick's calls interleave with the acks.
    runtime: { tick: { batchSize: 7, maxCalls: 100_000, budgetMs: 120_000 } },
    async body({ rec, clock, note }: ScenarioCtx) {
      await enqueueAll(rec, 'race', 'ra', size.raceJobs, { leaseMs: 1_000 });
      const held = await claimAll(rec, 'race');
      clock.advance(1_001); // every lease has expired; the holders have not heard
      const outcomes = new Map<string, Outcome>();
      await Promise.all([
        rec.tick(),
        each(held, 16, async (j) => {
          outcomes.set(j.id, await rec.ack(j, { by: 'holder' }));
        }),
      ]);
      // What the reclaim won comes back after its backoff and completes on a second lease.
      clock.advance(1_500);
      await workers(4, (i) => claimer(rec, 'race', 300 + i));
      const t = tally(outcomes.values());
      expect(t.unknown).toBe(0);
      // The holder's result is kept exactly where its ack won; a reclaimed job never has it.
      const all = await snapshot(rec.rt, ['race']);
      const kept = all.filter((j) => (j.result as { by?: string })?.by === 'holder');
      expect(kept.map((j) => j.id).sort()).toEqual(
        held
          .filter((j) => outcomes.get(j.id) === 'ok')
          .map((j) => j.id)
          .sort(),
      );
      note({ jobs: size.raceJobs, holderWon: t.ok, reclaimWon: t.failed });
    },
  });

  scenario(variant, {
    name: `ABA with stale tokens: ${size.raceJobs} jobs re-leased to B, A's ack/nack/extend refused`,
    queues: ['aba'],
    async body({ rec, clock, runtime, recorded, note }: ScenarioCtx) {
      const b = recorded(runtime()); // B is another runtime instance over the same store
      await enqueueAll(rec, 'aba', 'aba', size.raceJobs, { leaseMs: 1_000 });
      const first = await claimAll(rec, 'aba');
      clock.advance(1_001);
      await rec.tick();
      clock.advance(1_500);
      const second = await claimAll(b, 'aba');
      expect(second.map((j) => j.attempt)).toEqual(second.map(() => 2));
      const byId = new Map(first.map((j) => [j.id, j]));
      const stale: Outcome[] = [];
      const current: Outcome[] = [];
      await each(second, 16, async (j, i) => {
        const old = byId.get(j.id)!;
        const a = () =>
          i % 3 === 0 ? rec.ack(old) : i % 3 === 1 ? rec.nack(old) : rec.extend(old, 60_000);
        // Half the time A's stale call goes first, half B's ack does; both are in flight at once.
        const [x, y] = await Promise.all(i % 2 ? [a(), b.ack(j)] : [b.ack(j), a()]);
        stale.push(i % 2 ? x! : y!);
        current.push(i % 2 ? y! : x!);
        // After B's ack, a stale retry is refused as well.
        stale.push(await rec.ack(old));
      });
      expect(tally(stale)).toEqual({ ok: 0, failed: 2 * size.raceJobs, unknown: 0 });
      expect(tally(current)).toEqual({ ok: size.raceJobs, failed: 0, unknown: 0 });
      note({ jobs: size.raceJobs });
    },
  });

  scenario(variant, {
    name: `concurrent double ack: ${size.raceJobs} leases acked 5 ways at once, one success each`,
    queues: ['dbl'],
    async body({ rec, runtime, recorded, note }: ScenarioCtx) {
      const other = recorded(runtime());
      await enqueueAll(rec, 'dbl', 'dbl', size.raceJobs);
      const held = await claimAll(rec, 'dbl');
      const wins = new Map<string, number>();
      const win = (id: string, o: Outcome) => {
        expect(o).not.toBe('unknown');
        if (o === 'ok') wins.set(id, (wins.get(id) ?? 0) + 1);
      };
      // Per job, at once: two single acks from two runtimes, a batch ack, and an ack carried on
      // a claim (of an empty queue); batch acks cover 10 jobs each.
      const batches: LeasedJob[][] = [];
      for (let i = 0; i < held.length; i += 10) batches.push(held.slice(i, i + 10));
      await Promise.all([
        each(held, 16, async (j) => {
          const outs = await Promise.all([
            rec.ack(j),
            other.ack(j),
            rec.claim('empty', { limit: 1, acks: [j] }).then((r) => r.acks[0]!),
          ]);
          for (const o of outs) win(j.id, o);
        }),
        each(batches, 4, async (batch) => {
          const [x, y] = await Promise.all([rec.ackMany(batch), other.ackMany(batch)]);
          batch.forEach((j, k) => {
            win(j.id, x![k]!);
            win(j.id, y![k]!);
          });
        }),
      ]);
      expect([...wins.values()].filter((n) => n !== 1)).toEqual([]);
      expect(wins.size).toBe(size.raceJobs);
      note({ jobs: size.raceJobs, acksPerJob: 5 });
    },
  });
}
