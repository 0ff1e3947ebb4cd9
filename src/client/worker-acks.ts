/**
 * The worker's pending acks. Each finished job's ack waits here for the next claim to carry it
 * (one round trip per batch); one that waits `delayMs` without a claim going out is sent alone
 * with `POST /v1/ack`, so an ack is never held long.
 *
 * After a request carrying acks failed:
 * - on a transient failure the acks go back to the front, marked `resent`: their first try may
 *   have run, so a `lease_lost` answer to a resent ack is checked by reading the job (./confirm.ts);
 * - on a refusal of the body itself (400, 413, or a result that is not JSON) each ack is sent
 *   alone, so one bad result cannot hold the others back, and a job whose own ack is refused is
 *   nacked with the reason rather than left to wait for its lease.
 */
import { ackLanded } from './confirm.js';
import { EdgeqApiError } from './errors.js';
import type { EdgeqJobsClient } from './jobs.js';
import { backoff } from './timing.js';
import type { AckItem, AckOutcome } from './types.js';
import type { WorkerErrorInfo, WorkerStats } from './worker-types.js';

/** An ack waiting to be sent. */
export interface PendingAck {
  item: AckItem;
  /** Sent before in a request that failed: its first try may have landed. */
  resent: boolean;
}

/** What the buffer needs from its worker. */
export interface AckHost {
  client: EdgeqJobsClient;
  stats: WorkerStats;
  report(err: unknown, info: WorkerErrorInfo): void;
  /** Nacks a job whose ack was refused for its content. */
  refuse(item: AckItem, reason: string): void;
  /** Keeps a settlement in flight visible to `stop()`; never rejects. */
  track(p: Promise<unknown>): void;
  /** Called when the buffer changed outside a worker call (a flush ended). */
  wake(): void;
}

const MAX_BATCH = 100;

/**
 * A refusal of the request's content, which no retry of the same batch can fix: a 400 or 413, or
 * the TypeError JSON.stringify throws for a BigInt or a cycle (the body was never sent).
 */
function refusal(err: unknown): boolean {
  if (err instanceof EdgeqApiError) return err.status === 400 || err.status === 413;
  return err instanceof TypeError;
}

/** Pending acks, handed to claims or flushed alone; counts their outcomes. */
export class AckBuffer {
  #pending: PendingAck[] = [];
  #dueAt = Number.POSITIVE_INFINITY;
  #flushing: Promise<void> | undefined;
  #failures = 0;
  /** Set by `drain`: failed acks are reported and dropped, not queued again. */
  #closing = false;

  constructor(
    private readonly host: AckHost,
    private readonly delayMs: number,
  ) {}

  get size(): number {
    return this.#pending.length;
  }

  /** When the pending acks must be flushed alone; infinite when none wait or a flush runs. */
  get dueAt(): number {
    return this.#flushing || !this.#pending.length ? Number.POSITIVE_INFINITY : this.#dueAt;
  }

  add(item: AckItem): void {
    if (!this.#pending.length) this.#dueAt = Date.now() + this.delayMs;
    this.#pending.push({ item, resent: false });
  }

  /** Up to 100 acks for a claim to carry. */
  take(): PendingAck[] {
    if (!this.#pending.length) return [];
    const batch =
      this.#pending.length <= MAX_BATCH ? this.#pending : this.#pending.slice(0, MAX_BATCH);
    this.#pending = this.#pending.length <= MAX_BATCH ? [] : this.#pending.slice(MAX_BATCH);
    return batch;
  }

  /** Counts the outcomes; only refused acks that were resent cost a read (a promise). */
  settle(batch: PendingAck[], outcomes: AckOutcome[]): void {
    this.#failures = 0;
    for (let i = 0; i < outcomes.length; i++) {
      const o = outcomes[i]!;
      if (o.ok) this.host.stats.completed++;
      else this.host.track(this.#refused(o, batch[i]));
    }
  }

  async #refused(o: AckOutcome & { ok: false }, sent: PendingAck | undefined): Promise<void> {
    if (sent?.resent && o.error === 'lease_lost') {
      if (await ackLanded((id) => this.host.client.get(id), o.id, sent.item.result)) {
        this.host.stats.completed++;
        return;
      }
    }
    this.host.stats.lost++;
    this.host.report(
      new Error(`the ack of job ${o.id} was refused (${o.error}): the job runs again later`),
      { phase: 'ack', jobId: o.id },
    );
  }

  /** After the request carrying `batch` failed with `err` (already reported by the caller). */
  failed(batch: PendingAck[], err: unknown): void {
    if (refusal(err)) {
      for (const p of batch) this.host.track(this.#alone(p));
      return;
    }
    if (this.#closing) {
      this.host.stats.lost += batch.length;
      return;
    }
    for (const p of batch) p.resent = true;
    this.#pending = batch.concat(this.#pending);
    // Back off before the next flush; a claim may still carry them sooner.
    this.#dueAt = Date.now() + backoff(this.#failures++, 100, 5_000);
  }

  /** One ack on its own; a refusal of its content nacks the job. */
  async #alone(p: PendingAck): Promise<void> {
    const { id, leaseToken, result } = p.item;
    try {
      await this.host.client.ack(
        id,
        result === undefined ? { leaseToken } : { leaseToken, result },
      );
      this.host.stats.completed++;
    } catch (err) {
      if (refusal(err)) {
        this.host.refuse(p.item, `the ack was refused: ${(err as Error).message}`);
        return;
      }
      // Refused (lease lost) or still failing after the client's retries: the lease runs out
      // and the server hands the job out again.
      this.host.stats.lost++;
      this.host.report(err, { phase: 'ack', jobId: id });
    }
  }

  /** Sends up to 100 pending acks with `POST /v1/ack`, unless a flush is running. */
  flush(): void {
    if (this.#flushing || !this.#pending.length) return;
    const batch = this.take();
    this.#flushing = (async () => {
      try {
        const res = await this.host.client.ackMany(batch.map((p) => p.item));
        this.settle(batch, res.results);
      } catch (err) {
        this.host.report(err, { phase: 'ack' });
        this.failed(batch, err);
      } finally {
        this.#flushing = undefined;
        if (this.#pending.length && !this.#closing) this.host.wake();
      }
    })();
  }

  /** For `stop()`: sends everything pending, once; what still fails is reported and dropped. */
  async drain(): Promise<void> {
    this.#closing = true;
    for (;;) {
      if (this.#flushing) await this.#flushing;
      if (!this.#pending.length) return;
      this.flush();
    }
  }
}
