/**
 * The claim as CTEs of one statement, on one of two paths chosen inside the statement:
 * - fast (no limits in effect and no grouped job waiting): today's UPDATE ... FROM (SELECT ...
 *   FOR UPDATE SKIP LOCKED LIMIT n), no lock beyond the rows it takes;
 * - flow (limits, or group keys to rotate between): the schema's VOLATILE `claim_flow` function
 *   (migration 0003), which serializes the queue's limited claims on its flow row and counts live
 *   leases and rate state after taking that lock, so concurrent claims never overshoot.
 * Limits are `p.limits` when given, else the queue's stored settings, read by the same statement.
 * The carried acks (CTE `acked`) are applied first: `claim_flow` receives their ids, which also
 * forces the acks to run before it counts.
 */
import { type SQL, sql } from 'drizzle-orm';
import type { FlowLimits } from '../types.js';
import { big, type Tables, txt } from './statements.js';

export interface ClaimInput {
  ns: string;
  queue: string;
  now: number;
  limit: number;
  token: string;
  leaseMs?: number;
  limits?: FlowLimits;
  /** True when the statement carries acks (an `acked` CTE precedes these). */
  acks: boolean;
}

export function claimParts(t: Tables, p: ClaimInput): { ctes: [string, SQL][]; selects: SQL[] } {
  const given = p.limits === undefined ? null : JSON.stringify(p.limits);
  const ns = txt(p.ns);
  const queue = txt(p.queue);
  const due = sql`state = 'queued' AND run_at <= ${big(p.now)}
    AND (expires_at IS NULL OR expires_at > ${big(p.now)})`;
  const acked = p.acks ? sql`ARRAY(SELECT id FROM acked)` : sql`ARRAY[]::text[]`;
  return {
    ctes: [
      [
        'mode',
        sql`SELECT m.v, m.go, m.flow FROM ${t.fn('claim_mode')}(${ns}, ${queue}, ${given}::jsonb) m`,
      ],
      [
        'picked',
        sql`SELECT ns, id FROM ${t.jobs}
          WHERE ns = ${ns} AND queue = ${queue} AND group_key = '' AND ${due}
            AND (SELECT go AND NOT flow FROM mode)
          ORDER BY priority DESC, run_at, id
          LIMIT ${p.limit}
          FOR UPDATE SKIP LOCKED`,
      ],
      [
        'claimed',
        sql`UPDATE ${t.jobs} AS j SET state = 'active', attempt = j.attempt + 1,
            lease_token = ${txt(p.token)},
            lease_expires_at = ${big(p.now)} + coalesce(${big(p.leaseMs ?? null)}, j.lease_ms),
            updated_at = ${big(p.now)}, debounce_slot = NULL
          FROM picked p WHERE j.ns = p.ns AND j.id = p.id
          RETURNING j.id, j.queue, j.payload, j.priority, j.attempt, j.max_attempts,
            j.lease_token, j.lease_expires_at, j.created_at, j.run_at`,
      ],
      [
        // LATERAL on `mode`: the function runs only for a row that passed the filter.
        'flowed',
        sql`SELECT f AS data FROM mode m CROSS JOIN LATERAL ${t.fn('claim_flow')}(${ns}, ${queue},
            ${big(p.now)}, ${p.limit}::int, ${txt(p.token)}, ${big(p.leaseMs ?? null)}, m.v,
            ${acked}) f
          WHERE m.go AND m.flow`,
      ],
    ],
    selects: [
      sql`SELECT 'job' AS kind, to_jsonb(c) AS data FROM claimed c`,
      sql`SELECT 'job', data FROM flowed`,
    ],
  };
}
