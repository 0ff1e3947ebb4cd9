/**
 * Every operation as ONE statement (data-modifying CTEs), so it is one request over neon-http,
 * which has no interactive transactions, and atomic on every client. Built with drizzle's `sql`
 * template: values are always parameters (cast explicitly, since Postgres cannot infer a type
 * for a bare parameter in a select list), the schema is a quoted identifier. Results that mix
 * kinds of rows come back as `(kind, data jsonb)`, which every client parses the same way.
 */
import { type SQL, sql } from 'drizzle-orm';
import type { AckItem, Backoff, NewJob } from '../types.js';

export interface Tables {
  jobs: SQL;
  queues: SQL;
  config: SQL;
}

export function tables(schema: string): Tables {
  const s = sql.identifier(schema);
  const table = (name: string) => sql`${s}.${sql.identifier(name)}`;
  return { jobs: table('jobs'), queues: table('queues'), config: table('config') };
}

const txt = (v: string | null) => sql`${v}::text`;
const big = (v: number | null) => sql`${v}::bigint`;
const json = (v: unknown) => sql`${JSON.stringify(v)}::jsonb`;
/** A list of ids as one parameter (drizzle would expand a JS array into a tuple). */
const ids = (list: string[]) => sql`SELECT jsonb_array_elements_text(${json(list)})`;

/** `WITH a AS (...), ... SELECT ... UNION ALL SELECT ...`. */
export function compose(ctes: [string, SQL][], selects: SQL[]): SQL {
  const withs = ctes.map(([name, body]) => sql`${sql.identifier(name)} AS (${body})`);
  return sql`WITH ${sql.join(withs, sql`, `)} ${sql.join(selects, sql` UNION ALL `)}`;
}

/** Retry delay from the row's own attempt count; equals `backoffDelay` in JS. */
function delay(b: Backoff, attempt: SQL): SQL {
  return sql`floor(least(${b.maxMs}::float8, ${b.baseMs}::float8 * power(2::float8, least(greatest(${attempt} - 1, 0), 30))) * ${b.factor}::float8)::bigint`;
}

/**
 * CTEs that store `list` unless an id or idempotency key exists (`ins` returns the stored rows,
 * `owner` rows the pre-existing key holders). `onlyIf` makes the insert conditional (follow-up
 * jobs of an ack).
 */
