/** The public shapes of `createWorker`: options, the handler's job and context, stats. */
import type { ClientOptions } from './http.js';
import type { EdgeqJobsClient } from './jobs.js';
import type { ClaimedView } from './types.js';

/** A claimed job as the handler gets it. The payload's type is the caller's claim, unchecked. */
export type WorkerJob<P = unknown> = Omit<ClaimedView, 'payload'> & { payload: P };

/** The handler's second argument. */
export interface WorkerContext {
  /**
   * Aborted when this worker no longer holds the job: its lease was lost (an extension was
   * refused, or the lease ran out), or `stop()` gave up waiting. Stop work when it fires; what
   * the handler returns after that is ignored.
   */
  signal: AbortSignal;
  /**
   * Renews the lease now for `leaseMs` (default: the lease length the worker uses), and keeps
   * that length for the worker's later extensions. The worker already extends at about half of
   * each lease, so this is only for a handler that wants a longer lease at once. Rejects (and
   * aborts `signal`) when the lease is lost.
   */
  extend(leaseMs?: number): Promise<void>;
}

/**
 * Runs one job. Its return value becomes the ack's `result` (any JSON value); a throw nacks the
 * job with the error's message, to retry with the queue's backoff. A thrown error may ask for
 * more with a `retryInMs` (number) or `dead` (true) property, e.g. a `JobError`.
 */
export type WorkerHandler<P = unknown, R = unknown> = (
  job: WorkerJob<P>,
  ctx: WorkerContext,
) => R | Promise<R>;

/** Where an error reported to `onError` happened. */
export interface WorkerErrorInfo {
  phase: 'claim' | 'ack' | 'nack' | 'extend';
  /** The job concerned, for ack, nack and extend. */
  jobId?: string;
}

/** What `createWorker` runs, and how. */
export interface WorkerSettings<P = unknown, R = unknown> {
  queue: string;
  handler: WorkerHandler<P, R>;
  /** Handlers running at once (default 1). A claim asks for the free slots, at most 100. */
  concurrency?: number;
  /**
   * Most jobs one claim asks for (1 to 100, default 100); a claim never asks for more than the
   * free slots. Lower it to leave jobs for other workers instead of holding them in this one.
   */
  batchSize?: number;
  /**
   * Lease length asked for in each claim and extension, in ms (default: each job's own). With
   * it, extensions are timed by this host's clock alone; without it, by each job's
   * `leaseExpiresAt`, which assumes this host's clock agrees with the server's (NTP).
   */
  leaseMs?: number;
  /** First delay after an empty claim (default 25 ms); doubles, with jitter, per empty claim. */
  idleDelayMs?: number;
  /** Longest delay between claims of an empty queue or after errors (default 1,000 ms). */
  maxIdleDelayMs?: number;
  /** Longest an ack waits for a claim to carry it before it is sent alone (default 50 ms). */
  ackDelayMs?: number;
  /** Aborting it stops the worker, as `stop()` with the default grace. */
  signal?: AbortSignal;
  /** How long `stop()` waits for running handlers by default (30,000 ms). */
  graceMs?: number;
  /**
   * Called for every failed claim, ack, nack or extension; the worker carries on (backing off
   * after failed claims). Default: one line on `console.error`.
   */
  onError?: (err: unknown, info: WorkerErrorInfo) => void;
}

/** Connection options, or a client to share. */
export type WorkerOptions<P = unknown, R = unknown> = WorkerSettings<P, R> &
  (ClientOptions | { client: EdgeqJobsClient });

/** Running totals, for logs and benchmarks. */
export interface WorkerStats {
  /** Claim requests sent. */
  claims: number;
  /** Jobs received from claims, each given to the handler. */
  received: number;
  /** Jobs acked, confirmed by the server. */
  completed: number;
  /** Jobs nacked, confirmed by the server (handler threw, or stopped before it finished). */
  failed: number;
  /** Jobs this worker lost the lease of: not settled by it, redelivered by the server. */
  lost: number;
  /** Calls of `onError`. */
  errors: number;
}

/** A running worker, as `createWorker` returns it. */
export interface EdgeqWorker {
  /**
   * Stops claiming, waits up to `graceMs` for running handlers (and their acks), nacks those
   * still running (their `signal` aborted) to run again at once, flushes pending acks, and
   * resolves once nothing is left running, no request is in flight and no timer is set.
   * Calling it again returns the same promise.
   */
  stop(opts?: { graceMs?: number }): Promise<void>;
  /** Live counters. */
  readonly stats: Readonly<WorkerStats>;
  /** Handlers running now. */
  readonly active: number;
  /** True until `stop()` has resolved. */
  readonly running: boolean;
}

/**
 * A handler failure that asks for a specific retry: after `retryInMs`, or never (`dead`).
 *
 * @example
 * throw new JobError('rate limited by the provider', { retryInMs: 60_000 });
 * throw new JobError('address does not exist', { dead: true });
 */
export class JobError extends Error {
  override readonly name = 'JobError';
  readonly retryInMs?: number;
  readonly dead?: boolean;

  constructor(message: string, opts: { retryInMs?: number; dead?: boolean; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    if (opts.retryInMs !== undefined) this.retryInMs = opts.retryInMs;
    if (opts.dead !== undefined) this.dead = opts.dead;
  }
}
