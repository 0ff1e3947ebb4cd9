/**
 * Postgres driver, written once over drizzle-orm and run on three clients: Neon's HTTP driver
 * (`neon()`, one HTTPS request per operation; the default in Workers), Neon's WebSocket `Pool`
 * and node-postgres `pg`. Every operation is one statement (./statements.ts, ./enqueue.ts,
 * ./claim.ts), so none needs an interactive transaction, which neon-http does not have; a claim
 * under flow limits calls the schema's `claim_flow` function from that one statement.
 */
import { type SQL, sql } from 'drizzle-orm';
import { claimedFromRow, jobRecord, type StoredFields } from '../record.js';
import { checkRestorable } from '../restore.js';
import {
  type AckOutcome,
  type AckParams,
  type AckResult,
  type AdvanceCursorParams,
  type BackoffPolicy,
  type CancelParams,
  type CancelResult,
  type Capabilities,
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
import { claimParts } from './claim.js';
import { enqueueParts, enqueueResults, keyOwners } from './enqueue.js';
import { migrate } from './migrate.js';
import { namespaces, restore } from './restore.js';
import * as S from './statements.js';

type Row = Record<string, unknown>;

/** What the driver needs of a client: one statement at a time, and a migration batch. */
export interface PgTransport {
  /** `neon-http`, `neon-ws` or `pg`. */
  kind: string;
  /** Runs one statement (a drizzle `db.execute`). */
  execute(query: SQL): Promise<Row[]>;
  /** Runs statements without parameters as one non-interactive transaction (migrations). */
  batch(statements: string[]): Promise<void>;
  close(): Promise<void>;
}

export interface PostgresDriverOptions {
  transport: PgTransport;
  /** Postgres schema holding edgeq's tables (default `edgeq`). */
  schema?: string;
}

const SCHEMA = /^[a-z_][a-z0-9_]{0,62}$/;

export class PostgresDriver implements Driver {
  readonly name = 'postgres';
  readonly capabilities: Capabilities = { durable: true, shared: true, replaySafe: false };
  readonly schema: string;
  readonly transport: PgTransport;
  readonly #t: S.Tables;
  #ready: Promise<void> | undefined;

  constructor(opts: PostgresDriverOptions) {
    this.transport = opts.transport;
    this.schema = opts.schema ?? 'edgeq';
    if (!SCHEMA.test(this.schema)) {
      throw new Error(`[edgeq] [postgres] schema "${this.schema}" must match ${SCHEMA}`);
    }
    this.#t = S.tables(this.schema);
  }

  /** Creates or upgrades the schema; runs once per instance before the first operation. */
  migrate(): Promise<void> {
    this.#ready ??= migrate(this.transport, this.schema).then(
      () => undefined,
      (err: unknown) => {
        this.#ready = undefined; // let the next call try again
        throw err;
      },
    );
    return this.#ready;
  }

  async #q(query: SQL): Promise<Row[]> {
    await this.migrate();
    return this.transport.execute(query);
  }

  /** `(kind, data)` rows grouped by kind. */
  async #kinds(query: SQL): Promise<Map<string, Row[]>> {
    const out = new Map<string, Row[]>();
    for (const r of await this.#q(query)) {
      const kind = String(r.kind);
      const list = out.get(kind) ?? [];
      list.push(asObject(r.data));
      out.set(kind, list);
    }
    return out;
  }

  async #enqueueIn(
    ns: string,
    parts: ReturnType<typeof enqueueParts>,
    list: NewJob[],
    extra: { ctes: [string, SQL][]; selects: SQL[] } = { ctes: [], selects: [] },
  ): Promise<{ rows: Map<string, Row[]>; results: EnqueueResult[] }> {
    const rows = await this.#kinds(
      S.compose([...extra.ctes, ...parts.ctes], [...extra.selects, ...parts.selects]),
    );
    const results = enqueueResults(list, rows);
    const unowned = results.flatMap((r, i) => (r.id === '' ? [list[i]!] : []));
    if (unowned.length) {
      // A concurrent enqueue took these keys and committed after this statement's snapshot, so
      // the statement could not see the owner. One more read (only in that race) finds it.
      const owners = await this.#q(keyOwners(this.#t, ns, unowned));
      const byKey = new Map(owners.map((o) => [`${o.queue}\0${o.idem_key}`, String(o.id)]));
      for (const [i, r] of results.entries()) {
        const j = list[i]!;
        if (r.id === '') r.id = byKey.get(`${j.queue}\0${j.key}`) ?? j.id;
      }
    }
    return { rows, results };
  }

  async enqueue(p: EnqueueParams): Promise<EnqueueResult[]> {
    if (!p.jobs.length) return [];
    const parts = enqueueParts(this.#t, p.ns, p.now, p.jobs, p.defaults);
    return (await this.#enqueueIn(p.ns, parts, p.jobs)).results;
  }

  async claim(p: ClaimParams): Promise<ClaimResult> {
    const acks = p.acks ?? [];
    const claim = claimParts(this.#t, {
      ns: p.ns,
      queue: p.queue,
      now: p.now,
      limit: p.limit,
      token: p.leaseToken,
      acks: acks.length > 0,
      ...(p.leaseMs === undefined ? {} : { leaseMs: p.leaseMs }),
      ...(p.limits === undefined ? {} : { limits: p.limits }),
    });
    const ctes = acks.length
      ? [...S.ackParts(this.#t, p.ns, p.now, acks), ...claim.ctes]
      : claim.ctes;
    const selects = acks.length ? [...S.ackSelects, ...claim.selects] : claim.selects;
    const rows = await this.#kinds(S.compose(ctes, selects));
    const taken = rows.get('job') ?? [];
    const jobs = taken.map((r) => ({ ...claimedFromRow(r), ord: Number(r.ord ?? 0) }));
    // Flow rows come in take order (`ord`); fast-path rows (one key) in claim order.
    jobs.sort(
      (a, b) => a.ord - b.ord || b.priority - a.priority || a.runAt - b.runAt || cmp(a.id, b.id),
    );
    return {
      jobs: jobs.map(({ runAt: _, ord: __, ...j }) => j),
      acks: acks.length ? outcomes(acks, rows) : [],
    };
  }

  async extend(p: ExtendParams): Promise<ExtendResult> {
    const rows = await this.#kinds(
      S.extend(this.#t, {
        ns: p.ns,
        id: p.id,
        token: p.leaseToken,
        now: p.now,
        leaseMs: p.leaseMs,
      }),
    );
    const upd = rows.get('upd')?.[0];
    if (!upd) return { ok: false, error: fence(rows) };
    return { ok: true, leaseExpiresAt: Number(upd.lease_expires_at) };
  }

  async ack(p: AckParams): Promise<AckResult> {
    if (!p.acks.length) return { acks: [], enqueued: [] };
    const follow = p.enqueue ?? [];
    if (follow.length && p.acks.length !== 1) {
      throw new Error('[edgeq] [postgres] follow-up jobs need exactly one ack');
    }
    const ackCtes = S.ackParts(this.#t, p.ns, p.now, p.acks);
    if (!follow.length) {
      const rows = await this.#kinds(S.compose(ackCtes, S.ackSelects));
      return { acks: outcomes(p.acks, rows), enqueued: [] };
    }
    if (!p.defaults) throw new Error('[edgeq] [postgres] follow-up jobs need defaults');
    // The follow-ups are inserted by the same statement, and only if the ack updated its row.
    const parts = enqueueParts(
      this.#t,
      p.ns,
      p.now,
      follow,
      p.defaults,
      sql`(SELECT count(*) FROM acked) = 1`,
    );
    const { rows, results } = await this.#enqueueIn(p.ns, parts, follow, {
      ctes: ackCtes,
      selects: S.ackSelects,
    });
    const acks = outcomes(p.acks, rows);
    return { acks, enqueued: acks[0]?.ok ? results : [] };
  }

  async nack(p: NackParams): Promise<NackResult> {
    const rows = await this.#kinds(
      S.nack(this.#t, {
        ns: p.ns,
        id: p.id,
        token: p.leaseToken,
        now: p.now,
        dead: p.dead === true,
        retryAt: p.retryAt ?? null,
        error: p.error ?? null,
        backoff: p.backoff,
        draw: p.draw,
      }),
    );
    const upd = rows.get('upd')?.[0];
    if (!upd) return { ok: false, error: fence(rows) };
    return upd.state === 'dead'
      ? { ok: true, state: 'dead' }
      : { ok: true, state: 'queued', runAt: Number(upd.run_at) };
  }

  async reclaim(p: ReclaimParams): Promise<ReclaimResult> {
    const [row] = await this.#q(S.reclaim(this.#t, p));
    return {
      requeued: Number(row?.requeued ?? 0),
      dead: Number(row?.dead ?? 0),
      expired: Number(row?.expired ?? 0),
    };
  }

  async get(p: GetParams): Promise<JobRecord | null> {
    const [row] = await this.#q(S.get(this.#t, p));
    return row ? recordOf(asObject(row.data), p.now) : null;
  }

  async list(p: ListParams): Promise<ListResult> {
    const rows = await this.#q(S.list(this.#t, p));
    const page = rows.slice(0, p.limit).map((r) => recordOf(asObject(r.data), p.now));
    const last = page[page.length - 1];
    return { jobs: page, ...(rows.length > p.limit && last ? { cursor: last.id } : {}) };
  }

  async queues(p: QueuesParams): Promise<QueueInfo[]> {
    const rows = await this.#q(S.queues(this.#t, p));
    return rows.map((r) => {
      const counts = emptyCounts();
      for (const [state, n] of Object.entries(asObject(r.counts)))
        counts[state as JobState] = Number(n);
      return { name: String(r.name), paused: r.paused === true || r.paused === 't', counts };
    });
  }

  async setPaused(p: PauseParams): Promise<void> {
    await this.#q(S.setPaused(this.#t, p));
  }

  async replayDead(p: ReplayParams): Promise<{ replayed: number }> {
    return { replayed: (await this.#q(S.replay(this.#t, p))).length };
  }

  async cancel(p: CancelParams): Promise<CancelResult> {
    const [row] = await this.#q(S.cancel(this.#t, p));
    if (Number(row?.done) > 0 || row?.state === 'cancelled') return { ok: true };
    if (row?.state == null) return { ok: false, error: 'not_found' };
    return { ok: false, error: 'conflict', state: row.state as JobState };
  }

  async prune(p: PruneParams): Promise<{ pruned: number }> {
    return { pruned: (await this.#q(S.prune(this.#t, p))).length };
  }

  async putConfig(p: PutConfigParams): Promise<void> {
    await this.#q(S.config.put(this.#t, p));
  }

  async deleteConfig(p: DeleteConfigParams): Promise<boolean> {
    return (await this.#q(S.config.delete(this.#t, p))).length > 0;
  }

  async configs(p: ConfigParams): Promise<ConfigEntry[]> {
    return (await this.#q(S.config.list(this.#t, p))).map((row) => {
      const r = asObject(row.data);
      return {
        ns: String(r.ns),
        name: String(r.name),
        value: String(r.value),
        updatedAt: Number(r.updated_at),
        ...(r.cursor == null ? {} : { cursor: Number(r.cursor) }),
      };
    });
  }

  async advanceCursor(p: AdvanceCursorParams): Promise<void> {
    await this.#q(S.config.advance(this.#t, p));
  }

  async restore(p: RestoreParams): Promise<RestoreResult> {
    checkRestorable(this.name, p.jobs);
    if (!p.jobs.length) return { restored: 0, skipped: 0, conflicts: [] };
    const rows = await this.#kinds(restore(this.#t, p.ns, p.now, p.jobs));
    const present = new Set((rows.get('prior') ?? []).map((r) => String(r.id)));
    const written = new Set((rows.get('ins') ?? []).map((r) => String(r.id)));
    const out: RestoreResult = { restored: written.size, skipped: 0, conflicts: [] };
    for (const j of p.jobs) {
      if (present.has(j.id)) out.skipped++;
      else if (!written.has(j.id)) out.conflicts.push(j.id);
    }
    return out;
  }

  async namespaces(): Promise<string[]> {
    return (await this.#q(namespaces(this.#t))).map((r) => String(r.ns));
  }

  async close(): Promise<void> {
    await this.transport.close();
  }
}

/** jsonb arrives parsed from every client; text (some raw modes) is parsed here. */
function asObject(v: unknown): Row {
  return (typeof v === 'string' ? JSON.parse(v) : v) as Row;
}

function outcomes(acks: AckParams['acks'], rows: Map<string, Row[]>): AckOutcome[] {
  const present = new Set((rows.get('ex') ?? []).map((r) => String(r.id)));
  const done = new Set((rows.get('acked') ?? []).map((r) => String(r.id)));
  return acks.map((a) => {
    // The same job twice in one call: only its first ack can have done it.
    if (done.delete(a.id)) return { id: a.id, ok: true };
    return { id: a.id, ok: false, error: present.has(a.id) ? 'lease_lost' : 'not_found' };
  });
}

function fence(rows: Map<string, Row[]>): FenceError {
  return (rows.get('ex') ?? []).length ? 'lease_lost' : 'not_found';
}

const num = (v: unknown) => (v == null ? null : Number(v));
const str = (v: unknown) => (v == null ? null : String(v));

function recordOf(r: Row, now: number): JobRecord {
  return jobRecord(
    {
      id: String(r.id),
      queue: String(r.queue),
      state: String(r.state) as StoredFields['state'],
      payload: String(r.payload),
      priority: Number(r.priority),
      attempt: Number(r.attempt),
      maxAttempts: Number(r.max_attempts),
      runAt: Number(r.run_at),
      createdAt: Number(r.created_at),
      updatedAt: Number(r.updated_at),
      leaseExpiresAt: num(r.lease_expires_at),
      finishedAt: num(r.finished_at),
      key: str(r.idem_key),
      result: str(r.result),
      lastError: str(r.last_error),
      group: str(r.group_key),
      expiresAt: num(r.expires_at),
      debounceKey: str(r.debounce_key),
      leaseMs: Number(r.lease_ms),
      backoff: r.backoff == null ? null : (JSON.parse(String(r.backoff)) as BackoffPolicy),
    },
    now,
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
