/**
 * The statements behind every state change, kept as SQL so they can be reviewed as SQL. Named
 * parameters only; the one generated part is the count of `(?, ...)` row placeholders, never
 * user input. Each state change is one statement, or one `BEGIN IMMEDIATE` batch when it needs
 * a read of the same snapshot (why a fenced call failed), so it costs one round trip.
 */
import type { InStatement } from '@libsql/client';
import type { BackoffPolicy, JobDefaults, NewJob } from '../types.js';

/** The job's own retry policy, else the call's (:backoff, JSON). */
const POLICY = 'coalesce(backoff, :backoff)';
const ATTEMPT = 'max(attempt, 1)';

/**
 * Retry delay computed in SQL from the row's own attempt count and policy; equals
 * `backoffDelay`: a `delaysMs` list (last entry repeats), or exponential with jitter scaled by
 * :draw. Doubles as in TypeScript; CAST truncates, which is floor for delays >= 0.
 */
const BACKOFF = `(CASE WHEN json_type(${POLICY}, '$.delaysMs') = 'array'
  THEN coalesce(json_extract(${POLICY}, '$.delaysMs[' ||
    (min(${ATTEMPT}, max(json_array_length(${POLICY}, '$.delaysMs'), 1)) - 1) || ']'), 0)
  ELSE CAST(min(json_extract(${POLICY}, '$.maxMs'),
      json_extract(${POLICY}, '$.baseMs') * 1.0 * (1 << min(${ATTEMPT} - 1, 30)))
    * (1 - coalesce(json_extract(${POLICY}, '$.jitter'), 0) * :draw) AS INTEGER) END)`;

export const backoffArgs = (b: BackoffPolicy, draw: number) => ({
  backoff: JSON.stringify(b),
  draw,
});

/** A positional-parameter SQL condition. */
export interface Condition {
  sql: string;
  args: (string | number | null)[];
}

const JOB_COLS =
  'ns, id, queue, state, payload, priority, attempt, max_attempts, run_at, lease_ms, idem_key, group_key, expires_at, debounce_key, debounce_slot, backoff, created_at, updated_at';

/**
 * Multi-row insert. Each job's maxAttempts, leaseMs and backoff fall back to its queue's stored
 * settings (config kind `queue`, joined here) and then to `defaults`. A job whose debounce key
 * is held by a job still waiting for its first attempt updates that job instead (returned with
 * its id); rows that hit an existing id or idempotency key are skipped, not returned.
 */
export function insertJobs(
  ns: string,
  now: number,
  list: NewJob[],
  defaults: JobDefaults,
  onlyIf?: Condition,
): InStatement {
  const args: (string | number | null)[] = [];
  const rows = list.map((j) => {
    args.push(ns, j.id, j.queue, j.payload, j.priority, j.maxAttempts ?? null, j.runAt);
    args.push(j.leaseMs ?? null, j.key ?? null, j.group ?? null, j.expiresAt ?? null);
    args.push(j.debounceKey ?? null, j.backoff ? JSON.stringify(j.backoff) : null);
    return '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';
  });
  const setting = (path: string) => `json_extract(s.v, '$.${path}')`;
  // VALUES drives the LEFT JOIN, so rows are inserted in batch order (the first of a key wins).
  // `WHERE` is required: without it `ON CONFLICT` would parse as the join's constraint.
  return {
    sql: `INSERT INTO edgeq_jobs (${JOB_COLS})
  SELECT v.column1, v.column2, v.column3, 'queued', v.column4, v.column5, 0,
    coalesce(v.column6, ${setting('maxAttempts')}, ?), v.column7,
    coalesce(v.column8, ${setting('leaseMs')}, ?), v.column9, v.column10, v.column11, v.column12, v.column12,
    coalesce(v.column13, ${setting('backoff')}), ?, ?
  FROM (VALUES ${rows.join(', ')}) AS v
  LEFT JOIN (SELECT name, CASE WHEN json_valid(value) THEN value END AS v FROM edgeq_config
    WHERE kind = 'queue' AND ns = ?) AS s ON s.name = v.column3
  WHERE ${onlyIf ? onlyIf.sql : 'true'}
  ON CONFLICT (ns, queue, debounce_slot)
    WHERE debounce_slot IS NOT NULL AND state = 'queued' AND attempt = 0
    DO UPDATE SET payload = excluded.payload, priority = excluded.priority,
      run_at = excluded.run_at, expires_at = excluded.expires_at, updated_at = excluded.updated_at
  ON CONFLICT DO NOTHING
  RETURNING id, queue, debounce_key`,
    // Positional parameters bind in text order: the SELECT list's four, the rows, the join's ns.
    args: [defaults.maxAttempts, defaults.leaseMs, now, now, ...args, ns, ...(onlyIf?.args ?? [])],
  };
}

