/**
 * A concurrent enqueue / claim / ack workload through the runtime, recorded in a History
 * (test/support/history.ts): producers enqueue keyed jobs and retry an unknown enqueue with the
 * same key; claimers lease batches and ack them, half on the next claim and half with a separate
 * ack call. Then `settle` drains with faults off: the clock moves past every lease, a tick
 * reclaims the leases hidden by lost claim responses, and claimers finish the rest.
 *
 * Each call's outcome: ok (a reply), failed (a definite refusal that changed nothing: any
 * EdgeqError but driver_unavailable), unknown (driver_unavailable: the store failed, and the
 * call may or may not have taken effect). Any other exception is a wrong answer and is kept in
 * `strays`.
 */
import type { JobState } from '../../src/drivers/types.js';
import { EdgeqError } from '../../src/errors.js';
import type { Runtime } from '../../src/runtime/runtime.js';
import type { AckRef, FinalJob, History, LeasedJob, Op } from '../support/history.js';

export interface Workload {
  queue: string;
  producers: number;
  jobsPerProducer: number;
  claimers: number;
}

export interface Tally {
  ok: number;
  failed: number;
  unknown: number;
  /** Exceptions other than EdgeqError: a driver answered wrongly instead of failing. */
  strays: string[];
  /** Unknown outcomes by the store error behind them (name and first words of its message). */
  causes: Record<string, number>;
}

const newTally = (): Tally => ({ ok: 0, failed: 0, unknown: 0, strays: [], causes: {} });

/** A short label for the store error behind a driver_unavailable. */
function causeOf(err: unknown): string {
  let e: unknown = err instanceof EdgeqError ? err.cause : err;
  // drizzle wraps the client's error; the client may wrap the network's.
  while (e instanceof Error && e.cause instanceof Error && /Failed query/.test(e.message)) {
    e = e.cause;
  }
  const text = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return text.slice(0, 60);
}

const STATES: JobState[] = ['scheduled', 'queued', 'active', 'completed', 'dead', 'cancelled'];

/** Runs `fn` as the op `op`, recording its outcome; the reply maker sees fn's result. */
async function record<T>(
  history: History,
  tally: Tally,
  op: Op,
  fn: () => Promise<T>,
  ok: (r: T) => void,
): Promise<T | undefined> {
  try {
    const r = await fn();
    ok(r);
    tally.ok++;
    return r;
  } catch (err) {
    if (err instanceof EdgeqError && err.code !== 'driver_unavailable') {
      history.fail(op, err.code);
      tally.failed++;
    } else {
      history.unknown(op, err instanceof Error ? err.message : String(err));
      tally.unknown++;
      const cause = causeOf(err);
      tally.causes[cause] = (tally.causes[cause] ?? 0) + 1;
      if (!(err instanceof EdgeqError)) tally.strays.push(String(err));
    }
    return undefined;
  }
}

const leased = (j: {
  id: string;
  leaseToken: string;
  attempt: number;
  maxAttempts: number;
  leaseExpiresAt: string;
  payload: unknown;
}): LeasedJob => ({
  id: j.id,
  token: j.leaseToken,
  attempt: j.attempt,
  maxAttempts: j.maxAttempts,
  expiresAt: Date.parse(j.leaseExpiresAt),
  value: (j.payload as { v?: string } | null)?.v ?? '',
});

/** One claim (carrying `acks`), recorded; returns the leases it got ([] when it failed). */
async function claimOnce(
  rt: Runtime,
  history: History,
  tally: Tally,
  queue: string,
  limit: number,
  acks: AckRef[],
): Promise<AckRef[] | undefined> {
  const op = history.invoke('claim', { queue, limit, acks });
  const res = await record(
    history,
    tally,
    op,
    () => rt.claim(queue, { limit, acks: acks.map((a) => ({ id: a.id, leaseToken: a.token })) }),
    (r) => history.ok(op, { jobs: r.jobs.map(leased), acks: r.acks.map((a) => a.ok) }),
  );
  return res?.jobs.map((j) => ({ id: j.id, token: j.leaseToken }));
}

