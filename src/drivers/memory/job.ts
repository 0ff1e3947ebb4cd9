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

/**
 * Waiting jobs in claim order: a sorted array with binary insertion, whose taken front is
 * skipped by an offset instead of shifted out. Taking the first job is O(1) and appending the
 * newest (the usual enqueue) amortised O(1), so a claim costs the same at 1,000 or 1,000,000
 * waiting jobs; `splice(0, 1)` on the array made it grow with the queue's depth.
 */
export class WaitList implements Iterable<StoredJob> {
  #items: StoredJob[] = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  /** First index in the live range whose job does not come before `job`. */
  #lowerBound(job: StoredJob): number {
    let lo = this.#head;
    let hi = this.#items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (before(this.#items[mid]!, job)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  insert(job: StoredJob): void {
    const at = this.#lowerBound(job);
    if (at === this.#items.length) this.#items.push(job);
    else if (at === this.#head && this.#head > 0) this.#items[--this.#head] = job;
    else this.#items.splice(at, 0, job);
  }

  remove(job: StoredJob): void {
    let i = this.#lowerBound(job);
    // Found by its sort keys; a job whose keys changed while waiting is found by a scan.
    if (this.#items[i] !== job) i = this.#items.indexOf(job, this.#head);
    if (i < 0) return;
    if (i === this.#head) {
      this.#items[i] = undefined as unknown as StoredJob; // let it be collected
      this.#head++;
      // Compact once the skipped front is most of the array.
      if (this.#head === this.#items.length) {
        this.#items = [];
        this.#head = 0;
      } else if (this.#head >= 1_024 && this.#head * 2 >= this.#items.length) {
        this.#items = this.#items.slice(this.#head);
        this.#head = 0;
      }
    } else {
      this.#items.splice(i, 1);
    }
  }

  *[Symbol.iterator](): Iterator<StoredJob> {
    for (let i = this.#head; i < this.#items.length; i++) yield this.#items[i]!;
  }
}

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