/** The ids now holding the keys of `list` (for jobs that were deduplicated). */
export function keyOwners(ns: string, list: NewJob[]): InStatement | undefined {
  const keyed = list.filter((j) => j.key !== undefined);
  if (!keyed.length) return undefined;
  const args: string[] = [ns];
  const rows = keyed.map((j) => {
    args.push(j.queue, j.key!);
    return '(?, ?)';
  });
  return {
    sql: `SELECT id, queue, idem_key FROM edgeq_jobs WHERE ns = ? AND idem_key IS NOT NULL AND (queue, idem_key) IN (VALUES ${rows.join(', ')})`,
    args,
  };
}

export function registerQueues(ns: string, now: number, names: string[]): InStatement {
  const uniq = [...new Set(names)];
  return {
    sql: `INSERT INTO edgeq_queues (ns, name, paused, created_at) VALUES ${uniq.map(() => '(?, ?, 0, ?)').join(', ')} ON CONFLICT DO NOTHING`,
    args: uniq.flatMap((n) => [ns, n, now]),
  };
}

/** Which of `ids` exist: run first in a batch to tell `lease_lost` from `not_found`. */
export function existing(ns: string, ids: string[]): InStatement {
  return {
    sql: `SELECT id FROM edgeq_jobs WHERE ns = ? AND id IN (${ids.map(() => '?').join(', ')})`,
    args: [ns, ...ids],
  };
}

/** Completes every job whose lease the token still holds. */
export function ackJobs(
  ns: string,
  now: number,
  acks: { id: string; leaseToken: string; result?: string }[],
): InStatement {
  // Positional parameters bind in text order: SET's two, then the VALUES rows, then WHERE's.
  const args: (string | number | null)[] = [now, now];
  const rows = acks.map((a) => {
    args.push(a.id, a.leaseToken, a.result ?? null);
    return '(?, ?, ?)';
  });
  args.push(ns);
  return {
    sql: `UPDATE edgeq_jobs SET state = 'completed', result = v.column3, finished_at = ?, updated_at = ?, lease_expires_at = NULL
  FROM (VALUES ${rows.join(', ')}) AS v
  WHERE edgeq_jobs.ns = ? AND edgeq_jobs.id = v.column1 AND edgeq_jobs.lease_token = v.column2 AND edgeq_jobs.state = 'active'
  RETURNING edgeq_jobs.id`,
    args,
  };
}

export const EXTEND = `UPDATE edgeq_jobs SET lease_expires_at = :now + :lease_ms, updated_at = :now
  WHERE ns = :ns AND id = :id AND state = 'active' AND lease_token = :token
  RETURNING lease_expires_at`;

/** Retry or dead-letter, decided from the row's own attempt count in the same statement. */
export const NACK = `UPDATE edgeq_jobs SET
    state = CASE WHEN :dead OR attempt >= max_attempts THEN 'dead' ELSE 'queued' END,
    run_at = CASE WHEN :dead OR attempt >= max_attempts THEN run_at
                  ELSE coalesce(:retry_at, :now + ${BACKOFF}) END,
    finished_at = CASE WHEN :dead OR attempt >= max_attempts THEN :now END,
    last_error = coalesce(:error, last_error),
    lease_expires_at = NULL, updated_at = :now
  WHERE ns = :ns AND id = :id AND state = 'active' AND lease_token = :token
  RETURNING state, run_at`;

/**
 * Expired leases back to waiting (or dead). Strictly expired only: a lease ending exactly at
 * :now is still held. The state and expiry are re-checked on the row being written, so a job
 * acked meanwhile is never overwritten (River #1302); under SQLite's writer lock nothing can in
 * fact run in between, and the check keeps that true for any other engine this SQL meets.
 */
