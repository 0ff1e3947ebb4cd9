/**
 * libSQL / SQLite driver over @libsql/client, with drizzle-orm for the typed reads. Works with
 * `file:` and `:memory:` databases (Node) and remote `libsql://`, `http(s)://` URLs (Turso, and
 * Workers, which only have the web client).
 *
 * Every state change is one client call: a single statement, or one `BEGIN IMMEDIATE` batch when
 * a fenced write must also say why it failed. `write` batches take SQLite's writer lock up front,
 * so concurrent writers queue on the busy timeout instead of deadlocking on a lock upgrade; a
 * SQLITE_BUSY that still gets through is retried here (the transaction did not commit, so the
 * retry is safe) and never reaches a caller.
 */
import type { Client, InStatement, ResultSet, Row } from '@libsql/client';
import { and, asc, eq, gt, lte, type SQL } from 'drizzle-orm';
import { drizzle, type LibSQLDatabase } from 'drizzle-orm/libsql';
import { checkRestorable } from '../restore.js';
import {
  type AckOutcome,
  type AckParams,
  type AckResult,
  type AdvanceCursorParams,
  type CancelParams,
  type CancelResult,
  type Capabilities,
  type ClaimedJob,
  type ClaimParams,
  type ClaimResult,
  type ConfigEntry,
  type ConfigParams,
  type DeleteConfigParams,
  type Driver,
  type EnqueueParams,
  type EnqueueResult,
  type ExtendParams,
  type ExtendResult,
  emptyCounts,
  type FenceError,
  type GetParams,
  type JobDefaults,
  type JobRecord,
  type JobState,
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
  type RestoreParams,
  type RestoreResult,
} from '../types.js';
import * as C from './config.js';
import { fastClaim, needsFlow } from './fast-claim.js';
import { claimStatements, LEASED_RESULT } from './flow.js';
import { migrate } from './migrate.js';
import { NAMESPACES, restoreStatements } from './restore.js';
import { claimedRow, recordOf } from './rows.js';
import * as S from './statements.js';
import { jobs } from './tables.js';

export interface LibsqlDriverOptions {
  client: Client;
  /** Whether the database is a local file or memory (enables WAL, declares capabilities). */
  local: 'file' | 'memory' | false;
  /** Attempts on SQLITE_BUSY before giving up (default 20, about 2 s in all). */
  busyRetries?: number;
}

export class LibsqlDriver implements Driver {
  readonly name = 'libsql';
  readonly capabilities: Capabilities;
  readonly client: Client;
  readonly #db: LibSQLDatabase;
  readonly #opts: LibsqlDriverOptions;
  #ready: Promise<void> | undefined;

  constructor(opts: LibsqlDriverOptions) {
    this.#opts = opts;
    this.client = opts.client;
    this.#db = drizzle(opts.client);
    const durable = opts.local !== 'memory';
    // @libsql/client never re-sends a call on its own, so re-runs cannot happen.
    this.capabilities = { durable, shared: durable, replaySafe: false };
  }

