/**
 * Scenario sizes: CI sizes by default, soak sizes with `SOAK=1` (`npm run soak`). Every scenario
 * on every driver takes about 85 s of CI time in all; the transports that pay an HTTP request per
 * statement (libSQL over Hrana, Neon over HTTP) run the two round-heavy scenarios (vanishing
 * claimers, enqueue storm) smaller in CI.
 */
export const SOAK = process.env.SOAK === '1';

export interface Sizes {
  /** Concurrent claimers x jobs. */
  claimers: number;
  jobs: number;
  /** Claimers that vanish mid-lease: jobs and claimers. */
  crashJobs: number;
  crashClaimers: number;
  /** Jobs raced (reclaim vs ack, ABA, double ack, max attempts). */
  raceJobs: number;
  /** Expired leases reclaimed across ticks. */
  reclaimJobs: number;
  /** Rounds of concurrent cron ticks, and ticks per round. */
  cronRounds: number;
  cronTicks: number;
  /** Enqueue storm: producers x batches, while `stormClaimers` drain. */
  producers: number;
  stormBatches: number;
  stormClaimers: number;
}

const CI: Sizes = {
  claimers: 16,
  jobs: 2_000,
  crashJobs: 400,
  crashClaimers: 8,
  raceJobs: 200,
  reclaimJobs: 25_000,
  cronRounds: 5,
  cronTicks: 5,
  producers: 4,
  stormBatches: 15,
  stormClaimers: 8,
};

const SOAK_SIZES: Sizes = {
  claimers: 64,
  jobs: 50_000,
  crashJobs: 5_000,
  crashClaimers: 32,
  raceJobs: 2_000,
  reclaimJobs: 25_000,
  cronRounds: 40,
  cronTicks: 10,
  producers: 16,
  stormBatches: 100,
  stormClaimers: 32,
};

/** Per-request HTTP transports: some CI sizes halved (the soak runs them at full size). */
const SLOW = new Set(['libsql-hrana', 'postgres-neon-http']);

export function sizesFor(label: string): Sizes {
  if (SOAK) return SOAK_SIZES;
  if (!SLOW.has(label)) return CI;
  return { ...CI, crashJobs: 200, stormBatches: 8 };
}
