/**
 * The real runtime, with every call recorded in a History: invocation, then the outcome. A fence
 * or validation error is a definite `failed` (nothing changed); any other throw (a storage error,
 * a lost response) is `unknown`.
 */
import type { TickResult } from '../../src/cron/tick.js';
import { JOB_STATES } from '../../src/drivers/types.js';
import { EdgeqError } from '../../src/errors.js';
import type { JobInput, Runtime } from '../../src/runtime/runtime.js';
import type { JobView } from '../../src/runtime/views.js';
import type {
  AckRef,
  EnqueueItem,
  FinalJob,
  History,
  LeasedJob,
  Op,
  Outcome,
} from '../support/history.js';

const DEFINITE = new Set(['lease_lost', 'not_found', 'conflict', 'invalid_request']);

/** The payload every scenario job carries: the checker's handle on it. */
export const payloadOf = (value: string) => ({ v: value });

export function payloadValue(payload: unknown): string | undefined {
  const v = (payload as { v?: unknown } | null)?.v;
  return typeof v === 'string' ? v : undefined;
}

export class Recorded {
  constructor(
    readonly rt: Runtime,
    readonly h: History,
  ) {}

  /** Settles `op` from the call's result; returns the result, or undefined when it threw. */
  private async run<T>(op: Op, call: () => Promise<T>, ok: (r: T) => void): Promise<T | undefined> {
    try {
      const r = await call();
      ok(r);
      return r;
    } catch (err) {
      const code = err instanceof EdgeqError ? err.code : '';
      if (DEFINITE.has(code)) this.h.fail(op, code);
      else this.h.unknown(op, code || String(err));
      return undefined;
    }
  }

  /** Job ids in item order, or undefined when the enqueue did not succeed. */
  async enqueue(
    queue: string,
    items: EnqueueItem[],
    extra: Omit<JobInput, 'payload' | 'key'> = {},
  ): Promise<string[] | undefined> {
    const op = this.h.invoke('enqueue', { queue, items });
    const inputs = items.map((it) => ({
      ...extra,
      payload: payloadOf(it.value),
      ...(it.key === undefined ? {} : { key: it.key }),
    }));
    const res = await this.run(
      op,
      () => this.rt.enqueue(queue, inputs),
      (r) => this.h.ok(op, { ids: r.map((x) => x.id) }),
    );
    return res?.map((r) => r.id);
  }

  /** The leased jobs (none when the claim did not succeed), with the carried acks' results. */
  async claim(
    queue: string,
    opts: { limit: number; leaseMs?: number; acks?: AckRef[] },
  ): Promise<{ jobs: LeasedJob[]; acks: Outcome[] }> {
    const acks = opts.acks ?? [];
    const op = this.h.invoke('claim', {
      queue,
      limit: opts.limit,
      acks,
      ...(opts.leaseMs === undefined ? {} : { leaseMs: opts.leaseMs }),
    });
    let jobs: LeasedJob[] = [];
    let outcomes: Outcome[] = [];
    await this.run(
      op,
      () =>
        this.rt.claim(queue, {
          limit: opts.limit,
          ...(opts.leaseMs === undefined ? {} : { leaseMs: opts.leaseMs }),
          ...(acks.length ? { acks: acks.map((a) => ({ id: a.id, leaseToken: a.token })) } : {}),
        }),
      (r) => {
        jobs = r.jobs.map((j) => ({
          id: j.id,
          token: j.leaseToken,
          attempt: j.attempt,
          maxAttempts: j.maxAttempts,
          expiresAt: Date.parse(j.leaseExpiresAt),
          ...(payloadValue(j.payload) === undefined ? {} : { value: payloadValue(j.payload)! }),
        }));
        outcomes = r.acks.map((a) => (a.ok ? 'ok' : 'failed'));
        this.h.ok(op, { jobs, acks: r.acks.map((a) => a.ok) });
      },
    );
    if (op.outcome !== 'ok') outcomes = acks.map(() => op.outcome!);
    return { jobs, acks: outcomes };
  }

  async ack(ref: AckRef, result?: unknown): Promise<Outcome> {
    const op = this.h.invoke('ack', { acks: [ref] });
    await this.run(
      op,
      () =>
        this.rt.ack(ref.id, {
          leaseToken: ref.token,
          ...(result === undefined ? {} : { result }),
        }),
      () => this.h.ok(op, { acks: [true] }),
    );
    return op.outcome!;
  }

  /** One call acking many jobs: each item's outcome. */
  async ackMany(refs: AckRef[]): Promise<Outcome[]> {
    const op = this.h.invoke('ack', { acks: refs });
    const res = await this.run(
      op,
      () => this.rt.ackMany(refs.map((a) => ({ id: a.id, leaseToken: a.token }))),
      (r) => this.h.ok(op, { acks: r.map((a) => a.ok) }),
    );
    return res ? res.map((a) => (a.ok ? 'ok' : 'failed')) : refs.map(() => op.outcome!);
  }

  async nack(ref: AckRef, opts: { retryInMs?: number; dead?: boolean } = {}): Promise<Outcome> {
    const op = this.h.invoke('nack', { ...ref, ...(opts.dead ? { dead: true } : {}) });
    await this.run(
      op,
      () => this.rt.nack(ref.id, { leaseToken: ref.token, error: 'scenario', ...opts }),
      (r) => this.h.ok(op, { state: r.state }),
    );
    return op.outcome!;
  }

  async extend(ref: AckRef, leaseMs: number): Promise<Outcome> {
    const op = this.h.invoke('extend', { ...ref, leaseMs });
    await this.run(
      op,
      () => this.rt.extend(ref.id, { leaseToken: ref.token, leaseMs }),
      (r) => this.h.ok(op, { expiresAt: Date.parse(r.leaseExpiresAt) }),
    );
    return op.outcome!;
  }

  async tick(rt: Runtime = this.rt): Promise<TickResult | undefined> {
    const op = this.h.invoke('tick', {});
    return this.run(
      op,
      () => rt.tick(),
      () => this.h.ok(op, {}),
    );
  }
}

/** Every job of `queues`, in every state, read page by page after the drain. */
export async function snapshot(rt: Runtime, queues: string[]): Promise<JobView[]> {
  const out: JobView[] = [];
  for (const queue of queues) {
    for (const state of JOB_STATES) {
      let cursor: string | undefined;
      do {
        const page = await rt.list(queue, state, { limit: 1_000, ...(cursor ? { cursor } : {}) });
        out.push(...page.jobs);
        cursor = page.cursor;
      } while (cursor);
    }
  }
  return out;
}

/** The checker's view of a snapshot: a job's value is its payload's `v`, else its key. */
export function finalJobs(views: JobView[]): FinalJob[] {
  return views.map((j) => {
    const value = payloadValue(j.payload) ?? j.key;
    return {
      id: j.id,
      queue: j.queue,
      state: j.state,
      attempt: j.attempt,
      ...(value === undefined ? {} : { value }),
      ...(j.key === undefined ? {} : { key: j.key }),
    };
  });
}
