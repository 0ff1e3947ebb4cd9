/**
 * Contract suite harness. A driver's test file calls `driverContract` with a factory; every area
 * of the suite runs against it. Time is passed in explicitly (the drivers never read a clock),
 * so nothing here sleeps.
 */
import { afterEach, beforeEach, it } from 'vitest';
import type {
  BackoffPolicy,
  Capabilities,
  CapabilityName,
  Driver,
  JobDefaults,
  NewJob,
} from '../../src/drivers/types.js';
import { newJobId, newLeaseToken } from '../../src/runtime/ids.js';

export interface DriverFixture {
  driver: Driver;
  /** Storage round trips made so far, for drivers whose transport can count them. */
  roundTrips?: () => number;
  /** A second driver instance over the same store (for durability and sharing checks). */
  reopen?: () => Promise<Driver>;
  cleanup?: () => Promise<void>;
}

export type DriverFactory = () => Promise<DriverFixture>;

export interface Ctx {
  readonly fx: DriverFixture;
  readonly d: Driver;
  ns: string;
}

export const T0 = 1_800_000_000_000;
export const NO_JITTER: BackoffPolicy = { baseMs: 1_000, maxMs: 60_000, jitter: 0 };
/** Spread to pass as a nack's or reclaim's backoff: no jitter, so delays are exact. */
export const RETRY = { backoff: NO_JITTER, draw: 0 };
/** Fallbacks for jobs that set neither maxAttempts nor leaseMs. */
export const DEFAULTS: JobDefaults = { maxAttempts: 5, leaseMs: 30_000 };

let seq = 0;
/** A new job with defaults; ids are minted at T0 + seq so FIFO order is creation order. */
export function job(queue: string, over: Partial<NewJob> = {}): NewJob {
  seq++;
  return {
    id: newJobId(T0 + seq),
    queue,
    payload: JSON.stringify({ n: seq }),
    runAt: T0,
    priority: 0,
    maxAttempts: 3,
    leaseMs: 30_000,
    ...over,
  };
}

export const token = newLeaseToken;

/** Sets up a fresh fixture per test; returns a live context object. */
export function useDriver(factory: DriverFactory): Ctx {
  const ctx = {} as { fx: DriverFixture; d: Driver; ns: string };
  beforeEach(async () => {
    ctx.fx = await factory();
    ctx.d = ctx.fx.driver;
    // A unique namespace per test keeps shared stores (Redis, Postgres) from mixing tests.
    ctx.ns = `t${Math.random().toString(36).slice(2, 10)}`;
  });
  afterEach(async () => {
    await ctx.fx.driver.close();
    await ctx.fx.cleanup?.();
  });
  return ctx;
}

/** What a driver's test file declares: its name, what it can do, and how to build it. */
export interface DriverSuite {
  name: string;
  /** Must equal `driver.capabilities` (checked); drives which tests run. */
  capabilities: Capabilities;
  /** The fixture's `roundTrips` counter is present. */
  countsRoundTrips: boolean;
  factory: DriverFactory;
}

export type Need = CapabilityName | 'roundTrips';

/**
 * A test that needs a capability. When the driver lacks it the test is skipped and says so by
 * name, loudly: in the test title and on stderr.
 */
export function itNeeds(suite: DriverSuite, need: Need, title: string, fn: () => Promise<void>) {
  const has = need === 'roundTrips' ? suite.countsRoundTrips : suite.capabilities[need];
  if (has) {
    it(title, fn);
    return;
  }
  console.warn(`[contract] [${suite.name}] SKIPPED "${title}": the driver lacks "${need}"`);
  it.skip(`${title} [SKIPPED: ${suite.name} lacks "${need}"]`, fn);
}
