/**
 * Lease timing for the worker: when each running job's lease ends on this host's clock, and when
 * to extend it next (about halfway). With the worker's own `leaseMs` every time is measured from
 * when the request was sent, on this host's clock alone: the lease began after the send, so the
 * estimate errs early. Without it the server's `leaseExpiresAt` is read, which assumes the two
 * clocks agree.
 */
import type { ClaimedView, ExtendResult } from './types.js';

/** A job whose handler is running. */
export interface Running {
  job: ClaimedView;
  ctrl: AbortController;
  /** Lease length for extensions. */
  leaseMs: number;
  /** When the lease ends, on this host's clock (an estimate; see the module comment). */
  expiresAt: number;
  /** When to extend next. */
  extendAt: number;
  extending: boolean;
  /** The lease is gone: the job is not settled by this worker. */
  lost: boolean;
  /** Given up by `stop()` and nacked: what the handler returns is ignored. */
  abandoned: boolean;
}

const MIN_LEASE_MS = 1_000;
const MAX_LEASE_MS = 12 * 3_600_000;
/** Never extend sooner than this after the last time: a wrong clock must not spin the loop. */
const MIN_EXTEND_GAP_MS = 100;
/** A failed extension is tried again after at most this long (if the lease lasts that long). */
const RETRY_EXTEND_MS = 1_000;

/** When to extend a lease that ends at `expiresAt`: about halfway from `now`. */
function halfway(now: number, expiresAt: number): number {
  return now + Math.max(MIN_EXTEND_GAP_MS, (expiresAt - now) / 2);
}

/** The running state of a job from a claim sent at `sentAt` and answered at `receivedAt`. */
export function running(
  job: ClaimedView,
  sentAt: number,
  receivedAt: number,
  fixedLeaseMs: number | undefined,
): Running {
  let leaseMs: number;
  let expiresAt: number;
  if (fixedLeaseMs !== undefined) {
    leaseMs = fixedLeaseMs;
    expiresAt = sentAt + leaseMs;
  } else {
    expiresAt = Date.parse(job.leaseExpiresAt);
    // The job's own lease length, to ask for again: whole seconds, as leases are usually set.
    const estimate = Math.round((expiresAt - sentAt) / 1_000) * 1_000;
    leaseMs = Math.min(MAX_LEASE_MS, Math.max(MIN_LEASE_MS, estimate));
  }
  return {
    job,
    ctrl: new AbortController(),
    leaseMs,
    expiresAt,
    extendAt: halfway(receivedAt, expiresAt),
    extending: false,
    lost: false,
    abandoned: false,
  };
}

/**
 * After a successful extension for `leaseMs`: `from` is when it was sent (the worker's own
 * lease length) or the server's answer (read its `leaseExpiresAt`). A handler's
 * `ctx.extend(ms)` thereby sets the length of later extensions too.
 */
export function extended(r: Running, leaseMs: number, from: number | ExtendResult): void {
  r.leaseMs = leaseMs;
  r.expiresAt = typeof from === 'number' ? from + leaseMs : Date.parse(from.leaseExpiresAt);
  r.extendAt = halfway(Date.now(), r.expiresAt);
}

/**
 * After an extension failed in transit: schedules another try and returns true, or returns
 * false when the lease has already run out.
 */
export function retryExtension(r: Running): boolean {
  const now = Date.now();
  if (now >= r.expiresAt) return false;
  r.extendAt =
    now + Math.max(MIN_EXTEND_GAP_MS, Math.min(RETRY_EXTEND_MS, (r.expiresAt - now) / 2));
  return true;
}
