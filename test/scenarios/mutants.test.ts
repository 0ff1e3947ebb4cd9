/**
 * The scenarios would see it: the same recorded runtime, drains and checker, run over a memory
 * driver broken on purpose in one way each, count the anomaly that break causes. (The checker's
 * own tests feed it hand-made histories; these prove the wiring from real calls to counts.)
 */
import { describe, expect, it } from 'vitest';
import { memoryDriver } from '../../src/drivers/memory/index.js';
import type { ClaimResult, Driver } from '../../src/drivers/types.js';
import type { DriverVariant } from '../support/driver-fixtures.js';
import type { Anomalies } from '../support/history.js';
import { claimer } from './claimers.js';
import { enqueueAll, runScenario, type ScenarioSpec, workers } from './harness.js';
import { claimAll } from './races.js';

/** A memory driver whose methods in `broken` replace the real ones (which they may call). */
function mutant(label: string, broken: (real: Driver) => Partial<Driver>): DriverVariant {
  return {
    name: 'memory',
    label,
    capabilities: { durable: false, shared: false, replaySafe: false },
    countsRoundTrips: false,
    factory: async () => {
      const real = memoryDriver();
      const over = broken(real);
      const driver = new Proxy(real, {
        get(target, prop) {
          const own = (over as Record<string | symbol, unknown>)[prop];
          if (own) return own;
          const value = Reflect.get(target, prop, target);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
      return { driver };
    },
  };
}

const drain: ScenarioSpec = {
  name: 'drain',
  queues: ['q'],
  async body({ rec }) {
    await enqueueAll(rec, 'q', 'm', 300, { batch: 50 });
    await workers(4, (i) => claimer(rec, 'q', i));
  },
};

async function counts(variant: DriverVariant, spec: ScenarioSpec): Promise<Anomalies> {
  return (await runScenario(variant, spec)).counts;
}

describe('the scenarios catch a broken driver', () => {
  it('a driver that is not broken counts nothing', async () => {
    const c = await counts(
      mutant('intact', () => ({})),
      drain,
    );
    expect(Object.values(c).every((n) => n === 0)).toBe(true);
  });

  it('enqueue that drops a job it acknowledged: lost', async () => {
    const v = mutant('drops-jobs', (real) => ({
      enqueue: async (p) => {
        const res = await real.enqueue({ ...p, jobs: p.jobs.slice(0, -1) });
        return [...res, { id: p.jobs[p.jobs.length - 1]!.id, created: true }];
      },
    }));
    expect((await counts(v, drain)).lost).toBe(6);
  });

  it('claim that hands a leased job out again: overlapping leases', async () => {
    let previous: ClaimResult['jobs'] = [];
    let claims = 0;
    const v = mutant('double-delivers', (real) => ({
      claim: async (p) => {
        const res = await real.claim(p);
        const again = previous[0];
        previous = res.jobs;
        // Every tenth claim also returns a job still leased to an earlier claim.
        return again && ++claims % 10 === 0
          ? { ...res, jobs: [...res.jobs, { ...again, leaseToken: p.leaseToken }] }
          : res;
      },
    }));
    const c = await counts(v, drain);
    expect(c.overlappingLeases).toBeGreaterThan(0);
    expect(c.unexplainedReexecutions).toBeGreaterThan(0);
  });

  it('ack that is not fenced: acked twice, stale token accepted', async () => {
    const v = mutant('unfenced-ack', (real) => ({
      ack: async (p) => {
        const res = await real.ack(p);
        return { ...res, acks: res.acks.map((a) => ({ id: a.id, ok: true as const })) };
      },
    }));
    const spec: ScenarioSpec = {
      name: 'double ack',
      queues: ['q'],
      async body({ rec, clock }) {
        await enqueueAll(rec, 'q', 'm', 50, { leaseMs: 1_000 });
        const first = await claimAll(rec, 'q');
        clock.advance(1_001);
        await rec.tick();
        clock.advance(1_500);
        const second = await claimAll(rec, 'q');
        await Promise.all([...first, ...second].map((j) => rec.ack(j)));
      },
    };
    const c = await counts(v, spec);
    expect(c.ackedTwice).toBe(50);
    expect(c.staleAccepted).toBe(50);
  });

  it('reclaim that takes live leases: overlapping leases, unexplained re-executions', async () => {
    const v = mutant('eager-reclaim', (real) => ({
      // Sees every lease as expired ten minutes on, yet makes the job due now.
      reclaim: (p) =>
        real.reclaim({ ...p, now: p.now + 600_000, backoff: { delaysMs: [-600_000] }, draw: 0 }),
    }));
    const spec: ScenarioSpec = {
      name: 'eager reclaim',
      queues: ['q'],
      async body({ rec, clock }) {
        await enqueueAll(rec, 'q', 'm', 50, { leaseMs: 120_000 });
        const held = await claimAll(rec, 'q');
        await rec.tick(); // takes every lease, with two minutes left on each
        clock.advance(1_500);
        await workers(2, (i) => claimer(rec, 'q', i));
        await Promise.all(held.map((j) => rec.ack(j)));
      },
    };
    const c = await counts(v, spec);
    expect(c.overlappingLeases).toBe(50);
    expect(c.unexplainedReexecutions).toBe(50);
  });
});
