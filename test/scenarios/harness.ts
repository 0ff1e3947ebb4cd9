/**
 * Scenario harness: a fresh store per scenario (the driver variant's fixture), a hand-driven
 * clock, runtimes over it, and a History. After the body has drained its queues, the harness
 * takes the final snapshot, runs the checker, appends the counts to the soak report (when
 * `EDGEQ_SCENARIO_REPORT` names a file) and fails the test on any anomaly.
 */
import { appendFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import type { Driver } from '../../src/drivers/types.js';
import { createRuntime, type Runtime, type RuntimeOptions } from '../../src/runtime/runtime.js';
import type { DriverVariant } from '../support/driver-fixtures.js';
import { type CheckReport, describeAnomalies, History, noAnomalies } from '../support/history.js';
import { finalJobs, Recorded, snapshot } from './recorder.js';
import { SOAK } from './sizes.js';

export const T0 = 1_800_000_000_000;

/** The queue clock every runtime of a scenario reads. Nothing sleeps: tests move it. */
export class Clock {
  t = T0;
  readonly now = (): number => this.t;
  advance(ms: number): number {
    this.t += ms;
    return this.t;
  }
}

/** A seeded PRNG (mulberry32), so a failing run can be replayed with the same choices. */
export function rng(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4_294_967_296) * n);
  };
}

export interface ScenarioCtx {
  readonly variant: DriverVariant;
  readonly driver: Driver;
  readonly clock: Clock;
  readonly h: History;
  /** The recorded runtime (retry backoff 500 ms to 1 s, so retries are a clock step away). */
  readonly rec: Recorded;
  /** Another runtime instance over the same store (a second isolate or process). */
  runtime(opts?: Partial<RuntimeOptions>): Runtime;
  /** Recorded calls through `rt` into the same history. */
  recorded(rt: Runtime): Recorded;
  /** Facts the scenario wants in the report (sizes, outcomes of races). */
  note(facts: Record<string, unknown>): void;
}

export interface ScenarioSpec {
  name: string;
  /** Queues drained by the body and snapshotted for the checker. */
  queues: string[];
  /** Runtime options for `rec` (tick options, schedules). */
  runtime?: Partial<RuntimeOptions>;
  timeoutMs?: number;
  body(ctx: ScenarioCtx): Promise<void>;
}

const REPORT = process.env.EDGEQ_SCENARIO_REPORT;

/** Registers one scenario on one driver variant as a vitest test that fails on any anomaly. */
export function scenario(variant: DriverVariant, spec: ScenarioSpec): void {
  it(spec.name, { timeout: SOAK ? 3_600_000 : (spec.timeoutMs ?? 120_000) }, async () => {
    const report = await runScenario(variant, spec);
    expect(report.counts, describeAnomalies(report)).toEqual(noAnomalies());
  });
}

/** Runs one scenario on a fresh store and returns the checker's report. */
export async function runScenario(
  variant: DriverVariant,
  spec: ScenarioSpec,
): Promise<CheckReport> {
  const fx = await variant.factory();
  const clock = new Clock();
  const h = new History(clock.now);
  const facts: Record<string, unknown> = {};
  const runtime = (opts: Partial<RuntimeOptions> = {}) =>
    createRuntime({
      driver: fx.driver,
      now: clock.now,
      limits: { backoffBaseMs: 500, backoffMaxMs: 1_000 },
      ...opts,
    });
  const rec = new Recorded(runtime(spec.runtime), h);
  const started = performance.now();
  try {
    await spec.body({
      variant,
      driver: fx.driver,
      clock,
      h,
      rec,
      runtime,
      recorded: (rt) => new Recorded(rt, h),
      note: (f) => Object.assign(facts, f),
    });
    const report = h.check(finalJobs(await snapshot(rec.rt, spec.queues)));
    record(variant, spec.name, report, facts, performance.now() - started);
    return report;
  } finally {
    await fx.driver.close();
    await fx.cleanup?.();
  }
}

function record(
  variant: DriverVariant,
  name: string,
  report: CheckReport,
  facts: Record<string, unknown>,
  ms: number,
): void {
  if (!REPORT) return;
  const line = {
    driver: variant.label,
    scenario: name,
    ms: Math.round(ms),
    counts: report.counts,
    stats: report.stats,
    facts,
  };
  appendFileSync(REPORT, `${JSON.stringify(line)}\n`);
}

/** Runs `n` workers until each returns. */
export async function workers(n: number, work: (i: number) => Promise<void>): Promise<void> {
  await Promise.all(Array.from({ length: n }, (_, i) => work(i)));
}

/** Values `prefix-0` ... in batches of at most `batch`, enqueued by `producers` in parallel. */
export async function enqueueAll(
  rec: Recorded,
  queue: string,
  prefix: string,
  total: number,
  opts: { batch?: number; producers?: number; leaseMs?: number; maxAttempts?: number } = {},
): Promise<void> {
  const batch = opts.batch ?? 1_000;
  let next = 0;
  const extra = {
    ...(opts.leaseMs === undefined ? {} : { leaseMs: opts.leaseMs }),
    ...(opts.maxAttempts === undefined ? {} : { maxAttempts: opts.maxAttempts }),
  };
  await workers(opts.producers ?? 4, async () => {
    while (next < total) {
      const from = next;
      next = Math.min(total, next + batch);
      const items = Array.from({ length: next - from }, (_, i) => ({
        value: `${prefix}-${from + i}`,
      }));
      const ids = await rec.enqueue(queue, items, extra);
      if (!ids) throw new Error(`enqueue of ${prefix}-${from}.. did not succeed`);
    }
  });
}