  /** Applies pending migrations; runs once per instance before the first operation. */
  migrate(): Promise<void> {
    this.#ready ??= migrate(this.client, this.#opts.local === 'file').catch((err: unknown) => {
      this.#ready = undefined; // let the next call try again
      throw err;
    });
    return this.#ready;
  }

  /** Runs one client call after migrations, both retried on SQLITE_BUSY. */
  async #run<T>(op: () => Promise<T>): Promise<T> {
    // Several processes may open a fresh file at once: their migrations queue on the lock too.
    await this.#retryBusy(() => this.migrate());
    return this.#retryBusy(op);
  }

  /** Retries SQLITE_BUSY with jittered backoff: the transaction did not commit, so it is safe. */
  async #retryBusy<T>(op: () => Promise<T>): Promise<T> {
    const retries = this.#opts.busyRetries ?? 20;
    for (let attempt = 0; ; attempt++) {
      try {
        return await op();
      } catch (err) {
        if (attempt >= retries || !isBusy(err)) throw err;
        const wait = Math.min(200, 5 * 2 ** attempt) * (0.5 + Math.random() / 2);
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }

  #write(stmts: InStatement[]): Promise<ResultSet[]> {
    return this.#run(() => this.client.batch(stmts, 'write'));
  }

  #exec(stmt: InStatement): Promise<ResultSet> {
    return this.#run(() => this.client.execute(stmt));
  }

  /**
   * Statements that insert `list`: [ids that already exist (only with debounce keys), the
   * insert, the idempotency key owners (only with keys)]. `read` maps them back.
   */
  #enqueueStmts(
    ns: string,
    now: number,
    list: NewJob[],
    defaults: JobDefaults,
    onlyIf?: S.Condition,
  ): { stmts: InStatement[]; read: (res: ResultSet[]) => EnqueueResult[] } {
    const stmts: InStatement[] = [];
    const debounced = list.some((j) => j.debounceKey !== undefined);
    // A re-sent id that holds its debounce key updates itself: only this read tells it is old.
    const prior = debounced
      ? stmts.push(
          S.existing(
            ns,
            list.map((j) => j.id),
          ),
        ) - 1
      : -1;
    const inserted = stmts.push(S.insertJobs(ns, now, list, defaults, onlyIf)) - 1;
    const owners = S.keyOwners(ns, list);
    const owned = owners ? stmts.push(owners) - 1 : -1;
    return {
      stmts,
      read: (res) =>
        enqueueResults(list, res[inserted]!, prior < 0 ? undefined : res[prior], res[owned]),
    };
  }

  async enqueue(p: EnqueueParams): Promise<EnqueueResult[]> {
    if (!p.jobs.length) return [];
    const register = S.registerQueues(
      p.ns,
      p.now,
      p.jobs.map((j) => j.queue),
    );
    const { stmts, read } = this.#enqueueStmts(p.ns, p.now, p.jobs, p.defaults);
    const res = await this.#write([register, ...stmts]);
    return read(res.slice(1));
  }

  /** Ack statements for a batch: [which exist, the update]. */
  #ackStmts(ns: string, now: number, acks: AckParams['acks']): InStatement[] {
    return [
      S.existing(
        ns,
        acks.map((a) => a.id),
      ),
      S.ackJobs(ns, now, acks),
    ];
  }

  #ackOutcomes(acks: AckParams['acks'], exist: ResultSet, done: ResultSet): AckOutcome[] {
    const present = new Set(exist.rows.map((r) => String(r.id)));
    const completed = new Set(done.rows.map((r) => String(r.id)));
    return acks.map((a) => {
      // The same job twice in one call: only its first ack can have done it.
      if (completed.delete(a.id)) return { id: a.id, ok: true };
      return { id: a.id, ok: false, error: present.has(a.id) ? 'lease_lost' : 'not_found' };
    });
  }

  /** Queues (`ns \0 queue`) whose last claim found no flow control needed (./fast-claim.ts). */
  readonly #plain = new Set<string>();

  async claim(p: ClaimParams): Promise<ClaimResult> {
    const acks = p.acks ?? [];
    const pre = acks.length ? this.#ackStmts(p.ns, p.now, acks) : [];
    const outcomes = (r: ResultSet[]) => (acks.length ? this.#ackOutcomes(acks, r[0]!, r[1]!) : []);
    const key = `${p.ns}\0${p.queue}`;
    if (this.#plain.has(key)) {
      let results: ResultSet[];
      let flow: boolean;
      if (!acks.length && this.#opts.local) {
        // In process a call costs microseconds, so the plain claim runs alone (autocommit, no
        // BEGIN/COMMIT); only when it leases nothing does a second read say why.
        const one = await this.#exec(fastClaim(p));
        results = [one];
        flow = one.rows.length === 0 && flowNeeded([await this.#exec(needsFlow(p))]);
      } else {
        results = await this.#write([...pre, fastClaim(p), needsFlow(p)]);
        flow = flowNeeded(results);
      }
      if (!flow) return { jobs: plainJobs(results[pre.length]!), acks: outcomes(results) };
      // The queue changed over (a limit set, a grouped job enqueued): the guard leased nothing.
      this.#plain.delete(key);
      const again = await this.#write([...claimStatements(p), needsFlow(p)]);
      return { jobs: leasedJobs(again[LEASED_RESULT]!), acks: outcomes(results) };
    }
    const results = await this.#write([...pre, ...claimStatements(p), needsFlow(p)]);
    if (!flowNeeded(results)) {
      if (this.#plain.size >= 10_000) this.#plain.clear();
      this.#plain.add(key);
    }
    return { jobs: leasedJobs(results[pre.length + LEASED_RESULT]!), acks: outcomes(results) };
  }

  async extend(p: ExtendParams): Promise<ExtendResult> {
    const [exist, upd] = await this.#write([
      S.existing(p.ns, [p.id]),
      {
        sql: S.EXTEND,
        args: { ns: p.ns, id: p.id, token: p.leaseToken, now: p.now, lease_ms: p.leaseMs },
      },
    ]);
    const row = upd!.rows[0];
    if (!row) return { ok: false, error: fence(exist!) };
    return { ok: true, leaseExpiresAt: Number(row.lease_expires_at) };
  }

  async ack(p: AckParams): Promise<AckResult> {
    if (!p.acks.length) return { acks: [], enqueued: [] };
    const follow = p.enqueue ?? [];
    if (follow.length && p.acks.length !== 1) {
      throw new Error('[edgeq] [libsql] follow-up jobs need exactly one ack');
    }
    const stmts = this.#ackStmts(p.ns, p.now, p.acks);
    if (!follow.length) {
      const [exist, done] = await this.#write(stmts);
      return { acks: this.#ackOutcomes(p.acks, exist!, done!), enqueued: [] };
    }
    if (!p.defaults) throw new Error('[edgeq] [libsql] follow-up jobs need defaults');
    const a = p.acks[0]!;
    // Registered before the ack, so the ack is the statement `changes()` looks back at.
    stmts.splice(
      1,
      0,
      S.registerQueues(
        p.ns,
        p.now,
        follow.map((j) => j.queue),
      ),
    );
    const onlyIf: S.Condition = {
      sql: `changes() > 0 AND EXISTS (SELECT 1 FROM edgeq_jobs WHERE ns = ? AND id = ? AND state = 'completed' AND lease_token = ? AND finished_at = ?)`,
      args: [p.ns, a.id, a.leaseToken, p.now],
    };
    const enq = this.#enqueueStmts(p.ns, p.now, follow, p.defaults, onlyIf);
    const res = await this.#write([...stmts, ...enq.stmts]);
    const acks = this.#ackOutcomes(p.acks, res[0]!, res[2]!);
    return { acks, enqueued: acks[0]?.ok ? enq.read(res.slice(3)) : [] };
  }

  async nack(p: NackParams): Promise<NackResult> {
    const [exist, upd] = await this.#write([
      S.existing(p.ns, [p.id]),
      {
        sql: S.NACK,
        args: {
          ns: p.ns,
          id: p.id,
          token: p.leaseToken,
          now: p.now,
          dead: p.dead ? 1 : 0,
          retry_at: p.retryAt ?? null,
          error: p.error ?? null,
          ...S.backoffArgs(p.backoff, p.draw),
        },
      },
    ]);
    const row = upd!.rows[0];
    if (!row) return { ok: false, error: fence(exist!) };
    return row.state === 'dead'
      ? { ok: true, state: 'dead' }
      : { ok: true, state: 'queued', runAt: Number(row.run_at) };
  }

  async reclaim(p: ReclaimParams): Promise<ReclaimResult> {
    const all = p.ns === undefined;
    const scope: Record<string, string> = all ? {} : { ns: p.ns! };
    // Deadlines first: a lease put back below is a job that was leased in time.
    const [expired, leases] = await this.#write([
      { sql: S.expire(all), args: { now: p.now, limit: p.limit, ...scope } },
      {
        sql: S.reclaim(all),
        args: { now: p.now, limit: p.limit, ...S.backoffArgs(p.backoff, p.draw), ...scope },
      },
    ]);
    const dead = leases!.rows.filter((r) => r.state === 'dead').length;
    return { requeued: leases!.rows.length - dead, dead, expired: expired!.rows.length };
  }

  async get(p: GetParams): Promise<JobRecord | null> {
    const rows = await this.#run(() =>
      this.#db
        .select()
        .from(jobs)
        .where(and(eq(jobs.ns, p.ns), eq(jobs.id, p.id))),
    );
    return rows[0] ? recordOf(rows[0], p.now) : null;
  }

  async list(p: ListParams): Promise<ListResult> {
    const where: SQL[] = [eq(jobs.ns, p.ns), eq(jobs.queue, p.queue)];
    if (p.state === 'scheduled') where.push(eq(jobs.state, 'queued'), gt(jobs.runAt, p.now));
    else if (p.state === 'queued') where.push(eq(jobs.state, 'queued'), lte(jobs.runAt, p.now));
    else where.push(eq(jobs.state, p.state));
    if (p.cursor !== undefined) where.push(gt(jobs.id, p.cursor));
    const rows = await this.#run(() =>
      this.#db
        .select()
        .from(jobs)
        .where(and(...where))
        .orderBy(asc(jobs.id))
        .limit(p.limit + 1),
    );
    const page = rows.slice(0, p.limit);
    const last = page[page.length - 1];
    return {
      jobs: page.map((r) => recordOf(r, p.now)),
      ...(rows.length > p.limit && last ? { cursor: last.id } : {}),
    };
  }

  async queues(p: QueuesParams): Promise<QueueInfo[]> {
    const one = p.queue !== undefined;
    const args = { ns: p.ns, now: p.now, ...(one ? { queue: p.queue! } : {}) };
    const [qs, cs] = await this.#run(() =>
      this.client.batch(
        [
          { sql: S.queueRows(one), args: one ? { ns: p.ns, queue: p.queue! } : { ns: p.ns } },
          { sql: S.counts(one), args },
        ],
        'read',
      ),
    );
    const infos = new Map<string, QueueInfo>();
    for (const r of qs!.rows) {
      const name = String(r.name);
      infos.set(name, { name, paused: Number(r.paused) === 1, counts: emptyCounts() });
    }
    for (const r of cs!.rows) {
      const info = infos.get(String(r.queue));
      if (info) info.counts[r.s as JobState] = Number(r.n);
    }
    return [...infos.values()];
  }

  async setPaused(p: PauseParams): Promise<void> {
    await this.#exec({
      sql: S.SET_PAUSED,
      args: { ns: p.ns, queue: p.queue, paused: p.paused ? 1 : 0, now: p.now },
    });
  }

  async replayDead(p: ReplayParams): Promise<{ replayed: number }> {
    const ids: Record<string, string> = {};
    for (const [i, id] of (p.ids ?? []).entries()) ids[`id${i}`] = id;
    const rs = await this.#exec({
      sql: S.replay(p.ids?.length),
      args: { ns: p.ns, queue: p.queue, now: p.now, limit: p.limit, ...ids },
    });
    return { replayed: rs.rows.length };
  }

  async cancel(p: CancelParams): Promise<CancelResult> {
    const [upd, after] = await this.#write([
      { sql: S.CANCEL, args: { ns: p.ns, id: p.id, now: p.now } },
      { sql: 'SELECT state, run_at FROM edgeq_jobs WHERE ns = ? AND id = ?', args: [p.ns, p.id] },
    ]);
    if (upd!.rows.length) return { ok: true };
    const row = after!.rows[0];
    if (!row) return { ok: false, error: 'not_found' };
    if (row.state === 'cancelled') return { ok: true };
    return { ok: false, error: 'conflict', state: row.state as JobState };
  }

  async prune(p: PruneParams): Promise<{ pruned: number }> {
    const except = p.exceptQueues ?? [];
    const scope: Record<string, string> = p.ns === undefined ? {} : { ns: p.ns };
    const [jobsGone] = await this.#write([
      {
        sql: S.prune(p.ns === undefined, p.queue !== undefined, except.length),
        args: {
          finished_before: p.finishedBefore,
          dead_before: p.deadBefore,
          limit: p.limit,
          ...scope,
          ...(p.queue === undefined ? {} : { queue: p.queue }),
          ...Object.fromEntries(except.map((q, i) => [`x${i}`, q])),
        },
      },
      { sql: S.pruneKeys(p.ns === undefined), args: { ...scope, now: p.now } },
    ]);
    return { pruned: jobsGone!.rowsAffected };
  }

  async putConfig(p: PutConfigParams): Promise<void> {
    await this.#exec(C.putConfig(p));
  }

  async deleteConfig(p: DeleteConfigParams): Promise<boolean> {
    return (await this.#exec(C.deleteConfig(p))).rows.length > 0;
  }

  async configs(p: ConfigParams): Promise<ConfigEntry[]> {
    const rs = await this.#exec(C.configs(p));
    return rs.rows.map((r) => ({
      ns: String(r.ns),
      name: String(r.name),
      value: String(r.value),
      updatedAt: Number(r.updated_at),
      ...(r.cursor == null ? {} : { cursor: Number(r.cursor) }),
    }));
  }

  async advanceCursor(p: AdvanceCursorParams): Promise<void> {
    await this.#exec(C.advanceCursor(p));
  }

  async restore(p: RestoreParams): Promise<RestoreResult> {
    checkRestorable(this.name, p.jobs);
    if (!p.jobs.length) return { restored: 0, skipped: 0, conflicts: [] };
    const [, prior, inserted] = await this.#write(restoreStatements(p.ns, p.now, p.jobs));
    const present = new Set(prior!.rows.map((r) => String(r.id)));
    const written = new Set(inserted!.rows.map((r) => String(r.id)));
    const out: RestoreResult = { restored: written.size, skipped: 0, conflicts: [] };
    for (const j of p.jobs) {
      if (present.has(j.id)) out.skipped++;
      else if (!written.has(j.id)) out.conflicts.push(j.id);
    }
    return out;
  }

  async namespaces(): Promise<string[]> {
    return (await this.#exec(NAMESPACES)).rows.map((r) => String(r.ns));
  }

  async close(): Promise<void> {
    this.client.close();
  }
}

/**
 * What each job of an insert became. `inserted` returns the rows inserted and the waiting jobs
 * a debounce key updated; `prior` (with debounce keys) the ids that existed before; `owners` the
 * holders of idempotency keys.
 */
function enqueueResults(
  list: NewJob[],
  inserted: ResultSet,
  prior?: ResultSet,
  owners?: ResultSet,
): EnqueueResult[] {
  const old = new Set(prior?.rows.map((r) => String(r.id)));
  const returned = new Set(inserted.rows.map((r) => String(r.id)));
  const byKey = new Map<string, string>();
  for (const r of owners?.rows ?? []) byKey.set(`${r.queue}\0${r.idem_key}`, String(r.id));
  // Every row of one statement that met a debounce key ended on the same waiting job.
  const byDebounce = new Map<string, string>();
  for (const r of inserted.rows) {
    if (r.debounce_key != null) byDebounce.set(`${r.queue}\0${r.debounce_key}`, String(r.id));
  }
  const seen = new Set<string>();
  return list.map((j) => {
    if (j.debounceKey !== undefined) {
      const holder = byDebounce.get(`${j.queue}\0${j.debounceKey}`) ?? j.id;
      const isNew = holder === j.id && returned.has(j.id) && !old.has(j.id) && !seen.has(j.id);
      seen.add(holder);
      if (isNew) return { id: j.id, created: true };
      return returned.has(holder)
        ? { id: holder, created: false, debounced: true }
        : { id: holder, created: false };
    }
    const owner = j.key === undefined ? undefined : byKey.get(`${j.queue}\0${j.key}`);
    const id = owner ?? j.id;
    // A batch may carry one key twice: only the first of them was created.
    const isNew = returned.has(id) && id === j.id && !seen.has(id);
    seen.add(id);
    return { id, created: isNew };
  });
}

function fence(exist: ResultSet): FenceError {
  return exist.rows.length ? 'lease_lost' : 'not_found';
}

function isBusy(err: unknown): boolean {
  const e = err as { code?: unknown; rawCode?: unknown; message?: unknown } | null;
  const text = `${String(e?.code ?? '')} ${String(e?.message ?? '')}`;
  return /SQLITE_BUSY|SQLITE_LOCKED|database is locked/i.test(text);
}

export type { Row };

/** The last statement of a claim batch is `needsFlow`. */
function flowNeeded(results: ResultSet[]): boolean {
  return Number(results[results.length - 1]!.rows[0]?.flow) === 1;
}

/** The plain claim's rows in claim order (RETURNING order is unspecified). */
function plainJobs(rs: ResultSet): ClaimedJob[] {
  const rows = rs.rows.map(claimedRow);
  rows.sort((a, b) => b.priority - a.priority || a.runAt - b.runAt || (a.id < b.id ? -1 : 1));
  return rows.map(({ runAt: _, ...job }) => job);
}

function leasedJobs(rs: ResultSet): ClaimedJob[] {
  return rs.rows.map(claimedRow).map(({ runAt: _, ...job }) => job);
}
