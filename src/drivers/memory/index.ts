/**
 * In-memory driver: the reference semantics of the driver contract, and the store for tests and
 * throwaway local runs. Nothing survives the process, and on Workers each isolate has its own
 * copy, so it is never the right choice for production.
 *
 * Every method runs synchronously to completion before it resolves, which makes each one atomic
 * (JavaScript never interleaves synchronous code): the memory equivalent of one round trip.
 *
 * @example
 * import { createRuntime } from 'edgeq';
 * import { memoryDriver } from 'edgeq/drivers/memory';
 * const runtime = createRuntime({ driver: memoryDriver() });
 */
import {
  type AckItem,
  type AckOutcome,
  type AckParams,
  type AckResult,
  type AdvanceCursorParams,
  backoffDelay,
  type CancelParams,
  type CancelResult,
  type ClaimParams,
  type ClaimResult,
  type ConfigEntry,
  type ConfigKind,
  type ConfigParams,
  type DeleteConfigParams,
  type Driver,
  type EnqueueParams,
  type EnqueueResult,
  type ExtendParams,
  type ExtendResult,
  emptyCounts,
  type GetParams,
  type JobRecord,
  type ListParams,
  type ListResult,
  type NackParams,
  type NackResult,
  type NewJob,
  type PauseParams,
  type PruneParams,
  type PutConfigParams,
  type QueueInfo,
  type QueuesParams,
  type ReclaimParams,
  type ReclaimResult,
  type ReplayParams,
} from '../types.js';
import { publicState, type StoredJob, sortWaiting, toClaimed, toRecord } from './job.js';

interface QueueState {
  paused: boolean;
  /** Waiting job ids (stored state `queued`), kept in claim order. */
  waiting: StoredJob[];
}

interface Namespace {
  jobs: Map<string, StoredJob>;
  queues: Map<string, QueueState>;
  /** `queue \0 key` -> job id. */
  keys: Map<string, string>;
}

export interface MemoryDriverOptions {
  /** Name reported in errors and capabilities (default `memory`). */
  name?: string;
}

/** Creates an in-memory driver. */
export function memoryDriver(opts: MemoryDriverOptions = {}): Driver {
  return new MemoryDriver(opts.name ?? 'memory');
}

class MemoryDriver implements Driver {
  readonly capabilities = { durable: false, shared: false, replaySafe: false };
  readonly #spaces = new Map<string, Namespace>();
  /** `kind \0 ns \0 name` -> entry. */
  readonly #configs = new Map<string, ConfigEntry & { kind: ConfigKind }>();

  constructor(readonly name: string) {}

