/**
 * Enqueue as CTEs of one statement (also the follow-up jobs of an ack): each job's maxAttempts,
 * leaseMs and backoff resolved from the job, else its queue's stored settings, else the call's
 * defaults; idempotency keys (insert unless the key exists); debounce keys (upsert into the one
 * waiting job of the key, guarded by the unique index on `debounce_slot`).
 */
import { type SQL, sql } from 'drizzle-orm';
import type { EnqueueResult, JobDefaults, NewJob } from '../types.js';
import { big, json, type Tables, txt } from './statements.js';

type Row = Record<string, unknown>;

/** A number from the settings JSON, else NULL (so the next fallback applies). */
const setting = (field: 'maxAttempts' | 'leaseMs') => {
  const f = sql.raw(`'${field}'`);
  return sql`CASE WHEN jsonb_typeof(s.v->${f}) = 'number' THEN (s.v->>${f})::numeric::integer END`;
};

/**
 * CTEs that store `list`: `ins` returns the rows inserted without a debounce key, `owner` the
 * pre-existing idempotency key holders, `dins` the debounced rows (inserted or updated, `fresh`
 * when inserted). `onlyIf` makes the writes conditional (follow-up jobs of an ack).
 */
export function enqueueParts(
  t: Tables,
  ns: string,
  now: number,
  list: NewJob[],
  defaults: JobDefaults,
  onlyIf?: SQL,
): { ctes: [string, SQL][]; selects: SQL[] } {
  const rows = list.map((j, ord) => ({
    ord,
    id: j.id,
    queue: j.queue,
    payload: j.payload,
    run_at: j.runAt,
    priority: j.priority,
    max_attempts: j.maxAttempts ?? null,
    lease_ms: j.leaseMs ?? null,
    backoff: j.backoff === undefined ? null : JSON.stringify(j.backoff),
    idem_key: j.key ?? null,
    group_key: j.group ?? '',
    expires_at: j.expiresAt ?? null,
    debounce_key: j.debounceKey ?? null,
  }));
  const queues = [...new Set(list.map((j) => j.queue))];
  const cond = onlyIf ? sql`AND ${onlyIf}` : sql``;
  const columns = sql`ns, id, queue, state, payload, priority, attempt, max_attempts, run_at,
    lease_ms, backoff, idem_key, group_key, expires_at, debounce_key, debounce_slot, created_at,
    updated_at`;
  const values = sql`${txt(ns)}, id, queue, 'queued', payload, priority, 0, max_attempts, run_at,
    lease_ms, backoff, idem_key, group_key, expires_at, debounce_key, debounce_key, ${big(now)},
    ${big(now)}`;
  // Debounce CTEs only when the batch has debounce keys: planning them costs as much as the rest.
  const debounce: [string, SQL][] = list.some((j) => j.debounceKey !== undefined)
    ? [
        [
          // One row per debounce key of the batch: the first job's id and settings, the last
          // job's payload, priority, run time and deadline (as if enqueued one after another).
          'deb',
          sql`SELECT f.ord, f.id, f.queue, l.payload, l.run_at, l.priority, f.max_attempts,
            f.lease_ms, f.backoff, f.idem_key, f.group_key, l.expires_at, f.debounce_key
          FROM (SELECT DISTINCT ON (queue, debounce_key) * FROM input
              WHERE debounce_key IS NOT NULL ORDER BY queue, debounce_key, ord) f
            JOIN (SELECT DISTINCT ON (queue, debounce_key) * FROM input
              WHERE debounce_key IS NOT NULL ORDER BY queue, debounce_key, ord DESC) l
            ON l.queue = f.queue AND l.debounce_key = f.debounce_key
          -- A re-sent id (a retried call) is the same job, not a new one.
          WHERE NOT EXISTS (SELECT 1 FROM ${t.jobs} e WHERE e.ns = ${txt(ns)} AND e.id = f.id)`,
        ],
        [
          'dins',
          sql`INSERT INTO ${t.jobs} AS j (${columns})
          SELECT ${values} FROM deb WHERE true ${cond} ORDER BY queue, debounce_key
          ON CONFLICT (ns, queue, debounce_slot) WHERE debounce_slot IS NOT NULL DO UPDATE SET
            payload = EXCLUDED.payload, priority = EXCLUDED.priority, run_at = EXCLUDED.run_at,
            expires_at = EXCLUDED.expires_at, updated_at = EXCLUDED.updated_at
          RETURNING j.id, j.queue, j.debounce_key, (j.xmax = 0) AS fresh`,
        ],
      ]
    : [];
  return {
    ctes: [
      [
        // Looked up once per distinct queue of the batch (usually one), not once per job.
        'settings',
        sql`SELECT c.name AS queue, ${t.fn('try_jsonb')}(c.value) AS v FROM ${t.config} c
          WHERE c.kind = 'queue' AND c.ns = ${txt(ns)}
            AND c.name IN (SELECT jsonb_array_elements_text(${json(queues)}))`,
      ],
      [
        'input',
        sql`SELECT x.ord, x.id, x.queue, x.payload, x.run_at, x.priority, x.idem_key, x.group_key,
            x.expires_at, x.debounce_key,
            coalesce(x.max_attempts, ${setting('maxAttempts')}, ${defaults.maxAttempts}::int) AS max_attempts,
            coalesce(x.lease_ms, ${setting('leaseMs')}, ${defaults.leaseMs}::int) AS lease_ms,
            coalesce(x.backoff,
              CASE WHEN jsonb_typeof(s.v->'backoff') = 'object' THEN (s.v->'backoff')::text END) AS backoff
          FROM jsonb_to_recordset(${json(rows)}) AS x(ord int, id text, queue text, payload text,
            run_at bigint, priority int, max_attempts int, lease_ms int, backoff text, idem_key text,
            group_key text, expires_at bigint, debounce_key text)
          LEFT JOIN settings s ON s.queue = x.queue`,
      ],
      [
        'reg',
        sql`INSERT INTO ${t.queues} (ns, name, paused, created_at)
          SELECT DISTINCT ${txt(ns)}, queue, false, ${big(now)} FROM input WHERE true ${cond}
          ORDER BY queue
          ON CONFLICT DO NOTHING`,
      ],
      [
        'ins',
        // Rows go in by (queue, key), so concurrent batches sharing keys take the unique
        // index's locks in one order (listed in opposite orders, two batches would each hold a
        // key the other waits for: a deadlock). Then by ord: of two rows with one key in a
        // batch, the first is the one stored.
        sql`INSERT INTO ${t.jobs} (${columns})
          SELECT ${values} FROM input WHERE debounce_key IS NULL ${cond}
          ORDER BY queue, idem_key NULLS LAST, ord
          ON CONFLICT DO NOTHING
          RETURNING id, queue, idem_key`,
      ],
      ...debounce,
    ],
    selects: [
      sql`SELECT 'ins' AS kind, to_jsonb(i) AS data FROM ins i`,
      sql`SELECT 'owner', jsonb_build_object('id', j.id, 'queue', j.queue, 'idem_key', j.idem_key)
        FROM ${t.jobs} j JOIN input x ON j.ns = ${txt(ns)} AND j.queue = x.queue AND j.idem_key = x.idem_key`,
      ...(debounce.length ? [sql`SELECT 'dins', to_jsonb(d) FROM dins d`] : []),
    ],
  };
}

