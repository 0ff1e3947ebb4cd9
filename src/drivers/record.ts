/**
 * A stored job as the contract reports it. Every driver maps its rows to `StoredFields` and
 * calls `jobRecord`, so the one rule that a waiting job not yet due reads as `scheduled` (and
 * which optional fields appear) lives in one place. (The Upstash scripts apply it in Lua.)
 */
import type { ClaimedJob, JobRecord, JobState } from './types.js';

type Optional =
  | 'backoff'
  | 'leaseExpiresAt'
  | 'finishedAt'
  | 'key'
  | 'group'
  | 'expiresAt'
  | 'debounceKey'
  | 'result'
  | 'lastError';

/** A job's columns as a driver reads them: the record's fields, optional ones possibly null. */
export type StoredFields = Omit<JobRecord, 'state' | Optional> & {
  /** Stored state: waiting jobs are `queued` whatever their run time. */
  state: Exclude<JobState, 'scheduled'>;
} & { [K in Optional]?: JobRecord[K] | null };

export function publicState(state: StoredFields['state'], runAt: number, now: number): JobState {
  return state === 'queued' && runAt > now ? 'scheduled' : state;
}

export function jobRecord(r: StoredFields, now: number): JobRecord {
  const rec: JobRecord = {
    id: r.id,
    queue: r.queue,
    state: publicState(r.state, r.runAt, now),
    payload: r.payload,
    priority: r.priority,
    attempt: r.attempt,
    maxAttempts: r.maxAttempts,
    runAt: r.runAt,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    leaseMs: r.leaseMs,
  };
  if (r.backoff != null) rec.backoff = r.backoff;
  if (r.leaseExpiresAt != null) rec.leaseExpiresAt = r.leaseExpiresAt;
  if (r.finishedAt != null) rec.finishedAt = r.finishedAt;
  if (r.key != null) rec.key = r.key;
  if (r.group != null) rec.group = r.group;
  if (r.expiresAt != null) rec.expiresAt = r.expiresAt;
  if (r.debounceKey != null) rec.debounceKey = r.debounceKey;
  if (r.result != null) rec.result = r.result;
  if (r.lastError != null) rec.lastError = r.lastError;
  return rec;
}

/** A claimed job from a SQL row with the schema's snake_case columns (libSQL and Postgres). */
export function claimedFromRow(r: Record<string, unknown>): ClaimedJob & { runAt: number } {
  const job: ClaimedJob & { runAt: number } = {
    id: String(r.id),
    queue: String(r.queue),
    payload: String(r.payload),
    priority: Number(r.priority),
    attempt: Number(r.attempt),
    maxAttempts: Number(r.max_attempts),
    leaseToken: String(r.lease_token),
    leaseExpiresAt: Number(r.lease_expires_at),
    createdAt: Number(r.created_at),
    runAt: Number(r.run_at),
  };
  if (r.group_key != null) job.group = String(r.group_key);
  return job;
}
