/**
 * Duplicate cron ticks: several runtime instances (isolates, processes) fire the tick at the same
 * instant, round after round, for a schedule every 5 s. Every slot gets exactly one job.
 */
import { expect } from 'vitest';
import type { ScheduleInput } from '../../src/cron/schedules.js';
import type { DriverVariant } from '../support/driver-fixtures.js';
import { claimer } from './claimers.js';
import { type ScenarioCtx, scenario, T0, workers } from './harness.js';
import { sizesFor } from './sizes.js';

const EVERY_MS = 5_000;
/** How far ahead each tick enqueues slots (src/cron/schedules.ts LOOKAHEAD_MS). */
const LOOKAHEAD_MS = 120_000;
const schedules: Record<string, ScheduleInput> = {
  every: { cron: '*/5 * * * * *', queue: 'cron', payload: { kind: 'cron' } },
};

export function cronScenarios(variant: DriverVariant): void {
  const size = sizesFor(variant.label);

  scenario(variant, {
    name: `duplicate cron ticks: ${size.cronTicks} concurrent ticks x ${size.cronRounds} rounds, one job per slot`,
    queues: ['cron'],
    async body({ rec, clock, h, runtime, note }: ScenarioCtx) {
      const instances = Array.from({ length: size.cronTicks }, () => runtime({ schedules }));
      for (let round = 0; round < size.cronRounds; round++) {
        // Every instance fires at once, and the first one twice (a retried trigger).
        await Promise.all([...instances, instances[0]!].map((rt) => rec.tick(rt)));
        // 7 s: slots fall both on and between rounds, and the lookahead window slides.
        if (round < size.cronRounds - 1) clock.advance(7_000);
      }
      // The ticks succeeded: each slot in (T0, last tick + lookahead] must have exactly one job.
      // The checker knows them by key (the tick's enqueue replies are not visible here).
      const last = clock.t;
      const slots: number[] = [];
      for (let s = T0 + EVERY_MS; s <= last + LOOKAHEAD_MS; s += EVERY_MS) slots.push(s);
      const items = slots.map((s) => ({ value: `cron:every:${s}`, key: `cron:every:${s}` }));
      h.ok(h.invoke('enqueue', { queue: 'cron', items }), { ids: items.map(() => undefined) });

      clock.advance(LOOKAHEAD_MS + 1_000); // every slot is due
      await workers(4, (i) => claimer(rec, 'cron', 900 + i));
      const counts = (await rec.rt.queue('cron')).counts;
      expect(counts.completed).toBe(slots.length);
      note({ ticksPerRound: size.cronTicks + 1, rounds: size.cronRounds, slots: slots.length });
    },
  });
}
