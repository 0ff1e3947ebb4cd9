/**
 * Telling "my earlier try succeeded, its answer was lost" from "the lease really was lost".
 *
 * A retried ack or nack whose first try had run gets 409 `lease_lost`: the job is no longer held
 * by that token, because this very call settled it. The only way to tell is to read the job. An
 * ack counts as landed when the job is `completed` with exactly this ack's result; a nack when
 * the job waits again (or is dead) with this nack's error text. A job completed by another
 * consumer after the lease expired carries that consumer's result, so it is not mistaken for
 * ours unless both results are equal, in which case the outcome is the same anyway.
 */
import type { JobView, NackInput, NackResult } from './types.js';

type Read = (id: string) => Promise<JobView>;

/** Same JSON value, as the server would have stored it. */
const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

async function read(get: Read, id: string): Promise<JobView | undefined> {
  try {
    return await get(id);
  } catch {
    return undefined; // unreadable (pruned, or the store is down): not confirmed
  }
}

/** Whether the job is completed with `result`. */
export async function ackLanded(get: Read, id: string, result: unknown): Promise<boolean> {
  const job = await read(get, id);
  return job?.state === 'completed' && sameJson(job.result, result);
}

/** The nack's answer as the first try would have given it, or undefined if it did not land. */
export async function nackLanded(
  get: Read,
  id: string,
  input: NackInput,
): Promise<NackResult | undefined> {
  const job = await read(get, id);
  if (!job) return undefined;
  const waiting = job.state === 'queued' || job.state === 'scheduled';
  if (!(job.state === 'dead' || (waiting && !input.dead))) return undefined;
  if (input.error !== undefined && job.lastError !== input.error) return undefined;
  return job.state === 'dead'
    ? { id, state: 'dead', confirmed: true }
    : { id, state: 'queued', runAt: job.runAt, confirmed: true };
}
