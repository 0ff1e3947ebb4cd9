/** The memory driver's job record and the claim order it keeps waiting jobs in. */
import { jobRecord, publicState as publicStateOf } from '../record.js';
import type { BackoffPolicy, ClaimedJob, JobRecord, JobState, NewJob } from '../types.js';

/** Stored states: a waiting job is `queued` whatever its run time (see `publicState`). */
export interface StoredJob extends Omit<NewJob, 'maxAttempts' | 'leaseMs' | 'backoff'> {
  /** Resolved at enqueue: the job's own, else the queue's setting, else the call's default. */
  maxAttempts: number;
  leaseMs: number;
  backoff?: BackoffPolicy | undefined;
  state: Exclude<JobState, 'scheduled'>;
  attempt: number;
  createdAt: number;
  updatedAt: number;
  leaseToken?: string;
  leaseExpiresAt?: number | undefined;
  finishedAt?: number | undefined;
  result?: string | undefined;
  lastError?: string;
}

/** A waiting job whose run time has not come is reported as `scheduled`. */
export function publicState(job: StoredJob, now: number): JobState {
  return publicStateOf(job.state, job.runAt, now);
}

/** Claim order: higher priority, then earlier run time, then FIFO (ids are time-ordered). */
function before(a: StoredJob, b: StoredJob): boolean {
  if (a.priority !== b.priority) return a.priority > b.priority;
  if (a.runAt !== b.runAt) return a.runAt < b.runAt;
  return a.id < b.id;
}

/** A sorted array with binary insertion: claim reads from the front. */
export const sortWaiting = {
  insert(list: StoredJob[], job: StoredJob): void {
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (before(list[mid]!, job)) lo = mid + 1;
      else hi = mid;
    }
    list.splice(lo, 0, job);
  },
  remove(list: StoredJob[], job: StoredJob): void {
    const i = list.indexOf(job);
    if (i >= 0) list.splice(i, 1);
  },
};

export function toClaimed(job: StoredJob): ClaimedJob {
  const claimed: ClaimedJob = {
    id: job.id,
    queue: job.queue,
    payload: job.payload,
    priority: job.priority,
    attempt: job.attempt,
    maxAttempts: job.maxAttempts,
    leaseToken: job.leaseToken!,
    leaseExpiresAt: job.leaseExpiresAt!,
    createdAt: job.createdAt,
  };
  if (job.group !== undefined) claimed.group = job.group;
  return claimed;
}

export function toRecord(job: StoredJob, now: number): JobRecord {
  return jobRecord(job, now);
}
