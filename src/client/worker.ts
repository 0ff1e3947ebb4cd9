/**
 * `createWorker`: a pull consumer for a long-running host (Node, Deno, Bun, a container).
 *
 * - Up to `concurrency` handlers run at once. One claim is in flight at a time, asking for the
 *   free slots (at most 100), and it carries the acks of jobs finished since the last one
 *   (./worker-acks.ts): one round trip per batch.
 * - Each lease is extended at about half its length while the handler runs. A refused
 *   extension (409/404), or a lease that runs out because extensions kept failing, aborts the
 *   handler's signal, and this worker then neither acks nor nacks the job.
 * - An empty claim backs off exponentially with jitter, from `idleDelayMs` to `maxIdleDelayMs`,
 *   and a claim that returns jobs resets it; failed claims back off the same way and go to
 *   `onError`, never out of the loop.
 * - One timer serves everything that waits: the next claim, the ack flush and every lease's
 *   next extension. It is re-armed only when something falls due sooner than it is set for.
 */

import { EdgeqClient } from './client.js';
import { EdgeqApiError } from './errors.js';
import type { EdgeqJobsClient } from './jobs.js';
import { backoff, within } from './timing.js';
import type { AckItem, ClaimedView, ClaimInput, NackInput } from './types.js';
import { AckBuffer } from './worker-acks.js';
import { extended, type Running, retryExtension, running } from './worker-lease.js';
import { clip, defaultOnError, failure, fenced } from './worker-outcome.js';
import type {
  EdgeqWorker,
  WorkerErrorInfo,
  WorkerHandler,
  WorkerJob,
  WorkerOptions,
  WorkerStats,
} from './worker-types.js';

const MAX_CLAIM = 100;

/**
 * Starts a pull consumer of `queue`; it runs until `stop()` (or `signal`).
 *
 * @example
 * import { createWorker, JobError } from 'edgeq/client';
 *
 * const worker = createWorker({
 *   url: 'http://127.0.0.1:8787',
 *   token: process.env.EDGEQ_TOKEN,
 *   queue: 'emails',
 *   concurrency: 10,
 *   handler: async (job, { signal }) => {
 *     const res = await fetch('https://mail.example.com/send', { method: 'POST', body: JSON.stringify(job.payload), signal });
 *     if (res.status === 429) throw new JobError('provider busy', { retryInMs: 60_000 });
 *     return { status: res.status };
 *   },
 * });
 * process.once('SIGTERM', () => void worker.stop({ graceMs: 10_000 }));
 */
export function createWorker<P = unknown, R = unknown>(opts: WorkerOptions<P, R>): EdgeqWorker {
  return new Worker(opts);
}

class Worker<P, R> implements EdgeqWorker {
  readonly stats: WorkerStats = {
    claims: 0,
    received: 0,
    completed: 0,
    failed: 0,
    lost: 0,
    errors: 0,
  };
  readonly #client: EdgeqJobsClient;
  readonly #queue: string;
  readonly #handler: WorkerHandler<P, R>;
  readonly #concurrency: number;
  readonly #batchSize: number;
  readonly #leaseMs: number | undefined;
  readonly #idleMs: number;
  readonly #maxIdleMs: number;
  readonly #graceMs: number;
  readonly #onError: (err: unknown, info: WorkerErrorInfo) => void;
  readonly #acks: AckBuffer;
  readonly #running = new Map<string, Running>();
  /** Settlements and extensions in flight; each one's promise never rejects. */
  readonly #inflight = new Set<Promise<unknown>>();
  /** Aborts a claim still in flight when `stop()`'s grace runs out. */
  readonly #claimCtrl = new AbortController();
  #claiming: Promise<void> | undefined;
  #nextClaimAt = 0;
  #idleStep = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerAt = Number.POSITIVE_INFINITY;
  #stopping = false;
  #stopped: Promise<void> | undefined;
  #done = false;
  #idleWaiters: (() => void)[] = [];
  #unlisten: (() => void) | undefined;

