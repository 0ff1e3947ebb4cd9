/**
 * The claim with flow control, as one `BEGIN IMMEDIATE` batch: limits (concurrency, rate, and the
 * same per group key) are counted and the jobs leased under SQLite's single writer lock, so
 * concurrent claims (other connections, other processes, Hrana streams) can never overshoot.
 *
 * The batch: (1) pick the jobs into edgeq_claim_pick in take order, (2) lease them, (3) advance
 * the served keys' state, (4) advance the queue's state, (5) read the leased jobs back in take
 * order, (6) clear the picks. Every statement sees the same limits: they come from `:limits`
 * (limits defined in code, JSON) or else the queue's stored settings, read in each statement.
 */
import type { InStatement } from '@libsql/client';
import type { ClaimParams } from '../types.js';

/** The limits in effect, one row: `:limits` JSON, else the queue's settings, else none. */
const LIM = `cfg AS (
    SELECT coalesce(:limits, (SELECT CASE WHEN json_valid(value) THEN value END FROM edgeq_config
      WHERE kind = 'queue' AND ns = :ns AND name = :queue), '{}') AS v),
  lim AS (SELECT
      json_extract(v, '$.concurrency') AS conc,
      json_extract(v, '$.rate.limit') AS rl, json_extract(v, '$.rate.periodMs') AS rp,
      coalesce(json_extract(v, '$.rate.burst'), 1) AS rb,
      json_extract(v, '$.groupConcurrency') AS gc,
      json_extract(v, '$.groupRate.limit') AS gl, json_extract(v, '$.groupRate.periodMs') AS gp,
      coalesce(json_extract(v, '$.groupRate.burst'), 1) AS gb
    FROM cfg)`;

/**
 * `rateAllowance` in SQL, the same double operations in the same order (so the same answer on
 * a slot boundary): max(0, floor(burst - (max(tat, now) - now) / T)), T = period / (limit -
 * burst + 1). CAST truncates toward zero: floor for x >= 0, and max(0, ...) covers x < 0.
 */
function allowance(limit: string, period: string, burst: string, tat: string): string {
  const t = `(${period} * 1.0 / (${limit} - ${burst} + 1))`;
  return `max(0, CAST(${burst} - (max(${tat}, :now) - :now) / ${t} AS INTEGER))`;
}

/** `rateAdvance` in SQL, in the same operation order as the TypeScript. */
function advance(limit: string, period: string, burst: string, tat: string, n: string): string {
  return `max(${tat}, :now) + (${n} * ${period} * 1.0) / (${limit} - ${burst} + 1)`;
}

/** A due job of key `key`: waiting, run time come, deadline (if any) not reached. */
const due = (j: string, key: string) =>
  `${j}.ns = :ns AND ${j}.queue = :queue AND ${j}.group_key IS nullif(${key}, '')
    AND ${j}.state = 'queued' AND ${j}.run_at <= :now
    AND (${j}.expires_at IS NULL OR ${j}.expires_at > :now)`;

/** Room left for key `k` ('' = no group: no group limits); :limit stands for "no limit". */
const GROUP_ROOM = `CASE WHEN k.group_key = '' THEN :limit ELSE min(
    CASE WHEN lim.gc IS NULL THEN :limit ELSE lim.gc - (SELECT count(*) FROM edgeq_jobs a
      WHERE a.ns = :ns AND a.queue = :queue AND a.group_key = k.group_key AND a.state = 'active'
        AND a.lease_expires_at > :now) END,
    CASE WHEN lim.gl IS NULL THEN :limit ELSE ${allowance('lim.gl', 'lim.gp', 'lim.gb', 'k.tat')} END) END`;

/**
 * Picks the claim's jobs. `room` caps the claim by the queue-wide limits (0 when paused). `keys`
 * walks the keys with waiting jobs least recently served first (edgeq_flow_keys_serve) and keeps
 * the first `room` that have a due job and room of their own: round 1 takes one job from each
 * of them, so no later key could be reached. Each key then reads at most `room - keys + 1` of
 * its due jobs through edgeq_jobs_fair (every other key takes at least one), keeps its own room's
 * worth, and the round-robin is an ORDER BY (round, key order). (SQLite's LIMIT cannot refer to
 * the outer row, hence the one bound for all keys.)
 */
