/**
 * Upstash Redis driver: every operation is exactly one Lua script call (EVALSHA, falling back to
 * EVAL on NOSCRIPT) over Upstash's REST API, so it works from Workers where TCP Redis cannot.
 * The data layout and the script contracts are in ./scripts (prelude.ts documents the keys).
 *
 * Safe under the client's retries (5 by default): a script whose response was lost may run again,
 * and each one recognises its own re-run (see `Replayable` in the contract) and answers as before.
 */
import type { Redis } from '@upstash/redis';
import { checkRestorable, debounceHolders, storedState } from '../restore.js';
import type {
  AckParams,
  AckResult,
  AdvanceCursorParams,
  BackoffPolicy,
  CancelParams,
  CancelResult,
  Capabilities,
  ClaimedJob,
  ClaimParams,
  ClaimResult,
  ConfigEntry,
  ConfigParams,
  DeleteConfigParams,
  Driver,
  EnqueueParams,
  EnqueueResult,
  ExtendParams,
  ExtendResult,
  FenceError,
  GetParams,
  JobRecord,
  ListParams,
  ListResult,
  NackParams,
  NackResult,
  NewJob,
  PauseParams,
  PruneParams,
  PutConfigParams,
  QueueInfo,
  QueuesParams,
  ReclaimParams,
  ReclaimResult,
  ReplayParams,
  RestoreParams,
  RestoreResult,
} from '../types.js';
import { SCRIPTS, type ScriptName } from './scripts/index.js';

export interface UpstashDriverOptions {
  /** An @upstash/redis client. */
  client: Redis;
  /**
   * Key prefix; must contain a `{hash tag}` so every key routes to one slot. Default `{edgeq}`.
   * Separate apps (or environments) sharing a database use separate prefixes.
   */
  prefix?: string;
  /**
   * Backstop expiry of finished jobs and their idempotency keys, in ms (default 30 days). The
   * tick's prune deletes them on time; this only bounds memory if ticks stop. 0 turns it off.
   */
  finishedTtlMs?: number;
}

const NAME = /^[A-Za-z0-9_.-]{1,128}$/;
const DEFAULT_TTL = 30 * 24 * 3_600_000;

type Arg = string | number;
/** A script's answer per job: id, created, debounced. */
type Outcome = [string, boolean, boolean];

/** cjson encodes an empty table as `{}`: read such fields as arrays. */
const arr = <T>(x: unknown): T[] => (Array.isArray(x) ? (x as T[]) : []);

export class UpstashDriver implements Driver {
  readonly name = 'upstash';
  readonly capabilities: Capabilities = { durable: true, shared: true, replaySafe: true };
  readonly prefix: string;
  readonly #client: Redis;
  readonly #ttl: number;
  readonly #scripts: Map<ScriptName, ReturnType<Redis['createScript']>>;

  constructor(opts: UpstashDriverOptions) {
    this.#client = opts.client;
    this.prefix = opts.prefix ?? '{edgeq}';
    if (!/\{[^{}]+\}/.test(this.prefix)) {
      throw new Error(`[edgeq] [upstash] prefix "${this.prefix}" needs a {hash tag}, e.g. {edgeq}`);
    }
    this.#ttl = opts.finishedTtlMs ?? DEFAULT_TTL;
    this.#scripts = new Map(
      (Object.keys(SCRIPTS) as ScriptName[]).map((n) => [n, this.#client.createScript(SCRIPTS[n])]),
    );
  }

  /**
   * Loads every script into Redis's script cache in one request, so the first call of each is one
   * EVALSHA rather than EVALSHA + EVAL. Optional: the NOSCRIPT fallback covers a cold cache.
   */
  async loadScripts(): Promise<void> {
    const p = this.#client.pipeline();
    for (const src of Object.values(SCRIPTS)) p.scriptLoad(src);
    await p.exec();
  }

  async #run<T>(name: ScriptName, args: Arg[]): Promise<T> {
    const out = await this.#exec(name, args);
    // With the client's automatic JSON decoding on, the cjson document arrives parsed already.
    return (typeof out === 'string' ? JSON.parse(out) : out) as T;
  }