async function ackOnce(rt: Runtime, history: History, tally: Tally, acks: AckRef[]) {
  const op = history.invoke('ack', { acks });
  await record(
    history,
    tally,
    op,
    () => rt.ackMany(acks.map((a) => ({ id: a.id, leaseToken: a.token }))),
    (r) => history.ok(op, { acks: r.map((a) => a.ok) }),
  );
}

/** Claims and acks until a claim comes back empty after `until()` holds. */
async function claimer(
  rt: Runtime,
  history: History,
  tally: Tally,
  queue: string,
  c: number,
  until: () => boolean,
): Promise<void> {
  let carry: AckRef[] = [];
  for (let round = 0; ; round++) {
    const limit = 1 + ((c * 7 + round) % 5);
    const jobs = await claimOnce(rt, history, tally, queue, limit, carry);
    carry = [];
    if (jobs?.length) {
      // Even claimers ack in a call of their own; odd ones carry the acks on the next claim.
      if (c % 2 === 0) await ackOnce(rt, history, tally, jobs);
      else carry = jobs;
    } else if (jobs && until()) {
      return;
    } else {
      await new Promise((r) => setTimeout(r, 2));
    }
  }
}

/** The workload, with whatever faults the endpoint has on. */
export async function run(rt: Runtime, history: History, w: Workload): Promise<Tally> {
  const tally = newTally();
  let producing = w.producers;
  const producer = async (p: number) => {
    for (let i = 0; i < w.jobsPerProducer; i++) {
      const value = `p${p}-${i}`;
      const item = { value, key: `k-${value}` };
      // An unknown enqueue is retried with the same key: the key makes the retry safe.
      for (let attempt = 0; attempt < 3; attempt++) {
        const op = history.invoke('enqueue', { queue: w.queue, items: [item] });
        const r = await record(
          history,
          tally,
          op,
          () => rt.enqueue(w.queue, [{ payload: { v: value }, key: item.key }]),
          (res) => history.ok(op, { ids: res.map((x) => x.id) }),
        );
        if (r || op.outcome === 'failed') break;
      }
    }
    producing--;
  };
  await Promise.all([
    ...Array.from({ length: w.producers }, (_, p) => producer(p)),
    ...Array.from({ length: w.claimers }, (_, c) =>
      claimer(rt, history, tally, w.queue, c, () => producing === 0),
    ),
  ]);
  return tally;
}

/**
 * With faults off: moves the clock past every lease and backoff, ticks (reclaiming leases that
 * lost claim responses hid), and drains, until nothing waits or is leased.
 */
export async function settle(
  rt: Runtime,
  history: History,
  clock: { now: number },
  w: Workload,
): Promise<Tally> {
  const tally = newTally();
  for (let round = 0; round < 20; round++) {
    clock.now += rt.limits.leaseMs + rt.limits.backoffMaxMs + 1;
    const op = history.invoke('tick', {});
    await record(
      history,
      tally,
      op,
      () => rt.tick(),
      () => history.ok(op, {}),
    );
    await Promise.all(
      Array.from({ length: w.claimers }, (_, c) =>
        claimer(rt, history, tally, w.queue, c, () => true),
      ),
    );
    const { counts } = await rt.queue(w.queue);
    if (counts.scheduled + counts.queued + counts.active === 0) return tally;
  }
  throw new Error('the queue did not settle in 20 rounds');
}

/** Every job of the queue, in every state, for the checker. */
export async function snapshot(rt: Runtime, queue: string): Promise<FinalJob[]> {
  const out: FinalJob[] = [];
  for (const state of STATES) {
    let cursor: string | undefined;
    do {
      const page = await rt.list(queue, state, { limit: 1_000, ...(cursor ? { cursor } : {}) });
      for (const j of page.jobs) {
        const value = (j.payload as { v?: string } | null)?.v;
        out.push({
          id: j.id,
          queue: j.queue,
          state: j.state,
          attempt: j.attempt,
          ...(value === undefined ? {} : { value }),
          ...(j.key === undefined ? {} : { key: j.key }),
        });
      }
      cursor = page.cursor;
    } while (cursor);
  }
  return out;
}
