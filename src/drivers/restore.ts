/**
 * What every driver's `restore` shares: the check on its input, the state a job is stored in,
 * and which jobs of a batch may become their debounce key's merge target.
 */
import type { JobState, RestoreJob } from './types.js';

/** Stored states: a waiting job is `queued` whatever its run time. */
export type StoredState = Exclude<JobState, 'scheduled' | 'active'>;

/**
 * Throws when a job cannot be restored. An active job's lease token belongs to a worker of the
 * other store; `edgeq copy --include-active` turns such jobs into waiting ones before calling.
 */
export function checkRestorable(driver: string, jobs: readonly RestoreJob[]): void {
  for (const j of jobs) {
    if ((j.state as JobState) === 'active') {
      throw new Error(
        `[edgeq] [${driver}] restore takes waiting and finished jobs, not active ones`,
      );
    }
  }
}

/** The state a job is stored in: a scheduled one waits as `queued`. */
export function storedState(j: RestoreJob): StoredState {
  return j.state === 'scheduled' ? 'queued' : j.state;
}

/** Whether a job is restored waiting (claimable at its run time). */
export function isWaiting(j: RestoreJob): boolean {
  return j.state === 'queued' || j.state === 'scheduled';
}

/**
 * Ids that may become their debounce key's merge target: waiting jobs that never ran (a job back
 * from a failed attempt is never merged into), the first of the batch per (queue, key). The
 * driver still leaves the key alone when the namespace already has a target for it.
 */
export function debounceHolders(jobs: readonly RestoreJob[]): Set<string> {
  const taken = new Set<string>();
  const holders = new Set<string>();
  for (const j of jobs) {
    if (j.debounceKey === undefined || !isWaiting(j) || j.attempt !== 0) continue;
    const k = `${j.queue}\0${j.debounceKey}`;
    if (taken.has(k)) continue;
    taken.add(k);
    holders.add(j.id);
  }
  return holders;
}
