/** Maps rows from the store to contract types. */
import type { Row } from '@libsql/client';
import type { ClaimedJob, JobRecord } from '../types.js';
import type { JobRow } from './tables.js';

export function claimedRow(r: Row): ClaimedJob & { runAt: number } {
  return {
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
}

export function recordOf(r: JobRow, now: number): JobRecord {
  const rec: JobRecord = {
    id: r.id,
    queue: r.queue,
    state: r.state === 'queued' && r.runAt > now ? 'scheduled' : r.state,
    payload: r.payload,
    priority: r.priority,
    attempt: r.attempt,
    maxAttempts: r.maxAttempts,
    runAt: r.runAt,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
  if (r.leaseExpiresAt !== null) rec.leaseExpiresAt = r.leaseExpiresAt;
  if (r.finishedAt !== null) rec.finishedAt = r.finishedAt;
  if (r.idemKey !== null) rec.key = r.idemKey;
  if (r.result !== null) rec.result = r.result;
  if (r.lastError !== null) rec.lastError = r.lastError;
  return rec;
}
