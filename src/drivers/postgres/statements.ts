/**
 * Every operation as ONE statement (data-modifying CTEs), so it is one request over neon-http,
 * which has no interactive transactions, and atomic on every client. Built with drizzle's `sql`
 * template: values are always parameters (cast explicitly, since Postgres cannot infer a type
 * for a bare parameter in a select list), the schema is a quoted identifier. Results that mix
 * kinds of rows come back as `(kind, data jsonb)`, which every client parses the same way.
 */
import { type SQL, sql } from 'drizzle-orm';
import type { AckItem, BackoffPolicy } from '../types.js';

export interface Tables {
  jobs: SQL;
  queues: SQL;
  config: SQL;
  flowGroups: SQL;
  /** A function of edgeq's schema (claim_flow, try_jsonb). */
  fn: (name: string) => SQL;
}

export function tables(schema: string): Tables {
  const s = sql.identifier(schema);
  const table = (name: string) => sql`${s}.${sql.identifier(name)}`;
  return {
    jobs: table('jobs'),
    queues: table('queues'),
    config: table('config'),
    flowGroups: table('flow_groups'),
    fn: table,
  };
}

export const txt = (v: string | null) => sql`${v}::text`;
export const big = (v: number | null) => sql`${v}::bigint`;
export const json = (v: unknown) => sql`${JSON.stringify(v)}::jsonb`;
/** A list of ids as one parameter (drizzle would expand a JS array into a tuple). */
export const ids = (list: string[]) => sql`SELECT jsonb_array_elements_text(${json(list)})`;

/** `WITH a AS (...), ... SELECT ... UNION ALL SELECT ...`. */
export function compose(ctes: [string, SQL][], selects: SQL[]): SQL {
  const withs = ctes.map(([name, body]) => sql`${sql.identifier(name)} AS (${body})`);
  return sql`WITH ${sql.join(withs, sql`, `)} ${sql.join(selects, sql` UNION ALL `)}`;
}

/**
 * Retry delay, `backoffDelay` in SQL with the same float operations: the row's own policy
 * (`backoff` column, JSON) or else the call's, from the row's own attempt count.
 */
