/**
 * The statements behind every state change, kept as SQL so they can be reviewed as SQL. Named
 * parameters only; the one generated part is the count of `(?, ...)` row placeholders, never
 * user input. Each state change is one statement, or one `BEGIN IMMEDIATE` batch when it needs
 * a read of the same snapshot (why a fenced call failed), so it costs one round trip.
 */
import type { InStatement } from '@libsql/client';
import type { Backoff, NewJob } from '../types.js';

/** Retry delay computed in SQL from the row's own attempt count; equals `backoffDelay`. */
const BACKOFF = `CAST(min(:bmax, :bbase * (1 << min(max(attempt - 1, 0), 30))) * :bfactor AS INTEGER)`;

export const backoffArgs = (b: Backoff) => ({ bbase: b.baseMs, bmax: b.maxMs, bfactor: b.factor });

/** A positional-parameter SQL condition. */
export interface Condition {
  sql: string;
  args: (string | number | null)[];
}

const JOB_COLS =
  'ns, id, queue, state, payload, priority, attempt, max_attempts, run_at, lease_ms, idem_key, created_at, updated_at';

/** Multi-row insert; rows that hit an existing id or idempotency key are skipped, not returned. */
export function insertJobs(
  ns: string,
  now: number,
  list: NewJob[],
  onlyIf?: Condition,
): InStatement {
  const args: (string | number | null)[] = [];
  const rows = list.map((j) => {
    args.push(ns, j.id, j.queue, j.payload, j.priority, j.maxAttempts, j.runAt, j.leaseMs);
    args.push(j.key ?? null, now, now);
    return `(?, ?, ?, 'queued', ?, ?, 0, ?, ?, ?, ?, ?, ?)`;
  });
  // `SELECT ... FROM (VALUES ...) WHERE <cond>` lets a follow-up insert depend on its ack.
  if (!onlyIf) {
    return {
      sql: `INSERT INTO edgeq_jobs (${JOB_COLS}) VALUES ${rows.join(', ')} ON CONFLICT DO NOTHING RETURNING id`,
      args,
    };
  }
  return {
    sql: `INSERT INTO edgeq_jobs (${JOB_COLS}) SELECT * FROM (VALUES ${rows.join(', ')}) WHERE ${onlyIf.sql} ON CONFLICT DO NOTHING RETURNING id`,
    args: [...args, ...onlyIf.args],
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

/**
 * Leases up to :limit due jobs. The inner SELECT walks edgeq_jobs_claim in claim order; the whole
 * UPDATE runs under SQLite's single writer, so two claimers can never take the same row.
 */
export const CLAIM = `UPDATE edgeq_jobs
  SET state = 'active', attempt = attempt + 1, lease_token = :token,
      lease_expires_at = :now + coalesce(:lease_ms, lease_ms), updated_at = :now
  WHERE rowid IN (
    SELECT rowid FROM edgeq_jobs
    WHERE ns = :ns AND queue = :queue AND state = 'queued' AND run_at <= :now
    ORDER BY priority DESC, run_at, id
    LIMIT :limit)
  AND NOT EXISTS (SELECT 1 FROM edgeq_queues WHERE ns = :ns AND name = :queue AND paused = 1)
  RETURNING id, queue, payload, priority, attempt, max_attempts, run_at, lease_token, lease_expires_at, created_at`;

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

export function prune(allNamespaces: boolean): string {
  const scope = allNamespaces ? '' : 'AND ns = :ns';
  return `DELETE FROM edgeq_jobs WHERE rowid IN (
    SELECT rowid FROM edgeq_jobs
    WHERE finished_at IS NOT NULL ${scope}
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
