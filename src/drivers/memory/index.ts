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

import { checkRestorable, debounceHolders, storedState } from '../restore.js';
import {
  type AckItem,
  type AckOutcome,
  type AckParams,
  type AckResult,
  type AdvanceCursorParams,
  type BackoffPolicy,
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
  type FlowLimits,
  type GetParams,
  type JobDefaults,
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
  type QueueSettings,
  type QueuesParams,
  type ReclaimParams,
  type ReclaimResult,
  type ReplayParams,
  type RestoreParams,
  type RestoreResult,
} from '../types.js';
import { type FlowState, newFlowState, takeFair } from './flow.js';
import { publicState, type StoredJob, toClaimed, toRecord, WaitList } from './job.js';

interface QueueState {
  paused: boolean;
  /** Waiting jobs (stored state `queued`) by group key ('' = none), each list in claim order. */
  waiting: Map<string, WaitList>;
  /** Jobs in state `active` (live or expired leases), for the concurrency limits. */
  active: Set<StoredJob>;
  flow: FlowState;
}

interface Namespace {
  jobs: Map<string, StoredJob>;
  queues: Map<string, QueueState>;
  /** `queue \0 key` -> job id. */
  keys: Map<string, string>;
  /** `queue \0 debounceKey` -> id of the job that last held the key (a target until leased). */
  debounce: Map<string, string>;
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
      space = { jobs: new Map(), queues: new Map(), keys: new Map(), debounce: new Map() };
      this.#spaces.set(ns, space);
    }
    return space;
  }

  #queue(space: Namespace, name: string): QueueState {
    let q = space.queues.get(name);
    if (!q) {
      q = { paused: false, waiting: new Map(), active: new Set(), flow: newFlowState() };
      space.queues.set(name, q);
    }
    return q;
  }

  /** The queue's stored settings (config kind `queue`); a value that does not parse is none. */
  #settings(ns: string, queue: string): QueueSettings {
    const value = this.#configs.get(`queue\0${ns}\0${queue}`)?.value;
    if (value === undefined) return {};
    try {
      return JSON.parse(value) as QueueSettings;
    } catch {
      return {};
    }
  }

  #insert(space: Namespace, ns: string, now: number, job: NewJob, d: JobDefaults): EnqueueResult {
    if (job.key !== undefined) {
      const existing = space.keys.get(`${job.queue}\0${job.key}`);
      if (existing !== undefined) return { id: existing, created: false };
    }
    const stored = space.jobs.get(job.id);
    // The same id again is a retried call whose first response was lost.
    if (stored) return { id: stored.id, created: false };
    const dk = job.debounceKey === undefined ? undefined : `${job.queue}\0${job.debounceKey}`;
    const pending = dk === undefined ? undefined : space.jobs.get(space.debounce.get(dk) ?? '');
    // A debounce target only until first leased: a job back from a failed attempt is not merged.
    if (pending?.state === 'queued' && pending.attempt === 0) {
      this.#unwait(space, pending);
      pending.payload = job.payload;
      pending.priority = job.priority;
      pending.runAt = job.runAt;
      pending.expiresAt = job.expiresAt;
      pending.updatedAt = now;
      this.#wait(space, pending);
      return { id: pending.id, created: false, debounced: true };
    }
    const settings = this.#settings(ns, job.queue);
    const backoff = job.backoff ?? settings.backoff;
    const row: StoredJob = {
      ...job,
      maxAttempts: job.maxAttempts ?? settings.maxAttempts ?? d.maxAttempts,
      leaseMs: job.leaseMs ?? settings.leaseMs ?? d.leaseMs,
      ...(backoff === undefined ? {} : { backoff }),
      state: 'queued',
      attempt: 0,
      createdAt: now,
      updatedAt: now,
    };
    space.jobs.set(job.id, row);
    if (job.key !== undefined) space.keys.set(`${job.queue}\0${job.key}`, job.id);
    if (dk !== undefined) space.debounce.set(dk, job.id);
    this.#wait(space, row);
    return { id: job.id, created: true };
  }

  #wait(space: Namespace, job: StoredJob): void {
    const q = this.#queue(space, job.queue);
    const key = job.group ?? '';
    let list = q.waiting.get(key);
    if (!list) {
      list = new WaitList();
      q.waiting.set(key, list);
    }
    list.insert(job);
  }

  #unwait(space: Namespace, job: StoredJob): void {
    const q = space.queues.get(job.queue);
    const key = job.group ?? '';
    const list = q?.waiting.get(key);
    if (!q || !list) return;
    list.remove(job);
    if (list.length === 0) q.waiting.delete(key);
  }

  /** Takes an active job out of its queue's lease accounting. */
  #release(space: Namespace, job: StoredJob): void {
    space.queues.get(job.queue)?.active.delete(job);
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
    this.#release(space, job);
    job.state = 'completed';
    job.result = a.result;
    job.finishedAt = now;
    job.updatedAt = now;
    job.leaseExpiresAt = undefined;
    return { id: a.id, ok: true };
  }

  async enqueue(p: EnqueueParams): Promise<EnqueueResult[]> {
    const space = this.#space(p.ns);
    return p.jobs.map((job) => this.#insert(space, p.ns, p.now, job, p.defaults));
  }

  async claim(p: ClaimParams): Promise<ClaimResult> {
    const space = this.#space(p.ns);
    const acks = (p.acks ?? []).map((a) => this.#ack(space, p.now, a));
    const q = space.queues.get(p.queue);
    const jobs = [];
    if (q && !q.paused) {
      const limits: FlowLimits = p.limits ?? this.#settings(p.ns, p.queue);
      const taken = takeFair({ ...q, limit: p.limit, now: p.now, limits });
      for (const job of taken) {
        this.#unwait(space, job);
        q.active.add(job);
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
    const follow = p.enqueue ?? [];
    if (follow.length > 0 && !p.defaults) {
      throw new Error('[edgeq] [memory] follow-up jobs need defaults');
    }
    const enqueued =
      acks[0]?.ok && p.defaults
        ? follow.map((j) => this.#insert(space, p.ns, p.now, j, p.defaults!))
        : [];
    return { acks, enqueued };
  }

  async nack(p: NackParams): Promise<NackResult> {
    const space = this.#space(p.ns);
    const job = this.#fenced(space, p.id, p.leaseToken);
    if (typeof job === 'string') return { ok: false, error: job };
    this.#release(space, job);
    job.leaseExpiresAt = undefined;
    job.updatedAt = p.now;
    if (p.error !== undefined) job.lastError = p.error;
    if (p.dead || job.attempt >= job.maxAttempts) {
      job.state = 'dead';
      job.finishedAt = p.now;
      return { ok: true, state: 'dead' };
    }
    job.state = 'queued';
    job.runAt = p.retryAt ?? p.now + retryDelay(job, p.backoff, p.draw);
    this.#wait(space, job);
    return { ok: true, state: 'queued', runAt: job.runAt };
  }

  async reclaim(p: ReclaimParams): Promise<ReclaimResult> {
    const out = { requeued: 0, dead: 0, expired: 0 };
    for (const [ns, space] of this.#spaces) {
      if (p.ns !== undefined && ns !== p.ns) continue;
      for (const job of space.jobs.values()) {
        // Past its deadline while waiting: dead, never leased.
        if (job.state === 'queued' && job.expiresAt !== undefined && job.expiresAt <= p.now) {
          if (out.expired >= p.limit) continue;
          this.#unwait(space, job);
          job.state = 'dead';
          job.finishedAt = p.now;
          job.updatedAt = p.now;
          job.lastError = 'expired';
          out.expired++;
          continue;
        }
        if (out.requeued + out.dead >= p.limit) continue;
        // Strictly expired: a lease expiring exactly now is still held.
        if (job.state !== 'active' || job.leaseExpiresAt === undefined) continue;
        if (job.leaseExpiresAt >= p.now) continue;
        this.#release(space, job);
        job.leaseExpiresAt = undefined;
        job.updatedAt = p.now;
        if (job.attempt >= job.maxAttempts) {
          job.state = 'dead';
          job.finishedAt = p.now;
          job.lastError = `lease expired on attempt ${job.attempt} of ${job.maxAttempts}`;
          out.dead++;
        } else {
          job.state = 'queued';
          job.runAt = p.now + retryDelay(job, p.backoff, p.draw);
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
        if (p.queue !== undefined && job.queue !== p.queue) continue;
        if (p.exceptQueues?.includes(job.queue)) continue;
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
      // Flow state of group keys with nothing waiting or leased, and no rate debt left, is
      // dropped, so it stays bounded without letting a key past its groupRate.
      for (const q of space.queues.values()) {
        for (const [key, state] of q.flow.keys) {
          if (q.waiting.has(key) || state.tat > p.now) continue;
          if (![...q.active].some((j) => (j.group ?? '') === key)) q.flow.keys.delete(key);
        }
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

  async restore(p: RestoreParams): Promise<RestoreResult> {
    checkRestorable(this.name, p.jobs);
    const space = this.#space(p.ns);
    const holders = debounceHolders(p.jobs);
    const out: RestoreResult = { restored: 0, skipped: 0, conflicts: [] };
    for (const j of p.jobs) {
      if (space.jobs.has(j.id)) {
        out.skipped++;
        continue;
      }
      const kk = j.key === undefined ? undefined : `${j.queue}\0${j.key}`;
      if (kk !== undefined && space.keys.has(kk)) {
        out.conflicts.push(j.id);
        continue;
      }
      const { state: _, ...rec } = j;
      const row: StoredJob = {
        ...rec,
        ...(rec.backoff === undefined ? {} : { backoff: structuredClone(rec.backoff) }),
        state: storedState(j),
      };
      space.jobs.set(row.id, row);
      this.#queue(space, row.queue);
      if (kk !== undefined) space.keys.set(kk, row.id);
      if (row.state === 'queued') {
        this.#wait(space, row);
        const dk = `${row.queue}\0${row.debounceKey}`;
        const target = space.jobs.get(space.debounce.get(dk) ?? '');
        // Only where no waiting job of the key still takes merges (as enqueue would find it).
        if (holders.has(row.id) && !(target?.state === 'queued' && target.attempt === 0)) {
          space.debounce.set(dk, row.id);
        }
      }
      out.restored++;
    }
    return out;
  }

  async namespaces(): Promise<string[]> {
    const names = new Set<string>();
    // `#space` creates an entry on any read: only namespaces that hold something count.
    for (const [ns, space] of this.#spaces) if (space.jobs.size || space.queues.size) names.add(ns);
    for (const entry of this.#configs.values()) names.add(entry.ns);
    return [...names].sort(cmp);
  }

  async close(): Promise<void> {}
}

function retryDelay(job: StoredJob, fallback: BackoffPolicy, draw: number): number {
  return backoffDelay(job.backoff ?? fallback, job.attempt, draw);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
