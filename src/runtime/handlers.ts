/**
 * In-process job handlers: user code registered per queue that the runtime itself runs, so a
 * Worker needs no long-lived consumer. `drain` claims a batch, runs each handler, and settles
 * each job by its outcome: a return value is the ack's result (with any `ctx.enqueue` follow-ups
 * stored atomically with the ack), a throw is a nack with backoff, and a handler still running
 * when its lease ends is nacked (its late result is discarded: another claimer may hold the job).
 * Everything is bounded by a time budget, so a tick stays inside the Workers limits.
 */
import { secondsSince } from '../observe/metrics.js';
import { DEFAULT_NAMESPACE } from './config.js';
import type { JobInput, Runtime } from './runtime.js';
import type { ClaimedView } from './views.js';

/** The job as a handler sees it. */
export interface HandlerJob {
  id: string;
  queue: string;
  payload: unknown;
  attempt: number;
  maxAttempts: number;
  createdAt: string;
}

export interface HandlerContext {
  /** Enqueue a job atomically with this job's ack: it exists if and only if the ack happens. */
  enqueue(queue: string, job?: JobInput): void;
  /** Renews the lease (default: the job's own lease length) while a long handler runs. */
  extend(leaseMs?: number): Promise<void>;
  /** Aborted when the lease ends: long handlers should stop. */
  signal: AbortSignal;
}

export type Handler = (job: HandlerJob, ctx: HandlerContext) => unknown;

export interface HandlerOptions {
  handler: Handler;
  /**
   * Run right after an enqueue to this queue (through the Worker's `waitUntil`), for latency
   * without a worker. Default false: the tick or `POST /v1/queues/:queue/drain` runs it.
   */
  immediate?: boolean;
  /** Jobs claimed and run concurrently per round (default 10). */
  batch?: number;
  /** Lease for handler jobs (default: each job's own). */
  leaseMs?: number;
}

export type HandlerSpec = Handler | HandlerOptions;

export const asOptions = (h: HandlerSpec): HandlerOptions =>
  typeof h === 'function' ? { handler: h } : h;

export interface DrainResult {
  /** Jobs claimed and run. */
  ran: number;
  completed: number;
  /** Nacked (thrown, or outlived the lease). */
  failed: number;
  /** Settlements refused because the lease was already lost. */
  lost: number;
  /** False when the budget ran out with work possibly left. */
  done: boolean;
}

type Outcome =
  | { kind: 'ok'; job: ClaimedView; result: unknown; follow: (JobInput & { queue: string })[] }
  | { kind: 'fail'; job: ClaimedView; error: string };

const MAX_ERROR = 2_000;

/** Runs one job's handler, racing it against its lease. */
async function runOne(rt: Runtime, opts: HandlerOptions, job: ClaimedView): Promise<Outcome> {
  const follow: (JobInput & { queue: string })[] = [];
  const controller = new AbortController();
  let expires = Date.parse(job.leaseExpiresAt);
  const ctx: HandlerContext = {
    enqueue: (queue, input = {}) => {
      follow.push({ ...input, queue });
    },
    extend: async (leaseMs) => {
      const r = await rt.extend(job.id, {
        leaseToken: job.leaseToken,
        leaseMs: leaseMs ?? opts.leaseMs ?? rt.limits.leaseMs,
      });
      expires = Date.parse(r.leaseExpiresAt);
    },
    signal: controller.signal,
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  // The lease deadline follows extensions: re-arm until the handler settles or the lease ends.
  const outlived = new Promise<'outlived'>((resolve) => {
    const arm = () => {
      const left = expires - rt.now();
      if (left <= 0) {
        controller.abort(new Error('lease expired'));
        resolve('outlived');
      } else {
        timer = setTimeout(arm, Math.min(left, 2 ** 31 - 1));
      }
    };
    arm();
  });
  const view: HandlerJob = {
    id: job.id,
    queue: job.queue,
    payload: job.payload,
    attempt: job.attempt,
    maxAttempts: job.maxAttempts,
    createdAt: job.createdAt,
  };
  try {
    const ran = await Promise.race([
      Promise.resolve()
        .then(() => opts.handler(view, ctx))
        .then((result) => ({ result })),
      outlived,
    ]);
    if (ran === 'outlived') return { kind: 'fail', job, error: 'handler outlived its lease' };
    return { kind: 'ok', job, result: ran.result, follow };
  } catch (err) {
    const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    return { kind: 'fail', job, error: message.slice(0, MAX_ERROR) };
  } finally {
    clearTimeout(timer);
  }
}

/** `runOne`, observed: its duration by outcome goes to the runtime's handler histogram. */
async function timed(
  rt: Runtime,
  opts: HandlerOptions,
  job: ClaimedView,
  ns = DEFAULT_NAMESPACE,
): Promise<Outcome> {
  const started = performance.now();
  const o = await runOne(rt, opts, job);
  rt.metrics.handled(
    ns,
    job.queue,
    o.kind === 'ok' ? 'completed' : 'failed',
    secondsSince(started),
  );
  return o;
}

/**
 * Claims and runs jobs of `queue` until it is empty or `within()` says the budget is spent. Plain
 * acks ride on the next claim (one round trip per batch); acks with follow-ups go alone, since
 * follow-ups are atomic with a single ack.
 */
export async function drain(
  rt: Runtime,
  queue: string,
  opts: HandlerOptions,
  within: () => boolean,
  ns?: string,
): Promise<DrainResult> {
  const out: DrainResult = { ran: 0, completed: 0, failed: 0, lost: 0, done: false };
  let acks: { id: string; leaseToken: string; result?: unknown }[] = [];
  const settle = (ok: boolean) => {
    if (ok) out.completed++;
    else out.lost++;
  };
  for (;;) {
    if (!within()) {
      // Out of budget: settle what ran, lease nothing more.
      if (acks.length) for (const a of await rt.ackMany(acks, ns)) settle(a.ok);
      return out;
    }
    const claimed = await rt.claim(
      queue,
      {
        limit: opts.batch ?? 10,
        ...(opts.leaseMs ? { leaseMs: opts.leaseMs } : {}),
        ...(acks.length ? { acks } : {}),
      },
      ns,
    );
    for (const a of claimed.acks) settle(a.ok);
    acks = [];
    if (!claimed.jobs.length) {
      out.done = true;
      return out;
    }
    out.ran += claimed.jobs.length;
    const outcomes = await Promise.all(claimed.jobs.map((j) => timed(rt, opts, j, ns)));
    for (const o of outcomes) {
      const lease = { leaseToken: o.job.leaseToken };
      if (o.kind === 'fail') {
        out.failed++;
        await rt.nack(o.job.id, { ...lease, error: o.error }, ns).catch(() => out.lost++);
      } else if (o.follow.length) {
        const body = {
          ...lease,
          enqueue: o.follow,
          ...(o.result === undefined ? {} : { result: o.result }),
        };
        await rt.ack(o.job.id, body, ns).then(
          () => settle(true),
          () => settle(false),
        );
      } else {
        acks.push({
          id: o.job.id,
          ...lease,
          ...(o.result === undefined ? {} : { result: o.result }),
        });
      }
    }
  }
}
