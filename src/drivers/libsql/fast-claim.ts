/**
 * The plain claim, for queues that need no flow control: no limits in effect and no grouped
 * jobs waiting. It is the one `UPDATE ... RETURNING` edgeq had before flow control, guarded in
 * the same statement by that very condition, so it can never lease past a limit.
 *
 * Why a second path: SQLite compiles every statement afresh (the client caches none), and the
 * fair-pick statement of ./flow.ts costs ~0.7 ms to compile, more than the whole plain claim.
 * The driver remembers per queue which path the store last asked for (`NEEDS_FLOW`, read in the
 * same batch), so a queue costs one round trip per claim either way. Only when a queue changes
 * over to needing flow (a limit set, a grouped job enqueued) does the next claim in each process
 * find the guard closed and run the flow batch as a second round trip, once. On a local file,
 * where a call costs microseconds, the plain claim runs alone (autocommit) and only an empty one
 * is followed by the `NEEDS_FLOW` read.
 */
import type { InStatement } from '@libsql/client';
import type { ClaimParams } from '../types.js';
import { claimArgs } from './flow.js';

/** True while the queue needs the flow path: limits in effect (call or stored), or grouped jobs. */
const NEEDS_FLOW = `(WITH cfg AS (SELECT coalesce(:limits, (SELECT CASE WHEN json_valid(value)
      THEN value END FROM edgeq_config WHERE kind = 'queue' AND ns = :ns AND name = :queue),
      '{}') AS v)
  SELECT json_extract(v, '$.concurrency') IS NOT NULL OR json_extract(v, '$.rate') IS NOT NULL
    OR json_extract(v, '$.groupConcurrency') IS NOT NULL
    OR json_extract(v, '$.groupRate') IS NOT NULL
    OR EXISTS (SELECT 1 FROM edgeq_flow_keys WHERE ns = :ns AND queue = :queue
      AND group_key <> '' AND waiting > 0)
  FROM cfg)`;

const FAST = `UPDATE edgeq_jobs
  SET state = 'active', attempt = attempt + 1, lease_token = :token,
      lease_expires_at = :now + coalesce(:lease_ms, lease_ms), updated_at = :now
  WHERE rowid IN (
    SELECT rowid FROM edgeq_jobs
    WHERE ns = :ns AND queue = :queue AND group_key IS NULL AND state = 'queued'
      AND run_at <= :now AND (expires_at IS NULL OR expires_at > :now)
    ORDER BY priority DESC, run_at, id
    LIMIT :limit)
  AND NOT EXISTS (SELECT 1 FROM edgeq_queues WHERE ns = :ns AND name = :queue AND paused = 1)
  AND NOT ${NEEDS_FLOW}
  RETURNING id, queue, payload, priority, attempt, max_attempts, run_at, lease_token,
    lease_expires_at, created_at, group_key`;

/** The plain claim; leases nothing when the queue needs the flow path. */
export function fastClaim(p: ClaimParams): InStatement {
  return { sql: FAST, args: claimArgs(p) };
}

/** One row, `flow`: 1 when the queue needs the flow path. */
export function needsFlow(p: ClaimParams): InStatement {
  const { ns, queue, limits } = claimArgs(p);
  return { sql: `SELECT ${NEEDS_FLOW} AS flow`, args: { ns, queue, limits } };
}