const PICK = `WITH ${LIM},
  q AS (SELECT coalesce(max(tat), 0) AS tat, coalesce(max(paused), 0) AS paused FROM edgeq_queues
    WHERE ns = :ns AND name = :queue),
  room AS (SELECT max(0, min(:limit,
      CASE WHEN q.paused THEN 0 ELSE :limit END,
      CASE WHEN lim.conc IS NULL THEN :limit ELSE lim.conc - (SELECT count(*) FROM edgeq_jobs a
        WHERE a.ns = :ns AND a.queue = :queue AND a.state = 'active' AND a.lease_expires_at > :now) END,
      CASE WHEN lim.rl IS NULL THEN :limit ELSE ${allowance('lim.rl', 'lim.rp', 'lim.rb', 'q.tat')} END)) AS n
    FROM lim, q),
  keys AS (SELECT k.group_key AS g, ${GROUP_ROOM} AS groom, k.last_served AS ls
    FROM edgeq_flow_keys k, lim
    WHERE k.ns = :ns AND k.queue = :queue AND k.waiting > 0
      AND ${GROUP_ROOM} > 0
      AND EXISTS (SELECT 1 FROM edgeq_jobs j WHERE ${due('j', 'k.group_key')})
    ORDER BY k.last_served, k.group_key
    LIMIT (SELECT n FROM room)),
  keyn AS (SELECT g, groom, row_number() OVER (ORDER BY ls, g) AS ord FROM keys),
  cand AS (SELECT kn.g, kn.ord, kn.groom, j.rowid AS rid, j.priority AS pr, j.run_at AS ra, j.id AS jid
    FROM keyn kn, edgeq_jobs j
    WHERE j.rowid IN (SELECT x.rowid FROM edgeq_jobs x WHERE ${due('x', 'kn.g')}
      ORDER BY x.priority DESC, x.run_at, x.id
      LIMIT (SELECT n FROM room) - (SELECT count(*) FROM keys) + 1)),
  ranked AS (SELECT rid, g, ord, groom, row_number() OVER (PARTITION BY g ORDER BY pr DESC, ra, jid) AS r
    FROM cand)
INSERT INTO edgeq_claim_pick (token, seq, rid, group_key)
  SELECT :token, row_number() OVER (ORDER BY r, ord), rid, g FROM ranked WHERE r <= groom
  ORDER BY r, ord LIMIT (SELECT n FROM room)`;

const LEASE = `UPDATE edgeq_jobs
  SET state = 'active', attempt = attempt + 1, lease_token = :token,
      lease_expires_at = :now + coalesce(:lease_ms, lease_ms), updated_at = :now
  WHERE rowid IN (SELECT rid FROM edgeq_claim_pick WHERE token = :token)`;

/**
 * Served keys: last served = the queue's serve sequence before this claim + their last pick; their
 * rate state advances by their own count. Driven by the picks (IN), never by the queue's keys.
 */
const SERVE_KEYS = `WITH ${LIM},
  s AS (SELECT group_key AS g, max(seq) AS last, count(*) AS n FROM edgeq_claim_pick
    WHERE token = :token GROUP BY group_key)
UPDATE edgeq_flow_keys SET
    last_served = (SELECT coalesce(max(serve), 0) FROM edgeq_queues WHERE ns = :ns AND name = :queue)
      + (SELECT last FROM s WHERE s.g = edgeq_flow_keys.group_key),
    tat = (SELECT CASE WHEN s.g <> '' AND lim.gl IS NOT NULL
      THEN ${advance('lim.gl', 'lim.gp', 'lim.gb', 'edgeq_flow_keys.tat', 's.n')} ELSE edgeq_flow_keys.tat END
      FROM s, lim WHERE s.g = edgeq_flow_keys.group_key)
  WHERE ns = :ns AND queue = :queue AND group_key IN (SELECT g FROM s)
    AND (group_key <> '' OR EXISTS (SELECT 1 FROM s WHERE g <> ''))`;

const SERVE_QUEUE = `WITH ${LIM},
  s AS (SELECT count(*) AS n FROM edgeq_claim_pick WHERE token = :token)
UPDATE edgeq_queues SET
    serve = serve + s.n,
    tat = CASE WHEN lim.rl IS NOT NULL THEN ${advance('lim.rl', 'lim.rp', 'lim.rb', 'edgeq_queues.tat', 's.n')}
      ELSE edgeq_queues.tat END
  FROM s, lim
  WHERE edgeq_queues.ns = :ns AND edgeq_queues.name = :queue AND s.n > 0`;

const LEASED = `SELECT j.id, j.queue, j.payload, j.priority, j.attempt, j.max_attempts, j.run_at,
    j.lease_token, j.lease_expires_at, j.created_at, j.group_key
  FROM edgeq_claim_pick p JOIN edgeq_jobs j ON j.rowid = p.rid
  WHERE p.token = :token ORDER BY p.seq`;

const CLEAR = 'DELETE FROM edgeq_claim_pick WHERE token = :token';

/** The named arguments of the claim statements (here and in ./fast-claim.ts). */
export function claimArgs(p: ClaimParams) {
  return {
    ns: p.ns,
    queue: p.queue,
    now: p.now,
    limit: p.limit,
    token: p.leaseToken,
    lease_ms: p.leaseMs ?? null,
    limits: p.limits === undefined ? null : JSON.stringify(p.limits),
  };
}

/** The claim's statements; the leased jobs, in take order, are the result of the fifth. */
export function claimStatements(p: ClaimParams): InStatement[] {
  const args = claimArgs(p);
  const only = (sql: string, names: (keyof typeof args)[]): InStatement => ({
    sql,
    args: Object.fromEntries(names.map((n) => [n, args[n]])),
  });
  const all = Object.keys(args) as (keyof typeof args)[];
  return [
    only(PICK, all),
    only(LEASE, ['token', 'now', 'lease_ms']),
    only(SERVE_KEYS, ['limits', 'ns', 'queue', 'token', 'now']),
    only(SERVE_QUEUE, ['limits', 'ns', 'queue', 'token', 'now']),
    only(LEASED, ['token']),
    only(CLEAR, ['token']),
  ];
}

/** Index of the leased jobs' result within `claimStatements`. */
export const LEASED_RESULT = 4;