  async #exec(name: ScriptName, args: Arg[]): Promise<unknown> {
    try {
      return await this.#scripts.get(name)!.exec([this.prefix], args.map(String));
    } catch (err) {
      // UpstashError messages end with the whole command, payloads included: keep them out of
      // every log line and response.
      const message =
        err instanceof Error ? err.message.replace(/,? ?command was:[\s\S]*$/, '') : '';
      throw new Error(`[edgeq] [upstash] ${name} failed: ${message}`, { cause: err });
    }
  }

  #ns(ns: string): string {
    if (!NAME.test(ns)) throw new Error(`[edgeq] [upstash] invalid namespace "${ns}"`);
    return ns;
  }

  /** 12 per job, in the order the scripts read them (`jobAt` in scripts/prelude.ts). */
  #jobArgs(jobs: NewJob[]): Arg[] {
    return jobs.flatMap((j) => [
      j.id,
      j.queue,
      j.payload,
      j.runAt,
      j.priority,
      j.maxAttempts ?? '',
      j.leaseMs ?? '',
      j.key ?? '',
      j.group ?? '',
      j.expiresAt ?? '',
      j.debounceKey ?? '',
      j.backoff ? JSON.stringify(j.backoff) : '',
    ]);
  }

  #ackArgs(acks: AckParams['acks']): Arg[] {
    return acks.flatMap((a) => [a.id, a.leaseToken, a.result ?? '']);
  }

  async enqueue(p: EnqueueParams): Promise<EnqueueResult[]> {
    if (!p.jobs.length) return [];
    const out = await this.#run<Outcome[]>('enqueue', [
      this.#ns(p.ns),
      p.now,
      p.opId ?? '',
      p.defaults.maxAttempts,
      p.defaults.leaseMs,
      ...this.#jobArgs(p.jobs),
    ]);
    return enqueued(out);
  }

  async claim(p: ClaimParams): Promise<ClaimResult> {
    const out = await this.#run<{ acks: unknown; jobs: unknown }>('claim', [
      this.#ns(p.ns),
      p.queue,
      p.now,
      p.limit,
      p.leaseToken,
      p.leaseMs ?? '',
      this.#ttl,
      p.limits ? JSON.stringify(p.limits) : '',
      ...this.#ackArgs(p.acks ?? []),
    ]);
    const jobs = arr<ClaimedJob & { runAt?: number; state?: string }>(out.jobs).map(
      ({ runAt: _r, state: _s, ...job }) => job,
    );
    return { jobs, acks: outcomes(out.acks) };
  }

  async extend(p: ExtendParams): Promise<ExtendResult> {
    return this.#run<ExtendResult>('extend', [
      this.#ns(p.ns),
      p.id,
      p.leaseToken,
      p.now,
      p.leaseMs,
    ]);
  }

  async ack(p: AckParams): Promise<AckResult> {
    if (!p.acks.length) return { acks: [], enqueued: [] };
    const follow = p.enqueue ?? [];
    if (follow.length && p.acks.length !== 1) {
      throw new Error('[edgeq] [upstash] follow-up jobs need exactly one ack');
    }
    const out = await this.#run<{ acks: unknown; enqueued: unknown }>('ack', [
      this.#ns(p.ns),
      p.now,
      p.opId ?? '',
      this.#ttl,
      p.acks.length,
      p.defaults?.maxAttempts ?? '',
      p.defaults?.leaseMs ?? '',
      ...this.#ackArgs(p.acks),
      ...this.#jobArgs(follow),
    ]);
    return { acks: outcomes(out.acks), enqueued: enqueued(out.enqueued) };
  }

  async nack(p: NackParams): Promise<NackResult> {
    const out = await this.#run<
      { ok: true; state: 'queued' | 'dead'; runAt: number } | { ok: false; error: FenceError }
    >('nack', [
      this.#ns(p.ns),
      p.id,
      p.leaseToken,
      p.now,
      p.opId ?? '',
      p.dead ? 1 : 0,
      p.retryAt ?? '',
      p.error === undefined ? 0 : 1,
      p.error ?? '',
      JSON.stringify(p.backoff),
      p.draw,
      this.#ttl,
    ]);
    if (!out.ok) return out;
    return out.state === 'dead'
      ? { ok: true, state: 'dead' }
      : { ok: true, state: 'queued', runAt: out.runAt };
  }

  async reclaim(p: ReclaimParams): Promise<ReclaimResult> {
    return this.#run<ReclaimResult>('reclaim', [
      p.ns === undefined ? '' : this.#ns(p.ns),
      p.now,
      p.limit,
      JSON.stringify(p.backoff),
      p.draw,
      this.#ttl,
    ]);
  }

  async get(p: GetParams): Promise<JobRecord | null> {
    const rec = await this.#run<ScriptRecord | null>('get', [this.#ns(p.ns), p.id, p.now]);
    return rec ? fromScript(rec) : null;
  }

  async list(p: ListParams): Promise<ListResult> {
    const out = await this.#run<{ jobs: unknown; cursor?: string }>('list', [
      this.#ns(p.ns),
      p.queue,
      p.state,
      p.now,
      p.limit,
      p.cursor ?? '',
    ]);
    const jobs = arr<ScriptRecord>(out.jobs).map(fromScript);
    return { jobs, ...(out.cursor ? { cursor: out.cursor } : {}) };
  }

  async queues(p: QueuesParams): Promise<QueueInfo[]> {
    return arr<QueueInfo>(await this.#run('queues', [this.#ns(p.ns), p.now, p.queue ?? '']));
  }

  async setPaused(p: PauseParams): Promise<void> {
    await this.#scripts
      .get('pause')!
      .exec([this.prefix], [this.#ns(p.ns), p.queue, p.paused ? '1' : '0']);
  }

  async replayDead(p: ReplayParams): Promise<{ replayed: number }> {
    return this.#run('replay', [this.#ns(p.ns), p.queue, p.now, p.limit, ...(p.ids ?? [])]);
  }

  async cancel(p: CancelParams): Promise<CancelResult> {
    return this.#run<CancelResult>('cancel', [this.#ns(p.ns), p.id, p.now, this.#ttl]);
  }

  async prune(p: PruneParams): Promise<{ pruned: number }> {
    return this.#run('prune', [
      p.ns === undefined ? '' : this.#ns(p.ns),
      p.now,
      p.finishedBefore,
      p.deadBefore,
      p.limit,
      p.queue ?? '',
      ...(p.exceptQueues ?? []),
    ]);
  }

  async putConfig(p: PutConfigParams): Promise<void> {
    await this.#exec('putConfig', [this.#ns(p.ns), p.kind, p.name, p.value, p.now]);
  }

  async deleteConfig(p: DeleteConfigParams): Promise<boolean> {
    return Number(await this.#exec('deleteConfig', [this.#ns(p.ns), p.kind, p.name])) > 0;
  }

  async configs(p: ConfigParams): Promise<ConfigEntry[]> {
    const ns = p.ns === undefined ? '' : this.#ns(p.ns);
    return arr<ConfigEntry>(await this.#run('configs', [p.kind, ns]));
  }

  async advanceCursor(p: AdvanceCursorParams): Promise<void> {
    await this.#exec('advanceCursor', [this.#ns(p.ns), p.kind, p.name, p.cursor]);
  }

  async restore(p: RestoreParams): Promise<RestoreResult> {
    checkRestorable(this.name, p.jobs);
    if (!p.jobs.length) return { restored: 0, skipped: 0, conflicts: [] };
    const holders = debounceHolders(p.jobs);
    // RESTORE_FIELDS per job, in the order scripts/copy-1.ts reads them.
    const jobs = p.jobs.flatMap((j) => [
      j.id,
      j.queue,
      storedState(j),
      j.payload,
      j.priority,
      j.attempt,
      j.maxAttempts,
      j.runAt,
      j.leaseMs,
      j.key ?? '',
      j.group ?? '',
      j.expiresAt ?? '',
      j.debounceKey ?? '',
      holders.has(j.id) ? 1 : '',
      j.backoff ? JSON.stringify(j.backoff) : '',
      j.result ?? '',
      j.lastError ?? '',
      j.createdAt,
      j.updatedAt,
      j.finishedAt ?? '',
    ]);
    const out = await this.#run<{ restored: number; skipped: number; conflicts: unknown }>(
      'restore',
      [this.#ns(p.ns), p.now, p.opId ?? '', this.#ttl, ...jobs],
    );
    return { restored: out.restored, skipped: out.skipped, conflicts: arr<string>(out.conflicts) };
  }

  async namespaces(): Promise<string[]> {
    return arr<string>(await this.#run('namespaces', []));
  }

  /** The REST client holds no connection. */
  async close(): Promise<void> {}
}

/** A record as the scripts return it: the job's backoff policy still as its JSON text. */
type ScriptRecord = Omit<JobRecord, 'backoff'> & { backoff?: string };

function fromScript({ backoff, ...rec }: ScriptRecord): JobRecord {
  return backoff === undefined ? rec : { ...rec, backoff: JSON.parse(backoff) as BackoffPolicy };
}

function enqueued(raw: unknown): EnqueueResult[] {
  return arr<Outcome>(raw).map(([id, created, debounced]) =>
    debounced ? { id, created, debounced: true } : { id, created },
  );
}

function outcomes(raw: unknown) {
  return arr<[string, string]>(raw).map(([id, code]) =>
    code === 'ok'
      ? { id, ok: true as const }
      : { id, ok: false as const, error: code as FenceError },
  );
}
