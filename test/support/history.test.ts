/**
 * The history checker on hand-made histories: a clean one (with crashes, retries, stale tokens
 * and unknown outcomes that a correct queue produces) counts nothing; each broken one is caught by
 * the count named after its anomaly, and only where the history proves it.
 */
import { describe, expect, it } from 'vitest';
import {
  ANOMALIES,
  type Anomalies,
  type FinalJob,
  History,
  type LeasedJob,
  noAnomalies,
} from './history.js';

const T0 = 1_800_000_000_000;
const LEASE = 30_000;

/** A recorder with a hand-driven clock and one-line helpers per operation. */
function recorder() {
  let now = T0;
  const h = new History(() => now);
  let tokens = 0;
  const lease = (id: string, attempt: number, over: Partial<LeasedJob> = {}): LeasedJob => ({
    id,
    token: `tok${++tokens}`,
    attempt,
    maxAttempts: 5,
    expiresAt: now + LEASE,
    value: `v-${id}`,
    ...over,
  });
  return {
    h,
    at: (ms: number) => {
      now = T0 + ms;
    },
    lease,
    /** Enqueues `v-<id>` per id (keyed when `key` is given); the reply names the ids. */
    enqueue(ids: string[], outcome: 'ok' | 'failed' | 'unknown' = 'ok', key?: string) {
      const items = ids.map((id) => ({ value: `v-${id}`, ...(key ? { key } : {}) }));
      const op = h.invoke('enqueue', { queue: 'q', items });
      if (outcome === 'ok') h.ok(op, { ids });
      else h[outcome === 'failed' ? 'fail' : 'unknown'](op);
    },
    claim(jobs: LeasedJob[] | 'unknown', acks: { id: string; token: string; ok: boolean }[] = []) {
      const op = h.invoke('claim', { queue: 'q', limit: 10, acks });
      if (jobs === 'unknown') h.unknown(op);
      else h.ok(op, { jobs, acks: acks.map((a) => a.ok) });
      return jobs === 'unknown' ? [] : jobs;
    },
    ack(l: LeasedJob, outcome: boolean | 'unknown') {
      const op = h.invoke('ack', { acks: [{ id: l.id, token: l.token }] });
      if (outcome === 'unknown') h.unknown(op);
      else h.ok(op, { acks: [outcome] });
    },
    nack(l: LeasedJob, outcome: 'queued' | 'dead' | 'failed' | 'unknown') {
      const op = h.invoke('nack', { id: l.id, token: l.token });
      if (outcome === 'failed') h.fail(op, 'lease_lost');
      else if (outcome === 'unknown') h.unknown(op);
      else h.ok(op, { state: outcome });
    },
    /** Claims and acks each job once. */
    process(ids: string[]) {
      for (const l of this.claim(ids.map((id) => lease(id, 1)))) this.ack(l, true);
    },
    extend(l: LeasedJob, leaseMs: number, expiresAt: number | 'unknown') {
      const op = h.invoke('extend', { id: l.id, token: l.token, leaseMs });
      if (expiresAt === 'unknown') h.unknown(op);
      else h.ok(op, { expiresAt });
    },
  };
}

const done = (id: string, attempt = 1, state = 'completed'): FinalJob => ({
  id,
  queue: 'q',
  state,
  attempt,
  value: `v-${id}`,
});

/** Only these counts are non-zero, and they have these values. */
function expectCounts(got: Anomalies, want: Partial<Anomalies>): void {
  expect(got).toEqual({ ...noAnomalies(), ...want });
}