  #space(ns: string): Namespace {
    let space = this.#spaces.get(ns);
    if (!space) {
      space = { jobs: new Map(), queues: new Map(), keys: new Map() };
      this.#spaces.set(ns, space);
    }
    return space;
  }

  #queue(space: Namespace, name: string): QueueState {
    let q = space.queues.get(name);
    if (!q) {
      q = { paused: false, waiting: [] };
      space.queues.set(name, q);
    }
    return q;
  }

  #insert(space: Namespace, now: number, job: NewJob): EnqueueResult {
    if (job.key !== undefined) {
      const existing = space.keys.get(`${job.queue}\0${job.key}`);
      if (existing !== undefined) return { id: existing, created: false };
    }
    const stored = space.jobs.get(job.id);
    // The same id again is a retried call whose first response was lost.
    if (stored) return { id: stored.id, created: false };
    const row: StoredJob = {
      ...job,
      state: 'queued',
      attempt: 0,
      createdAt: now,
      updatedAt: now,
    };
    space.jobs.set(job.id, row);
    if (job.key !== undefined) space.keys.set(`${job.queue}\0${job.key}`, job.id);
    this.#wait(space, row);
    return { id: job.id, created: true };
  }

  #wait(space: Namespace, job: StoredJob): void {
    const q = this.#queue(space, job.queue);
    sortWaiting.insert(q.waiting, job);
  }

  #unwait(space: Namespace, job: StoredJob): void {
    const q = space.queues.get(job.queue);
    if (q) sortWaiting.remove(q.waiting, job);
  }

  /** The job if `token` holds its lease, else why not. */
  #fenced(space: Namespace, id: string, token: string): StoredJob | 'lease_lost' | 'not_found' {
    const job = space.jobs.get(id);
    if (!job) return 'not_found';
    if (job.state !== 'active' || job.leaseToken !== token) return 'lease_lost';
    return job;
  }

  #ack(space: Namespace, now: number, a: AckItem): AckOutcome {
    const job = this.#fenced(space, a.id, a.leaseToken);
    if (typeof job === 'string') return { id: a.id, ok: false, error: job };
    job.state = 'completed';
    job.result = a.result;
    job.finishedAt = now;
    job.updatedAt = now;
    job.leaseExpiresAt = undefined;
    return { id: a.id, ok: true };
  }

  async enqueue(p: EnqueueParams): Promise<EnqueueResult[]> {
    const space = this.#space(p.ns);
    return p.jobs.map((job) => this.#insert(space, p.now, job));
  }

  async claim(p: ClaimParams): Promise<ClaimResult> {
    const space = this.#space(p.ns);
    const acks = (p.acks ?? []).map((a) => this.#ack(space, p.now, a));
    const q = space.queues.get(p.queue);
    const jobs = [];
    if (q && !q.paused) {
      const taken: StoredJob[] = [];
      for (const job of q.waiting) {
        if (taken.length >= p.limit) break;
        if (job.runAt <= p.now) taken.push(job);
      }
      for (const job of taken) {
        sortWaiting.remove(q.waiting, job);
        job.state = 'active';
        job.attempt += 1;
        job.leaseToken = p.leaseToken;
        job.leaseExpiresAt = p.now + (p.leaseMs ?? job.leaseMs);
        job.updatedAt = p.now;
        jobs.push(toClaimed(job));
      }
    }
    return { jobs, acks };
  }

  async extend(p: ExtendParams): Promise<ExtendResult> {
    const job = this.#fenced(this.#space(p.ns), p.id, p.leaseToken);
    if (typeof job === 'string') return { ok: false, error: job };
    job.leaseExpiresAt = p.now + p.leaseMs;
    job.updatedAt = p.now;
    return { ok: true, leaseExpiresAt: job.leaseExpiresAt };
  }

  async ack(p: AckParams): Promise<AckResult> {
    if (p.enqueue?.length && p.acks.length !== 1) {
      throw new Error('[edgeq] [memory] follow-up jobs need exactly one ack');
    }
    const space = this.#space(p.ns);
    const acks = p.acks.map((a) => this.#ack(space, p.now, a));
    const enqueued =
      acks[0]?.ok && p.enqueue ? p.enqueue.map((j) => this.#insert(space, p.now, j)) : [];
    return { acks, enqueued };
  }

  async nack(p: NackParams): Promise<NackResult> {
    const space = this.#space(p.ns);
    const job = this.#fenced(space, p.id, p.leaseToken);
    if (typeof job === 'string') return { ok: false, error: job };
    job.leaseExpiresAt = undefined;
    job.updatedAt = p.now;
    if (p.error !== undefined) job.lastError = p.error;
    if (p.dead || job.attempt >= job.maxAttempts) {
      job.state = 'dead';
      job.finishedAt = p.now;
      return { ok: true, state: 'dead' };
    }
    job.state = 'queued';
    job.runAt = p.retryAt ?? p.now + backoffDelay(p.backoff, job.attempt);
    this.#wait(space, job);
    return { ok: true, state: 'queued', runAt: job.runAt };
  }

  async reclaim(p: ReclaimParams): Promise<ReclaimResult> {
    const out = { requeued: 0, dead: 0 };
    for (const [ns, space] of this.#spaces) {
      if (p.ns !== undefined && ns !== p.ns) continue;
      for (const job of space.jobs.values()) {
        if (out.requeued + out.dead >= p.limit) return out;
        // Strictly expired: a lease expiring exactly now is still held.
        if (job.state !== 'active' || job.leaseExpiresAt === undefined) continue;
        if (job.leaseExpiresAt >= p.now) continue;
        job.leaseExpiresAt = undefined;
        job.updatedAt = p.now;
        if (job.attempt >= job.maxAttempts) {
          job.state = 'dead';
          job.finishedAt = p.now;
          job.lastError = `lease expired on attempt ${job.attempt} of ${job.maxAttempts}`;
          out.dead++;
        } else {
          job.state = 'queued';
          job.runAt = p.now + backoffDelay(p.backoff, job.attempt);
          job.lastError = `lease expired on attempt ${job.attempt}`;
          this.#wait(space, job);
          out.requeued++;
        }
      }
    }
    return out;
  }

  async get(p: GetParams): Promise<JobRecord | null> {
    const job = this.#space(p.ns).jobs.get(p.id);
    return job ? toRecord(job, p.now) : null;
  }

  async list(p: ListParams): Promise<ListResult> {
    const space = this.#space(p.ns);
    const matches: StoredJob[] = [];
    for (const job of space.jobs.values()) {
      if (job.queue !== p.queue || publicState(job, p.now) !== p.state) continue;
      if (p.cursor !== undefined && job.id <= p.cursor) continue;
      matches.push(job);
    }
    matches.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const page = matches.slice(0, p.limit);
    const last = page[page.length - 1];
    return {
      jobs: page.map((j) => toRecord(j, p.now)),
      ...(matches.length > p.limit && last ? { cursor: last.id } : {}),
    };
  }

  async queues(p: QueuesParams): Promise<QueueInfo[]> {
    const space = this.#space(p.ns);
    const infos = new Map<string, QueueInfo>();
    for (const [name, q] of space.queues) {
      if (p.queue !== undefined && name !== p.queue) continue;
      infos.set(name, { name, paused: q.paused, counts: emptyCounts() });
    }
    for (const job of space.jobs.values()) {
      const info = infos.get(job.queue);
      if (info) info.counts[publicState(job, p.now)]++;
    }
    return [...infos.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  async setPaused(p: PauseParams): Promise<void> {
    this.#queue(this.#space(p.ns), p.queue).paused = p.paused;
  }

  async replayDead(p: ReplayParams): Promise<{ replayed: number }> {
    const space = this.#space(p.ns);
    const candidates = p.ids
      ? p.ids.map((id) => space.jobs.get(id))
      : [...space.jobs.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
    let replayed = 0;
    for (const job of candidates) {
      if (replayed >= p.limit) break;
      if (!job || job.queue !== p.queue || job.state !== 'dead') continue;
      job.state = 'queued';
      job.attempt = 0;
      job.runAt = p.now;
      job.updatedAt = p.now;
      job.finishedAt = undefined;
      this.#wait(space, job);
      replayed++;
    }
    return { replayed };
  }

  async cancel(p: CancelParams): Promise<CancelResult> {
    const space = this.#space(p.ns);
    const job = space.jobs.get(p.id);
    if (!job) return { ok: false, error: 'not_found' };
    if (job.state === 'cancelled') return { ok: true };
    if (job.state !== 'queued') {
      return { ok: false, error: 'conflict', state: publicState(job, p.now) };
    }
    this.#unwait(space, job);
    job.state = 'cancelled';
    job.finishedAt = p.now;
    job.updatedAt = p.now;
    return { ok: true };
  }

  async prune(p: PruneParams): Promise<{ pruned: number }> {
    let pruned = 0;
    for (const [ns, space] of this.#spaces) {
      if (p.ns !== undefined && ns !== p.ns) continue;
      for (const job of space.jobs.values()) {
        if (pruned >= p.limit) return { pruned };
        const f = job.finishedAt;
        if (f === undefined) continue;
        const expired =
          job.state === 'dead'
            ? f < p.deadBefore
            : (job.state === 'completed' || job.state === 'cancelled') && f < p.finishedBefore;
        if (!expired) continue;
        space.jobs.delete(job.id);
        if (job.key !== undefined) space.keys.delete(`${job.queue}\0${job.key}`);
        pruned++;
      }
    }
    return { pruned };
  }

  async putConfig(p: PutConfigParams): Promise<void> {
    const key = `${p.kind}\0${p.ns}\0${p.name}`;
    const prior = this.#configs.get(key);
    this.#configs.set(key, {
      kind: p.kind,
      ns: p.ns,
      name: p.name,
      value: p.value,
      updatedAt: p.now,
      ...(prior?.cursor === undefined ? {} : { cursor: prior.cursor }),
    });
  }

  async deleteConfig(p: DeleteConfigParams): Promise<boolean> {
    return this.#configs.delete(`${p.kind}\0${p.ns}\0${p.name}`);
  }

  async configs(p: ConfigParams): Promise<ConfigEntry[]> {
    const out: ConfigEntry[] = [];
    for (const { kind, ...entry } of this.#configs.values()) {
      if (kind === p.kind && (p.ns === undefined || entry.ns === p.ns)) out.push({ ...entry });
    }
    return out.sort((a, b) => (a.ns === b.ns ? cmp(a.name, b.name) : cmp(a.ns, b.ns)));
  }

  async advanceCursor(p: AdvanceCursorParams): Promise<void> {
    const entry = this.#configs.get(`${p.kind}\0${p.ns}\0${p.name}`);
    if (entry && (entry.cursor === undefined || p.cursor > entry.cursor)) entry.cursor = p.cursor;
  }

  async close(): Promise<void> {}
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
