/** Maps rows from the store to contract types. */
import type { Row } from '@libsql/client';
import { claimedFromRow, jobRecord } from '../record.js';
import type { BackoffPolicy, JobRecord } from '../types.js';
import type { JobRow } from './tables.js';

export const claimedRow = (r: Row) => claimedFromRow(r);

export function recordOf(r: JobRow, now: number): JobRecord {
  const backoff = r.backoff == null ? null : (JSON.parse(r.backoff) as BackoffPolicy);
  return jobRecord({ ...r, key: r.idemKey, group: r.groupKey, backoff }, now);
}