export function reclaim(allNamespaces: boolean): string {
  const scope = allNamespaces ? '' : 'AND ns = :ns';
  return `UPDATE edgeq_jobs SET
    state = CASE WHEN attempt >= max_attempts THEN 'dead' ELSE 'queued' END,
    run_at = CASE WHEN attempt >= max_attempts THEN run_at ELSE :now + ${BACKOFF} END,
    finished_at = CASE WHEN attempt >= max_attempts THEN :now END,
    last_error = CASE WHEN attempt >= max_attempts
      THEN 'lease expired on attempt ' || attempt || ' of ' || max_attempts
      ELSE 'lease expired on attempt ' || attempt END,
    lease_expires_at = NULL, updated_at = :now
  WHERE rowid IN (
    SELECT rowid FROM edgeq_jobs
    WHERE state = 'active' AND lease_expires_at < :now ${scope}
    LIMIT :limit)
  AND state = 'active' AND lease_expires_at < :now
  RETURNING state`;
}

export const CANCEL = `UPDATE edgeq_jobs SET state = 'cancelled', finished_at = :now, updated_at = :now
  WHERE ns = :ns AND id = :id AND state = 'queued'
  RETURNING id`;

export function replay(ids: number | undefined): string {
  const only = ids
    ? `AND id IN (${Array.from({ length: ids }, (_, i) => `:id${i}`).join(', ')})`
    : '';
  return `UPDATE edgeq_jobs SET state = 'queued', attempt = 0, run_at = :now, finished_at = NULL, updated_at = :now
  WHERE rowid IN (
    SELECT rowid FROM edgeq_jobs
    WHERE ns = :ns AND queue = :queue AND state = 'dead' ${only}
    ORDER BY id LIMIT :limit)
  RETURNING id`;
}

/**
 * Waiting jobs past their deadline die (`expired`); same namespace scope as `reclaim`. Pinned to
 * the deadline index: by `ns` alone the planner would walk every waiting job of the namespace.
 */
export function expire(allNamespaces: boolean): string {
  const scope = allNamespaces ? '' : 'AND ns = :ns';
  return `UPDATE edgeq_jobs SET state = 'dead', last_error = 'expired', finished_at = :now,
    updated_at = :now
  WHERE rowid IN (
    SELECT rowid FROM edgeq_jobs INDEXED BY edgeq_jobs_deadline
    WHERE expires_at IS NOT NULL AND state = 'queued' AND expires_at <= :now ${scope}
    LIMIT :limit)
  RETURNING id`;
}

/**
 * Flow state of group keys with nothing waiting and nothing leased (live or expired), so it stays
 * bounded by the keys in use; same namespace scope as `prune`.
 */
export function pruneKeys(allNamespaces: boolean): string {
  const scope = allNamespaces ? '' : 'AND k.ns = :ns';
  // A key whose rate state is still ahead of now keeps it, or it could pass its groupRate.
  return `DELETE FROM edgeq_flow_keys AS k WHERE k.waiting = 0 AND k.tat <= :now ${scope}
    AND NOT EXISTS (SELECT 1 FROM edgeq_jobs a WHERE a.ns = k.ns AND a.queue = k.queue
      AND a.group_key IS nullif(k.group_key, '') AND a.state = 'active')`;
}

/** Finished jobs past retention; `queue` only, or all but `except` (named :x0, :x1, ...). */
export function prune(allNamespaces: boolean, queue: boolean, except: number): string {
  const scope = allNamespaces ? '' : 'AND ns = :ns';
  const one = queue ? 'AND queue = :queue' : '';
  const others = except
    ? `AND queue NOT IN (${Array.from({ length: except }, (_, i) => `:x${i}`).join(', ')})`
    : '';
  return `DELETE FROM edgeq_jobs WHERE rowid IN (
    SELECT rowid FROM edgeq_jobs
    WHERE finished_at IS NOT NULL ${scope} ${one} ${others}
      AND ((state IN ('completed', 'cancelled') AND finished_at < :finished_before)
        OR (state = 'dead' AND finished_at < :dead_before))
    LIMIT :limit)`;
}

export const SET_PAUSED = `INSERT INTO edgeq_queues (ns, name, paused, created_at) VALUES (:ns, :queue, :paused, :now)
  ON CONFLICT (ns, name) DO UPDATE SET paused = excluded.paused`;

/** Counts by public state: a waiting job not yet due counts as scheduled. */
export function counts(oneQueue: boolean): string {
  return `SELECT queue, CASE WHEN state = 'queued' AND run_at > :now THEN 'scheduled' ELSE state END AS s, count(*) AS n
  FROM edgeq_jobs WHERE ns = :ns ${oneQueue ? 'AND queue = :queue' : ''}
  GROUP BY queue, s`;
}

export function queueRows(oneQueue: boolean): string {
  return `SELECT name, paused FROM edgeq_queues WHERE ns = :ns ${oneQueue ? 'AND name = :queue' : ''} ORDER BY name`;
}