function delay(fallback: BackoffPolicy, draw: number, backoff: SQL, attempt: SQL): SQL {
  return sql`(SELECT CASE WHEN jsonb_typeof(b->'delaysMs') = 'array'
      THEN coalesce((b->'delaysMs'->>(least(a, jsonb_array_length(b->'delaysMs')) - 1))::float8, 0)
      ELSE floor(least((b->>'maxMs')::float8, (b->>'baseMs')::float8 * power(2::float8, least(a - 1, 30)))
        * (1 - coalesce((b->>'jitter')::float8, 0) * ${draw}::float8)) END::bigint
    FROM (SELECT coalesce(${backoff}::jsonb, ${json(fallback)}) AS b, greatest(${attempt}, 1) AS a) x)`;
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
    backoff: BackoffPolicy;
    draw: number;
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
              ELSE coalesce(${big(p.retryAt)}, ${big(p.now)} + ${delay(p.backoff, p.draw, sql`backoff`, sql`attempt`)}) END,
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
 * it writes, so an ack that commits first wins and is never overwritten (River #1302). In the
 * same statement, at most `limit` waiting jobs past their deadline end dead (`expired`).
 */
export function reclaim(
  t: Tables,
  p: { ns?: string; now: number; limit: number; backoff: BackoffPolicy; draw: number },
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
        run_at = CASE WHEN ${dies} THEN j.run_at ELSE ${big(p.now)} + ${delay(p.backoff, p.draw, sql`j.backoff`, sql`j.attempt`)} END,
        finished_at = CASE WHEN ${dies} THEN ${big(p.now)} END,
        last_error = CASE WHEN ${dies}
          THEN 'lease expired on attempt ' || j.attempt || ' of ' || j.max_attempts
          ELSE 'lease expired on attempt ' || j.attempt END,
        lease_expires_at = NULL, updated_at = ${big(p.now)}
      FROM picked p
      WHERE j.ns = p.ns AND j.id = p.id AND j.state = 'active' AND j.lease_expires_at < ${big(p.now)}
      RETURNING j.state
    ), late AS (
      SELECT ns, id FROM ${t.jobs}
      WHERE state = 'queued' AND expires_at <= ${big(p.now)} ${scope}
      ORDER BY expires_at LIMIT ${p.limit}
      FOR UPDATE SKIP LOCKED
    ), expired AS (
      UPDATE ${t.jobs} AS j SET state = 'dead', last_error = 'expired', finished_at = ${big(p.now)},
        updated_at = ${big(p.now)}, debounce_slot = NULL
      FROM late l
      WHERE j.ns = l.ns AND j.id = l.id AND j.state = 'queued' AND j.expires_at <= ${big(p.now)}
      RETURNING j.id
    )
    SELECT count(*) FILTER (WHERE state = 'dead')::int AS dead,
      count(*) FILTER (WHERE state = 'queued')::int AS requeued,
      (SELECT count(*) FROM expired)::int AS expired FROM upd`;
}

export function cancel(t: Tables, p: { ns: string; id: string; now: number }): SQL {
  return sql`WITH upd AS (
      UPDATE ${t.jobs} SET state = 'cancelled', finished_at = ${big(p.now)}, updated_at = ${big(p.now)},
        debounce_slot = NULL
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

/**
 * Deletes finished jobs past retention (optionally one queue, or all but some), and in the same
 * statement the flow state of group keys with nothing waiting or leased whose rate state has run
 * out (a key with a future rate state keeps it, so dropping it cannot let a burst through).
 */
export function prune(
  t: Tables,
  p: {
    ns?: string;
    now: number;
    finishedBefore: number;
    deadBefore: number;
    limit: number;
    queue?: string;
    exceptQueues?: string[];
  },
): SQL {
  const scope = (alias: string) => {
    const a = sql.raw(alias);
    return sql.join(
      [
        p.ns === undefined ? sql`` : sql`AND ${a}.ns = ${txt(p.ns)}`,
        p.queue === undefined ? sql`` : sql`AND ${a}.queue = ${txt(p.queue)}`,
        p.exceptQueues?.length ? sql`AND ${a}.queue NOT IN (${ids(p.exceptQueues)})` : sql``,
      ],
      sql` `,
    );
  };
  return sql`WITH del AS (
      DELETE FROM ${t.jobs} WHERE (ns, id) IN (
        SELECT f.ns, f.id FROM ${t.jobs} f
        WHERE f.finished_at IS NOT NULL ${scope('f')}
          AND ((f.state IN ('completed', 'cancelled') AND f.finished_at < ${big(p.finishedBefore)})
            OR (f.state = 'dead' AND f.finished_at < ${big(p.deadBefore)}))
        LIMIT ${p.limit}
        FOR UPDATE SKIP LOCKED)
      RETURNING id
    ), idle AS (
      DELETE FROM ${t.flowGroups} WHERE (ns, queue, group_key) IN (
        SELECT g.ns, g.queue, g.group_key FROM ${t.flowGroups} g
        WHERE g.tat <= ${big(p.now)} ${scope('g')}
          AND NOT EXISTS (SELECT 1 FROM ${t.jobs} w WHERE w.ns = g.ns AND w.queue = g.queue
            AND w.group_key = g.group_key AND w.state = 'queued')
          AND NOT EXISTS (SELECT 1 FROM ${t.jobs} w WHERE w.ns = g.ns AND w.queue = g.queue
            AND w.group_key = g.group_key AND w.state = 'active')
        LIMIT ${p.limit}
        FOR UPDATE SKIP LOCKED)
    )
    SELECT id FROM del`;
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
  'finished_at', finished_at, 'idem_key', idem_key, 'result', result, 'last_error', last_error,
  'group_key', nullif(group_key, ''), 'expires_at', expires_at, 'debounce_key', debounce_key,
  'lease_ms', lease_ms, 'backoff', backoff)`;

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