export function enqueueParts(
  t: Tables,
  ns: string,
  now: number,
  list: NewJob[],
  onlyIf?: SQL,
): { ctes: [string, SQL][]; selects: SQL[] } {
  const rows = list.map((j, ord) => ({
    ord,
    id: j.id,
    queue: j.queue,
    payload: j.payload,
    run_at: j.runAt,
    priority: j.priority,
    max_attempts: j.maxAttempts,
    lease_ms: j.leaseMs,
    idem_key: j.key ?? null,
  }));
  const cond = onlyIf ? sql`WHERE ${onlyIf}` : sql``;
  return {
    ctes: [
      [
        'input',
        sql`SELECT * FROM jsonb_to_recordset(${json(rows)}) AS x(ord int, id text, queue text,
          payload text, run_at bigint, priority int, max_attempts int, lease_ms int, idem_key text)`,
      ],
      [
        'reg',
        sql`INSERT INTO ${t.queues} (ns, name, paused, created_at)
          SELECT DISTINCT ${txt(ns)}, queue, false, ${big(now)} FROM input ${cond}
          ON CONFLICT DO NOTHING`,
      ],
      [
        'ins',
        // ORDER BY ord: of two rows with one key in a batch, the first is the one stored.
        sql`INSERT INTO ${t.jobs} (ns, id, queue, state, payload, priority, attempt, max_attempts,
            run_at, lease_ms, idem_key, created_at, updated_at)
          SELECT ${txt(ns)}, id, queue, 'queued', payload, priority, 0, max_attempts, run_at,
            lease_ms, idem_key, ${big(now)}, ${big(now)}
          FROM input ${cond} ORDER BY ord
          ON CONFLICT DO NOTHING
          RETURNING id, queue, idem_key`,
      ],
    ],
    selects: [
      sql`SELECT 'ins' AS kind, to_jsonb(i) AS data FROM ins i`,
      sql`SELECT 'owner', jsonb_build_object('id', j.id, 'queue', j.queue, 'idem_key', j.idem_key)
        FROM ${t.jobs} j JOIN input x ON j.ns = ${txt(ns)} AND j.queue = x.queue AND j.idem_key = x.idem_key`,
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

/** CTEs `ex` (which ack ids exist) and `acked` (the jobs this call completed). */
export function ackParts(t: Tables, ns: string, now: number, acks: AckItem[]): [string, SQL][] {
  const rows = acks.map((a) => ({ id: a.id, token: a.leaseToken, result: a.result ?? null }));
  return [
    [
      'ex',
      sql`SELECT id FROM ${t.jobs} WHERE ns = ${txt(ns)} AND id IN (${ids(acks.map((a) => a.id))})`,
    ],
    [
      'acked',
      sql`UPDATE ${t.jobs} AS j SET state = 'completed', result = a.result, finished_at = ${big(now)},
          updated_at = ${big(now)}, lease_expires_at = NULL
        FROM jsonb_to_recordset(${json(rows)}) AS a(id text, token text, result text)
        WHERE j.ns = ${txt(ns)} AND j.id = a.id AND j.lease_token = a.token AND j.state = 'active'
        RETURNING j.id`,
    ],
  ];
}

export const ackSelects = [
  sql`SELECT 'acked' AS kind, to_jsonb(a) AS data FROM acked a`,
  sql`SELECT 'ex', to_jsonb(e) FROM ex e`,
];

/**
 * Leases up to `limit` due jobs: UPDATE ... FROM (SELECT ... FOR UPDATE SKIP LOCKED LIMIT n).
 * SKIP LOCKED lets concurrent claimers take different rows instead of queueing on the same ones.
 */
export function claimParts(
  t: Tables,
  p: { ns: string; queue: string; now: number; limit: number; token: string; leaseMs?: number },
): { ctes: [string, SQL][]; selects: SQL[] } {
  return {
    ctes: [
      [
        'picked',
        sql`SELECT ns, id FROM ${t.jobs}
          WHERE ns = ${txt(p.ns)} AND queue = ${txt(p.queue)} AND state = 'queued'
            AND run_at <= ${big(p.now)}
            AND NOT EXISTS (SELECT 1 FROM ${t.queues} q
              WHERE q.ns = ${txt(p.ns)} AND q.name = ${txt(p.queue)} AND q.paused)
          ORDER BY priority DESC, run_at, id
          LIMIT ${p.limit}
          FOR UPDATE SKIP LOCKED`,
      ],
      [
        'claimed',
        sql`UPDATE ${t.jobs} AS j SET state = 'active', attempt = j.attempt + 1,
            lease_token = ${txt(p.token)},
            lease_expires_at = ${big(p.now)} + coalesce(${big(p.leaseMs ?? null)}, j.lease_ms),
            updated_at = ${big(p.now)}
          FROM picked p WHERE j.ns = p.ns AND j.id = p.id
          RETURNING j.id, j.queue, j.payload, j.priority, j.attempt, j.max_attempts,
            j.lease_token, j.lease_expires_at, j.created_at, j.run_at`,
      ],
    ],
    selects: [sql`SELECT 'job' AS kind, to_jsonb(c) AS data FROM claimed c`],
  };
}

export function extend(
  t: Tables,
  p: { ns: string; id: string; token: string; now: number; leaseMs: number },
): SQL {
  return compose(
    [
      ['ex', sql`SELECT id FROM ${t.jobs} WHERE ns = ${txt(p.ns)} AND id = ${txt(p.id)}`],
      [
        'upd',
        sql`UPDATE ${t.jobs} SET lease_expires_at = ${big(p.now + p.leaseMs)}, updated_at = ${big(p.now)}
          WHERE ns = ${txt(p.ns)} AND id = ${txt(p.id)} AND state = 'active' AND lease_token = ${txt(p.token)}
          RETURNING lease_expires_at`,
      ],
    ],
    [
      sql`SELECT 'upd' AS kind, to_jsonb(u) AS data FROM upd u`,
      sql`SELECT 'ex', to_jsonb(e) FROM ex e`,
    ],
  );
}

/** Retry or dead-letter, decided from the row's own attempt count in the same statement. */
export function nack(
  t: Tables,
  p: {
    ns: string;
    id: string;
    token: string;
    now: number;
    dead: boolean;
    retryAt: number | null;
    error: string | null;
    backoff: Backoff;
  },
): SQL {
  const dies = sql`(${p.dead}::boolean OR attempt >= max_attempts)`;
  return compose(
    [
      ['ex', sql`SELECT id FROM ${t.jobs} WHERE ns = ${txt(p.ns)} AND id = ${txt(p.id)}`],
      [
        'upd',
        sql`UPDATE ${t.jobs} SET
            state = CASE WHEN ${dies} THEN 'dead' ELSE 'queued' END,
            run_at = CASE WHEN ${dies} THEN run_at
              ELSE coalesce(${big(p.retryAt)}, ${big(p.now)} + ${delay(p.backoff, sql`attempt`)}) END,
            finished_at = CASE WHEN ${dies} THEN ${big(p.now)} END,
            last_error = coalesce(${txt(p.error)}, last_error),
            lease_expires_at = NULL, updated_at = ${big(p.now)}
          WHERE ns = ${txt(p.ns)} AND id = ${txt(p.id)} AND state = 'active' AND lease_token = ${txt(p.token)}
          RETURNING state, run_at`,
      ],
    ],
    [
      sql`SELECT 'upd' AS kind, to_jsonb(u) AS data FROM upd u`,
      sql`SELECT 'ex', to_jsonb(e) FROM ex e`,
    ],
  );
}

/**
 * Expired leases back to waiting (or dead), strictly expired only, at most `limit`. The picked
 * rows are locked (FOR UPDATE SKIP LOCKED) and the UPDATE re-checks state and expiry on the row
 * it writes, so an ack that commits first wins and is never overwritten (River #1302).
 */
export function reclaim(
  t: Tables,
  p: { ns?: string; now: number; limit: number; backoff: Backoff },
): SQL {
  const scope = p.ns === undefined ? sql`` : sql`AND ns = ${txt(p.ns)}`;
  const dies = sql`j.attempt >= j.max_attempts`;
  return sql`WITH picked AS (
      SELECT ns, id FROM ${t.jobs}
      WHERE state = 'active' AND lease_expires_at < ${big(p.now)} ${scope}
      ORDER BY lease_expires_at LIMIT ${p.limit}
      FOR UPDATE SKIP LOCKED
    ), upd AS (
      UPDATE ${t.jobs} AS j SET
        state = CASE WHEN ${dies} THEN 'dead' ELSE 'queued' END,
        run_at = CASE WHEN ${dies} THEN j.run_at ELSE ${big(p.now)} + ${delay(p.backoff, sql`j.attempt`)} END,
        finished_at = CASE WHEN ${dies} THEN ${big(p.now)} END,
        last_error = CASE WHEN ${dies}
          THEN 'lease expired on attempt ' || j.attempt || ' of ' || j.max_attempts
          ELSE 'lease expired on attempt ' || j.attempt END,
        lease_expires_at = NULL, updated_at = ${big(p.now)}
      FROM picked p
      WHERE j.ns = p.ns AND j.id = p.id AND j.state = 'active' AND j.lease_expires_at < ${big(p.now)}
      RETURNING j.state
    )
    SELECT count(*) FILTER (WHERE state = 'dead')::int AS dead,
      count(*) FILTER (WHERE state = 'queued')::int AS requeued FROM upd`;
}

export function cancel(t: Tables, p: { ns: string; id: string; now: number }): SQL {
  return sql`WITH upd AS (
      UPDATE ${t.jobs} SET state = 'cancelled', finished_at = ${big(p.now)}, updated_at = ${big(p.now)}
      WHERE ns = ${txt(p.ns)} AND id = ${txt(p.id)} AND state = 'queued'
      RETURNING id
    )
    SELECT (SELECT count(*) FROM upd)::int AS done,
      (SELECT state FROM ${t.jobs} WHERE ns = ${txt(p.ns)} AND id = ${txt(p.id)}) AS state`;
}

export function replay(
  t: Tables,
  p: { ns: string; queue: string; now: number; limit: number; ids?: string[] },
): SQL {
  const only = p.ids ? sql`AND id IN (${ids(p.ids)})` : sql``;
  return sql`UPDATE ${t.jobs} SET state = 'queued', attempt = 0, run_at = ${big(p.now)},
      finished_at = NULL, updated_at = ${big(p.now)}
    WHERE (ns, id) IN (
      SELECT ns, id FROM ${t.jobs}
      WHERE ns = ${txt(p.ns)} AND queue = ${txt(p.queue)} AND state = 'dead' ${only}
      ORDER BY id LIMIT ${p.limit}
      FOR UPDATE SKIP LOCKED)
    RETURNING id`;
}

export function prune(
  t: Tables,
  p: { ns?: string; finishedBefore: number; deadBefore: number; limit: number },
): SQL {
  const scope = p.ns === undefined ? sql`` : sql`AND ns = ${txt(p.ns)}`;
  return sql`DELETE FROM ${t.jobs} WHERE (ns, id) IN (
      SELECT ns, id FROM ${t.jobs}
      WHERE finished_at IS NOT NULL ${scope}
        AND ((state IN ('completed', 'cancelled') AND finished_at < ${big(p.finishedBefore)})
          OR (state = 'dead' AND finished_at < ${big(p.deadBefore)}))
      LIMIT ${p.limit}
      FOR UPDATE SKIP LOCKED)
    RETURNING id`;
}

export function setPaused(
  t: Tables,
  p: { ns: string; queue: string; paused: boolean; now: number },
): SQL {
  return sql`INSERT INTO ${t.queues} (ns, name, paused, created_at)
    VALUES (${txt(p.ns)}, ${txt(p.queue)}, ${p.paused}::boolean, ${big(p.now)})
    ON CONFLICT (ns, name) DO UPDATE SET paused = EXCLUDED.paused`;
}

/** Queues with counts by public state (a waiting job not yet due counts as scheduled). */
export function queues(t: Tables, p: { ns: string; now: number; queue?: string }): SQL {
  const only = p.queue === undefined ? sql`` : sql`AND q.name = ${txt(p.queue)}`;
  return sql`SELECT q.name, q.paused, coalesce((
      SELECT jsonb_object_agg(s, n) FROM (
        SELECT CASE WHEN state = 'queued' AND run_at > ${big(p.now)} THEN 'scheduled' ELSE state END AS s,
          count(*)::int AS n
        FROM ${t.jobs} WHERE ns = q.ns AND queue = q.name GROUP BY 1) c), '{}'::jsonb) AS counts
    FROM ${t.queues} q WHERE q.ns = ${txt(p.ns)} ${only} ORDER BY q.name`;
}

/** Rows as JSON, so the three clients' type parsing cannot differ. */
const JOB_JSON = sql`jsonb_build_object('id', id, 'queue', queue, 'state', state, 'payload', payload,
  'priority', priority, 'attempt', attempt, 'max_attempts', max_attempts, 'run_at', run_at,
  'created_at', created_at, 'updated_at', updated_at, 'lease_expires_at', lease_expires_at,
  'finished_at', finished_at, 'idem_key', idem_key, 'result', result, 'last_error', last_error)`;

export function get(t: Tables, p: { ns: string; id: string }): SQL {
  return sql`SELECT ${JOB_JSON} AS data FROM ${t.jobs} WHERE ns = ${txt(p.ns)} AND id = ${txt(p.id)}`;
}

export function list(
  t: Tables,
  p: { ns: string; queue: string; state: string; now: number; limit: number; cursor?: string },
): SQL {
  const state =
    p.state === 'scheduled'
      ? sql`state = 'queued' AND run_at > ${big(p.now)}`
      : p.state === 'queued'
        ? sql`state = 'queued' AND run_at <= ${big(p.now)}`
        : sql`state = ${txt(p.state)}`;
  const after = p.cursor === undefined ? sql`` : sql`AND id > ${txt(p.cursor)}`;
  return sql`SELECT ${JOB_JSON} AS data FROM ${t.jobs}
    WHERE ns = ${txt(p.ns)} AND queue = ${txt(p.queue)} AND ${state} ${after}
    ORDER BY id LIMIT ${p.limit + 1}`;
}

/** Named configuration: upsert keeping the cursor, delete, list, raise the cursor. */
export const config = {
  put: (t: Tables, p: { kind: string; ns: string; name: string; value: string; now: number }) =>
    sql`INSERT INTO ${t.config} (kind, ns, name, value, updated_at)
      VALUES (${txt(p.kind)}, ${txt(p.ns)}, ${txt(p.name)}, ${txt(p.value)}, ${big(p.now)})
      ON CONFLICT (kind, ns, name) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at`,
  delete: (t: Tables, p: { kind: string; ns: string; name: string }) =>
    sql`DELETE FROM ${t.config} WHERE kind = ${txt(p.kind)} AND ns = ${txt(p.ns)} AND name = ${txt(p.name)}
      RETURNING name`,
  list: (t: Tables, p: { kind: string; ns?: string }) =>
    sql`SELECT jsonb_build_object('ns', ns, 'name', name, 'value', value, 'cursor', cursor,
        'updated_at', updated_at) AS data
      FROM ${t.config} WHERE kind = ${txt(p.kind)}
      ${p.ns === undefined ? sql`` : sql`AND ns = ${txt(p.ns)}`} ORDER BY ns, name`,
  advance: (t: Tables, p: { kind: string; ns: string; name: string; cursor: number }) =>
    sql`UPDATE ${t.config} SET cursor = ${big(p.cursor)}
      WHERE kind = ${txt(p.kind)} AND ns = ${txt(p.ns)} AND name = ${txt(p.name)}
        AND (cursor IS NULL OR cursor < ${big(p.cursor)})`,
};