describe('history checker', () => {
  it('a clean history with crashes, nacks, stale tokens and unknown outcomes counts nothing', () => {
    const r = recorder();
    r.enqueue(['a', 'b', 'c', 'd']);
    r.enqueue(['e'], 'unknown'); // stored after all: claimed below
    r.enqueue(['f'], 'unknown'); // never stored
    r.enqueue(['g'], 'failed');
    const [a, b, c, d, e] = r.claim([
      r.lease('a', 1),
      r.lease('b', 1),
      r.lease('c', 1),
      r.lease('d', 1),
      r.lease('e', 1),
    ]);
    r.ack(a!, true);
    r.ack(a!, false); // a second ack is refused
    r.nack(c!, 'queued');
    r.ack(e!, 'unknown'); // it did complete
    r.extend(d!, 60_000, T0 + 60_000);
    // b's claimer vanished: its lease expires, the tick puts it back, attempt 2 completes.
    r.at(LEASE + 5_000);
    const [b2, c2] = r.claim([r.lease('b', 2), r.lease('c', 2)], [{ ...d!, ok: true }]);
    r.ack(b!, false); // the stale token is refused
    r.nack(b!, 'failed');
    r.claim('unknown'); // may have leased something: nothing shows up later, which is fine
    r.ack(b2!, true);
    r.ack(c2!, true);
    const report = r.h.check([done('a'), done('b', 2), done('c', 2), done('d'), done('e')]);
    expectCounts(report.counts, {});
    expect(report.stats).toMatchObject({
      ops: 16,
      unknownOps: 4,
      enqueued: 7,
      jobs: 5,
      leases: 7,
      reexecutions: 2,
      completed: 5,
      dead: 0,
    });
  });

  it('lost: an accepted job left waiting, gone from the store, or never finished', () => {
    const r = recorder();
    r.enqueue(['a', 'b', 'c']);
    const [c] = r.claim([r.lease('c', 1)]);
    r.ack(c!, 'unknown');
    // a is still queued, b vanished, c was leased and is still active.
    const report = r.h.check([
      { ...done('a'), state: 'queued', attempt: 0 },
      { ...done('c'), state: 'active' },
    ]);
    expectCounts(report.counts, { lost: 3 });
    expect(report.examples.lost.join()).toContain('b: enqueued, ends missing');
  });

  it('lost: an unknown enqueue whose job exists must still finish', () => {
    const r = recorder();
    r.enqueue(['a'], 'unknown');
    expectCounts(r.h.check([{ ...done('a'), state: 'queued', attempt: 0 }]).counts, { lost: 1 });
  });

  it('unexpected: a job no enqueue could have stored, or one whose enqueue was refused', () => {
    const r = recorder();
    r.enqueue(['a']);
    r.enqueue(['b'], 'failed');
    r.process(['a', 'b', 'z']);
    const report = r.h.check([done('a'), done('b'), done('z')]);
    expectCounts(report.counts, { unexpected: 2 });
  });

  it('duplicates: two jobs for one idempotency key, or one enqueue stored twice', () => {
    const r = recorder();
    r.enqueue(['a'], 'ok', 'order-1');
    r.enqueue(['b'], 'ok', 'order-1'); // a racing enqueue with the same key got its own job
    r.enqueue(['c'], 'unknown'); // retried by the transport, stored twice
    r.process(['a', 'b', 'c']);
    const [c2] = r.claim([r.lease('c2', 1, { value: 'v-c' })]);
    r.ack(c2!, true);
    const twice = { ...done('c'), id: 'c2' };
    expectCounts(r.h.check([done('a'), done('b'), done('c'), twice]).counts, { duplicates: 2 });
  });

  it('the same key returning the same job is not a duplicate', () => {
    const r = recorder();
    const op = r.h.invoke('enqueue', { queue: 'q', items: [{ value: 'x', key: 'k' }] });
    r.h.ok(op, { ids: ['a'] });
    const op2 = r.h.invoke('enqueue', { queue: 'q', items: [{ value: 'y', key: 'k' }] });
    r.h.ok(op2, { ids: ['a'] });
    r.process(['a']);
    expectCounts(r.h.check([{ ...done('a'), value: 'x' }]).counts, {});
  });

  it('acked twice: two successful acks of one job, concurrent or carried on a claim', () => {
    const r = recorder();
    r.enqueue(['a', 'b']);
    const [a, b] = r.claim([r.lease('a', 1), r.lease('b', 1)]);
    r.ack(a!, true);
    r.ack(a!, true);
    r.ack(b!, true);
    r.claim([], [{ ...b!, ok: true }]);
    expectCounts(r.h.check([done('a'), done('b')]).counts, { ackedTwice: 2 });
  });

  it('redelivered after ack: a lease granted after a successful ack completed', () => {
    const r = recorder();
    r.enqueue(['a']);
    const [a] = r.claim([r.lease('a', 1)]);
    r.ack(a!, true);
    r.at(LEASE + 1);
    r.claim([r.lease('a', 2)]);
    expectCounts(r.h.check([done('a', 2)]).counts, { redeliveredAfterAck: 1 });
  });

  it('a nack to dead finishes the job too: a later lease is a redelivery', () => {
    const r = recorder();
    r.enqueue(['a']);
    const [a] = r.claim([r.lease('a', 1)]);
    r.nack(a!, 'dead');
    r.claim([r.lease('a', 2)]);
    expectCounts(r.h.check([done('a', 2, 'dead')]).counts, { redeliveredAfterAck: 1 });
  });

  it('overlapping leases: two live leases at once, including one kept alive by an extend', () => {
    const r = recorder();
    r.enqueue(['a', 'b']);
    r.claim([r.lease('a', 1)]);
    r.claim([r.lease('a', 2)]); // same instant, fresh attempt: both live
    const [b] = r.claim([r.lease('b', 1)]);
    r.extend(b!, 60_000, T0 + 60_000);
    r.at(LEASE + 1); // b's original lease would have expired, but it was extended
    r.claim([r.lease('b', 2)]);
    const report = r.h.check([done('a', 2), done('b', 2)]);
    // Each is also a re-execution the previous lease does not explain.
    expectCounts(report.counts, { overlappingLeases: 2, unexplainedReexecutions: 2 });
  });

  it('a lease that may have ended by an unknown ack is not a definite overlap', () => {
    const r = recorder();
    r.enqueue(['a']);
    const [a] = r.claim([r.lease('a', 1)]);
    r.at(5_000);
    r.ack(a!, 'unknown');
    r.at(10_000);
    r.claim([r.lease('a', 2)]);
    // Either the ack took effect (and this is a redelivery) or the lease was live: not overlap
    // for certain, but a re-execution neither an expiry nor a nack explains.
    expectCounts(r.h.check([done('a', 2)]).counts, { unexplainedReexecutions: 1 });
  });

  it('unexplained re-executions: attempt not advanced, past maxAttempts, leases out of nowhere', () => {
    const r = recorder();
    r.enqueue(['a', 'b', 'c', 'd']);
    r.claim([r.lease('a', 1), r.lease('b', 1, { maxAttempts: 1 })]);
    r.at(LEASE + 1);
    r.claim([r.lease('a', 1), r.lease('b', 2, { maxAttempts: 1 }), r.lease('c', 3)]);
    const [d] = r.claim([r.lease('d', 1)]);
    r.ack(d!, true);
    const report = r.h.check([done('a'), done('b', 2), done('c', 3), done('d', 4)]);
    // a: attempt 1 twice; b: attempt 2 of 1; c: attempts 1-2 never leased by any claim;
    // d: the store counts 4 attempts where one claim leased it.
    expectCounts(report.counts, { unexplainedReexecutions: 4 });
  });

  it('an unknown claim may have leased a job: the jump in attempts is explained', () => {
    const r = recorder();
    r.enqueue(['a']);
    r.claim('unknown');
    r.at(LEASE + 1);
    const [a] = r.claim([r.lease('a', 2)]);
    r.ack(a!, true);
    expectCounts(r.h.check([done('a', 2)]).counts, {});
  });

  it('stale accepted: an ack with a token superseded by a later lease succeeds', () => {
    const r = recorder();
    r.enqueue(['a', 'b']);
    const [a, b] = r.claim([r.lease('a', 1), r.lease('b', 1)]);
    r.at(LEASE + 1);
    const [a2, b2] = r.claim([r.lease('a', 2), r.lease('b', 2)]);
    r.ack(a!, true); // A's stale token wins, B's current one loses
    r.ack(a2!, false);
    r.nack(b!, 'queued'); // a stale nack accepted
    r.ack(b2!, true);
    expectCounts(r.h.check([done('a', 2), done('b', 2)]).counts, { staleAccepted: 2 });
  });

  it('acked but not completed: a successful ack whose job ends dead', () => {
    const r = recorder();
    r.enqueue(['a']);
    const [a] = r.claim([r.lease('a', 1)]);
    r.ack(a!, true);
    expectCounts(r.h.check([done('a', 1, 'dead')]).counts, { ackedNotCompleted: 1 });
  });

  it('names every anomaly it counts', () => {
    expect(Object.keys(noAnomalies())).toEqual([...ANOMALIES]);
    expect(ANOMALIES).toHaveLength(9);
  });
});
