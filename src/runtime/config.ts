/** Documented defaults and their bounds; every one can be overridden in `createRuntime`. */
export interface Limits {
  /** Lease length when neither the job nor the claim names one (30 s). */
  leaseMs: number;
  /** Attempts before a job is dead-lettered (5). */
  maxAttempts: number;
  /** First retry delay; doubles per attempt with equal jitter (1 s). */
  backoffBaseMs: number;
  /** Longest retry delay (1 h). */
  backoffMaxMs: number;
  /** How long completed and cancelled jobs are kept (24 h). */
  completedRetentionMs: number;
  /** How long dead jobs are kept (7 days). */
  deadRetentionMs: number;
  /** Largest request body in bytes (1 MiB). */
  maxBodyBytes: number;
}

export const DEFAULT_LIMITS: Limits = {
  leaseMs: 30_000,
  maxAttempts: 5,
  backoffBaseMs: 1_000,
  backoffMaxMs: 3_600_000,
  completedRetentionMs: 24 * 3_600_000,
  deadRetentionMs: 7 * 24 * 3_600_000,
  maxBodyBytes: 1024 * 1024,
};

/** Hard bounds the API enforces on request fields. */
export const BOUNDS = {
  minLeaseMs: 1_000,
  maxLeaseMs: 12 * 3_600_000,
  maxClaim: 100,
  maxEnqueueBatch: 1_000,
  maxAckBatch: 100,
  maxAttempts: 1_000,
  maxPriority: 1_000_000,
  /** Furthest a job may be scheduled ahead (1 year). */
  maxDelayMs: 365 * 24 * 3_600_000,
  maxKeyLength: 256,
  maxErrorLength: 8_192,
  maxListLimit: 1_000,
  /** Most missed slots a schedule may catch up after a gap. */
  maxCatchUp: 100,
  /** Deepest nesting of a payload or result (deeper JSON can overflow the stack when stored). */
  maxJsonDepth: 64,
} as const;

/** Bounds of the scheduled work, so one tick fits the Workers CPU and wall limits. */
export interface TickOptions {
  /** Jobs touched per driver call (500). */
  batchSize: number;
  /** Wall-clock budget for one tick (10 s). */
  budgetMs: number;
  /**
   * Storage calls one tick may make (40): the Workers free plan allows 50 subrequests per
   * invocation. Raise it on the paid plan (10,000) or on Node.
   */
  maxCalls: number;
}

export const DEFAULT_TICK: TickOptions = { batchSize: 500, budgetMs: 10_000, maxCalls: 40 };

/**
 * Queue, schedule and namespace names. They become parts of Redis keys and SQL values, so no
 * ':', '{', '}', space, quote or control character; and not '.' or '..', which a URL path
 * collapses, so such a queue could be filled but never addressed.
 */
export const QUEUE_NAME = /^(?!\.\.?$)[A-Za-z0-9_.-]{1,128}$/;
export const QUEUE_NAME_RULE = "must be 1 to 128 characters of A-Z a-z 0-9 _ . - (not '.' or '..')";
export const DEFAULT_NAMESPACE = 'default';