  constructor(opts: WorkerOptions<P, R>) {
    if (typeof opts.queue !== 'string' || !opts.queue) throw new TypeError('queue is required');
    if (typeof opts.handler !== 'function') throw new TypeError('handler must be a function');
    const concurrency = opts.concurrency ?? 1;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new TypeError('concurrency must be a whole number of at least 1');
    }
    const batchSize = opts.batchSize ?? MAX_CLAIM;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_CLAIM) {
      throw new TypeError(`batchSize must be a whole number from 1 to ${MAX_CLAIM}`);
    }
    this.#batchSize = batchSize;
    this.#client = 'client' in opts ? opts.client : new EdgeqClient(opts);
    this.#queue = opts.queue;
    this.#handler = opts.handler;
    this.#concurrency = concurrency;
    this.#leaseMs = opts.leaseMs;
    this.#idleMs = opts.idleDelayMs ?? 25;
    this.#maxIdleMs = opts.maxIdleDelayMs ?? 1_000;
    this.#graceMs = opts.graceMs ?? 30_000;
    this.#onError = opts.onError ?? ((err, info) => defaultOnError(opts.queue, err, info));
    this.#acks = new AckBuffer(
      {
        client: this.#client,
        stats: this.stats,
        report: (err, info) => this.#report(err, info),
        refuse: (item, reason) => this.#refuse(item, reason),
        track: (p) => this.#track(p),
        wake: () => this.#pump(),
      },
      opts.ackDelayMs ?? 50,
    );
    const signal = opts.signal;
    if (signal?.aborted) {
      void this.stop();
      return;
    }
    if (signal) {
      const onAbort = () => void this.stop();
      signal.addEventListener('abort', onAbort, { once: true });
      this.#unlisten = () => signal.removeEventListener('abort', onAbort);
    }
    this.#pump();
  }

  get active(): number {
    return this.#running.size;
  }

  get running(): boolean {
    return !this.#done;
  }

  stop(opts: { graceMs?: number } = {}): Promise<void> {
    this.#stopped ??= this.#shutdown(opts.graceMs ?? this.#graceMs);
    return this.#stopped;
  }

  /** Starts whatever is due now, then sets the timer for what falls due next. */
  #pump(): void {
    if (this.#done) return;
    const free = this.#concurrency - this.#running.size;
    if (!this.#stopping && !this.#claiming && free > 0 && Date.now() >= this.#nextClaimAt) {
      this.#claim(free);
    }
    // Acks no claim took within `ackDelayMs` go alone.
    if (this.#acks.size && Date.now() >= this.#acks.dueAt) this.#acks.flush();
    this.#arm();
  }

  #arm(): void {
    if (this.#done) return;
    let at = this.#acks.dueAt;
    if (!this.#stopping && !this.#claiming && this.#running.size < this.#concurrency) {
      at = Math.min(at, this.#nextClaimAt);
    }
    for (const r of this.#running.values()) {
      if (!r.extending && !r.lost) at = Math.min(at, r.extendAt);
    }
    if (at === Number.POSITIVE_INFINITY || (this.#timer !== undefined && this.#timerAt <= at)) {
      return;
    }
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(this.#onTimer, Math.max(0, at - Date.now()));
  }

  readonly #onTimer = (): void => {
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    const now = Date.now();
    for (const r of this.#running.values()) {
      if (!r.extending && !r.lost && now >= r.extendAt) this.#extend(r).catch(() => {});
    }
    this.#pump();
  };

  #claim(free: number): void {
    const acks = this.#acks.take();
    const input: ClaimInput = { limit: Math.min(free, this.#batchSize) };
    if (this.#leaseMs !== undefined) input.leaseMs = this.#leaseMs;
    if (acks.length) input.acks = acks.map((p) => p.item);
    const sentAt = Date.now();
    this.stats.claims++;
    this.#claiming = this.#client
      .claim(this.#queue, input, { signal: this.#claimCtrl.signal })
      .then(
        (res) => {
          // Cleared before the jobs start, so the first one to finish can send the next claim.
          this.#claiming = undefined;
          if (res.jobs.length) {
            this.#idleStep = 0;
            this.#nextClaimAt = 0;
          } else {
            this.#nextClaimAt =
              Date.now() + backoff(this.#idleStep++, this.#idleMs, this.#maxIdleMs);
          }
          const receivedAt = Date.now();
          for (const job of res.jobs) this.#start(job, sentAt, receivedAt);
          if (acks.length) this.#acks.settle(acks, res.acks ?? []);
        },
        (err: unknown) => {
          this.#claiming = undefined;
          // A 429's Retry-After (too long for the client to wait out) sets the pace.
          const after = err instanceof EdgeqApiError ? (err.retryAfterMs ?? 0) : 0;
          const delay = backoff(this.#idleStep++, this.#idleMs, this.#maxIdleMs);
          this.#nextClaimAt = Date.now() + Math.max(delay, after);
          if (!this.#claimCtrl.signal.aborted) this.#report(err, { phase: 'claim' });
          if (acks.length) this.#acks.failed(acks, err);
        },
      )
      .finally(() => this.#pump());
  }

  #start(job: ClaimedView, sentAt: number, receivedAt: number): void {
    const r = running(job, sentAt, receivedAt, this.#leaseMs);
    this.#running.set(job.id, r);
    this.stats.received++;
    void this.#run(r);
  }

  async #run(r: Running): Promise<void> {
    let ok = true;
    let value: unknown;
    try {
      const ctx = { signal: r.ctrl.signal, extend: (ms?: number) => this.#extend(r, ms) };
      value = await this.#handler(r.job as WorkerJob<P>, ctx);
    } catch (err) {
      ok = false;
      value = err;
    }
    if (r.abandoned) return; // stop() took it out and nacked it
    this.#running.delete(r.job.id);
    if (!r.lost) {
      const { id, leaseToken } = r.job;
      if (ok)
        this.#acks.add(
          value === undefined ? { id, leaseToken } : { id, leaseToken, result: value },
        );
      else this.#nack(r.job, failure(value));
    }
    if (!this.#running.size) for (const wake of this.#idleWaiters.splice(0)) wake();
    this.#pump();
  }

  /** Renews `r`'s lease; rejects when it fails (the lease is lost on a refusal). */
  #extend(r: Running, leaseMs = r.leaseMs): Promise<void> {
    r.extending = true;
    const sentAt = Date.now();
    const { id, leaseToken } = r.job;
    const p = this.#client.extend(id, { leaseToken, leaseMs }).then(
      (res) => extended(r, leaseMs, this.#leaseMs !== undefined ? sentAt : res),
      (err: unknown) => {
        if (this.#running.get(id) !== r || r.abandoned) throw err; // finished meanwhile
        if (fenced(err) || !retryExtension(r)) this.#lose(r);
        this.#report(err, { phase: 'extend', jobId: id });
        throw err;
      },
    );
    const settled = () => {
      r.extending = false;
      this.#arm();
    };
    this.#track(p.then(settled, settled));
    return p;
  }

  #lose(r: Running): void {
    if (r.lost) return;
    r.lost = true;
    this.stats.lost++;
    r.ctrl.abort(new Error(`edgeq: the lease of job ${r.job.id} was lost`));
  }

  #nack(job: AckItem, input: Omit<NackInput, 'leaseToken'>): void {
    const p = this.#client.nack(job.id, { ...input, leaseToken: job.leaseToken }).then(
      () => {
        this.stats.failed++;
      },
      (err: unknown) => {
        this.stats.lost++;
        this.#report(err, { phase: 'nack', jobId: job.id });
      },
    );
    this.#track(p);
  }

  #refuse(item: AckItem, reason: string): void {
    this.#nack(item, { error: clip(reason) });
  }

  #track(p: Promise<unknown>): void {
    this.#inflight.add(p);
    const done = () => this.#inflight.delete(p);
    p.then(done, done);
  }

  #report(err: unknown, info: WorkerErrorInfo): void {
    this.stats.errors++;
    try {
      this.#onError(err, info);
    } catch {
      // A throwing onError must not stop the worker.
    }
  }

  async #shutdown(graceMs: number): Promise<void> {
    this.#stopping = true;
    const deadline = Date.now() + graceMs;
    const claiming = this.#claiming;
    if (claiming && !(await within(claiming, deadline))) {
      this.#claimCtrl.abort(new Error('edgeq: the worker is stopping'));
      await claiming;
    }
    if (this.#running.size) {
      await within(new Promise<void>((resolve) => this.#idleWaiters.push(resolve)), deadline);
    }
    for (const r of [...this.#running.values()]) {
      r.abandoned = true;
      this.#running.delete(r.job.id);
      r.ctrl.abort(new Error('edgeq: the worker is stopping'));
      if (!r.lost) {
        // Runs again at once elsewhere; the attempt it used stays counted.
        this.#nack(r.job, {
          error: 'the worker stopped before the handler finished',
          retryInMs: 0,
        });
      }
    }
    await this.#acks.drain();
    while (this.#inflight.size) await Promise.all(this.#inflight);
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#done = true;
    this.#unlisten?.();
  }
}
