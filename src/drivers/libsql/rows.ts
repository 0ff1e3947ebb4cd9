/** Maps rows from the store to contract types. */
import type { Row } from '@libsql/client';
import { jobRecord } from '../record.js';
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
  return jobRecord({ ...r, key: r.idemKey }, now);
}