/** The current holders of the idempotency keys of `list` (a plain read, after a race). */
export function keyOwners(t: Tables, ns: string, list: NewJob[]): SQL {
  const keys = list.map((j) => ({ queue: j.queue, idem_key: j.key ?? null }));
  return sql`SELECT j.id, j.queue, j.idem_key FROM ${t.jobs} j
    JOIN jsonb_to_recordset(${json(keys)}) AS k(queue text, idem_key text)
      ON j.queue = k.queue AND j.idem_key = k.idem_key
    WHERE j.ns = ${txt(ns)}`;
}

/** Results by job; a keyed job whose owner this statement could not see gets id ''. */
export function enqueueResults(list: NewJob[], rows: Map<string, Row[]>): EnqueueResult[] {
  const inserted = rows.get('ins') ?? [];
  const created = new Set(inserted.map((r) => String(r.id)));
  const owners = new Map<string, string>();
  for (const r of [...(rows.get('owner') ?? []), ...inserted]) {
    if (r.idem_key == null) continue;
    const k = `${r.queue}\0${r.idem_key}`;
    if (!owners.has(k)) owners.set(k, String(r.id));
  }
  const debounced = new Map<string, { id: string; fresh: boolean }>();
  for (const r of rows.get('dins') ?? []) {
    const fresh = r.fresh === true || r.fresh === 't';
    debounced.set(`${r.queue}\0${r.debounce_key}`, { id: String(r.id), fresh });
  }
  const seen = new Set<string>();
  return list.map((j) => {
    if (j.debounceKey !== undefined) {
      const k = `${j.queue}\0${j.debounceKey}`;
      const d = debounced.get(k);
      const first = !seen.has(k);
      seen.add(k);
      // No row: the batch's first job with this key was a re-sent id, stored before.
      if (!d) return { id: j.id, created: false };
      if (first && d.id === j.id) return { id: j.id, created: d.fresh };
      return { id: d.id, created: false, debounced: true };
    }
    if (created.has(j.id)) return { id: j.id, created: true };
    if (j.key === undefined) return { id: j.id, created: false };
    return { id: owners.get(`${j.queue}\0${j.key}`) ?? '', created: false };
  });
}
