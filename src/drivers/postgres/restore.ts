/**
 * `restore` (`edgeq copy`) as ONE statement: the batch as one jsonb parameter, the ids already
 * present read from the statement's snapshot (`prior`), the queues registered, the rows inserted
 * with ON CONFLICT DO NOTHING (a taken id, idempotency key or debounce slot skips the row).
 */
import { type SQL, sql } from 'drizzle-orm';
import { debounceHolders, storedState } from '../restore.js';
import type { RestoreJob } from '../types.js';
import { big, compose, json, type Tables, txt } from './statements.js';

/** The restore statement for a batch (one round trip). */
export function restore(t: Tables, ns: string, now: number, jobs: RestoreJob[]): SQL {
  const holders = debounceHolders(jobs);
  const rows = jobs.map((j, ord) => ({
    ord,
    id: j.id,
    queue: j.queue,
    state: storedState(j),
    payload: j.payload,
    priority: j.priority,
    attempt: j.attempt,
    max_attempts: j.maxAttempts,
    run_at: j.runAt,
    lease_ms: j.leaseMs,
    backoff: j.backoff === undefined ? null : JSON.stringify(j.backoff),
    idem_key: j.key ?? null,
    group_key: j.group ?? '',
    expires_at: j.expiresAt ?? null,
    debounce_key: j.debounceKey ?? null,
    holder: holders.has(j.id),
    result: j.result ?? null,
    last_error: j.lastError ?? null,
    created_at: j.createdAt,
    updated_at: j.updatedAt,
    finished_at: j.finishedAt ?? null,
  }));
  return compose(
    [
      [
        'input',
        sql`SELECT * FROM jsonb_to_recordset(${json(rows)}) AS x(ord int, id text, queue text,
          state text, payload text, priority int, attempt int, max_attempts int, run_at bigint,
          lease_ms int, backoff text, idem_key text, group_key text, expires_at bigint,
          debounce_key text, holder boolean, result text, last_error text, created_at bigint,
          updated_at bigint, finished_at bigint)`,
      ],
      [
        'prior',
        sql`SELECT id FROM ${t.jobs} WHERE ns = ${txt(ns)} AND id IN (SELECT id FROM input)`,
      ],
      [
        'reg',
        sql`INSERT INTO ${t.queues} (ns, name, paused, created_at)
          SELECT DISTINCT ${txt(ns)}, queue, false, ${big(now)} FROM input
          ON CONFLICT DO NOTHING`,
      ],
      [
        // The slot (unique per key in any state) only where no job of the namespace holds it:
        // rows of this one statement cannot see each other, so `debounceHolders` keeps one per key.
        'ins',
        sql`INSERT INTO ${t.jobs} (ns, id, queue, state, payload, priority, attempt, max_attempts,
            run_at, lease_ms, backoff, idem_key, group_key, expires_at, debounce_key, debounce_slot,
            result, last_error, created_at, updated_at, finished_at)
          SELECT ${txt(ns)}, x.id, x.queue, x.state, x.payload, x.priority, x.attempt,
            x.max_attempts, x.run_at, x.lease_ms, x.backoff, x.idem_key, x.group_key, x.expires_at,
            x.debounce_key,
            CASE WHEN x.holder AND NOT EXISTS (SELECT 1 FROM ${t.jobs} e WHERE e.ns = ${txt(ns)}
                AND e.queue = x.queue AND e.debounce_slot = x.debounce_key)
              THEN x.debounce_key END,
            x.result, x.last_error, x.created_at, x.updated_at, x.finished_at
          FROM input x ORDER BY x.ord
          ON CONFLICT DO NOTHING
          RETURNING id`,
      ],
    ],
    [
      sql`SELECT 'prior' AS kind, to_jsonb(p) AS data FROM prior p`,
      sql`SELECT 'ins', to_jsonb(i) FROM ins i`,
    ],
  );
}

/** Namespaces with a queue (every job registers its queue) or a configuration entry. */
export function namespaces(t: Tables): SQL {
  return sql`SELECT ns FROM ${t.queues} UNION SELECT ns FROM ${t.config} ORDER BY 1`;
}
