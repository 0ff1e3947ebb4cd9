/** How the worker turns outcomes into requests and log lines: a thrown value into a nack. */
import { EdgeqApiError } from './errors.js';
import type { NackInput } from './types.js';
import type { WorkerErrorInfo } from './worker-types.js';

/** Longest error text a nack carries (the API takes 8,192 characters). */
const MAX_ERROR = 2_000;
const MAX_RETRY_MS = 365 * 24 * 3_600_000;

/** `s`, cut to `MAX_ERROR` characters. */
export const clip = (s: string): string => (s.length > MAX_ERROR ? `${s.slice(0, MAX_ERROR)}…` : s);

/** A 409 or 404 on a fenced call: this worker no longer holds the job. */
export function fenced(err: unknown): boolean {
  return err instanceof EdgeqApiError && (err.code === 'lease_lost' || err.code === 'not_found');
}

/**
 * The nack for a thrown value: its message, and the `retryInMs` / `dead` it asks for (any error
 * with those properties, such as a `JobError`), clamped to what the API accepts.
 */
export function failure(err: unknown): Omit<NackInput, 'leaseToken'> {
  const message = err instanceof Error ? err.message || err.name : String(err);
  const out: Omit<NackInput, 'leaseToken'> = { error: clip(message) };
  const asks = (err ?? {}) as { retryInMs?: unknown; dead?: unknown };
  if (typeof asks.retryInMs === 'number' && Number.isFinite(asks.retryInMs)) {
    out.retryInMs = Math.min(MAX_RETRY_MS, Math.max(0, Math.round(asks.retryInMs)));
  }
  if (asks.dead === true) out.dead = true;
  return out;
}

/** The default `onError`: one line naming the queue, the phase and the job, never a payload. */
export function defaultOnError(queue: string, err: unknown, info: WorkerErrorInfo): void {
  const what = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  const job = info.jobId ? ` of job ${info.jobId}` : '';
  console.error(`[edgeq] worker on queue ${queue}: ${info.phase}${job} failed: ${what}`);
}
