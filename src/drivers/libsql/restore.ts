/**
 * Statements behind `restore` (`edgeq copy`): the batch travels as ONE JSON parameter read with
 * `json_each`, so 1,000 jobs cost one statement to compile whatever their count (a row of `?`
 * per job would be 21,000 parameters). Flow counters need nothing here: the triggers of
 * migration 3 count each inserted waiting job, as they do for enqueue.
 */
import type { InStatement } from '@libsql/client';
import { debounceHolders, storedState } from '../restore.js';
import type { RestoreJob } from '../types.js';
import { registerQueues } from './statements.js';

const COLS =
  'ns, id, queue, state, payload, priority, attempt, max_attempts, run_at, lease_ms, idem_key, group_key, expires_at, debounce_key, debounce_slot, backoff, result, last_error, created_at, updated_at, finished_at';

const f = (field: string) => `json_extract(j.value, '$.${field}')`;

/**
 * Insert of the batch: a row whose id, idempotency key or debounce slot is taken is skipped
 * (ON CONFLICT DO NOTHING) and not returned. A merge target (`holder`) takes its debounce slot
 * only when no waiting, never-run job of the namespace holds it. SQLite runs the SELECT to the
 * end before inserting (it reads the table it writes), so rows of this batch do not see each
 * other: `debounceHolders` already keeps one holder per key.
 */
const INSERT = `INSERT INTO edgeq_jobs (${COLS})
  SELECT :ns, ${f('id')}, ${f('queue')}, ${f('state')}, ${f('payload')}, ${f('priority')},
    ${f('attempt')}, ${f('maxAttempts')}, ${f('runAt')}, ${f('leaseMs')}, ${f('key')}, ${f('group')},
    ${f('expiresAt')}, ${f('debounceKey')},
    CASE WHEN ${f('holder')} = 1 AND NOT EXISTS (SELECT 1 FROM edgeq_jobs e
        WHERE e.ns = :ns AND e.queue = ${f('queue')} AND e.debounce_slot = ${f('debounceKey')}
          AND e.state = 'queued' AND e.attempt = 0)
      THEN ${f('debounceKey')} END,
    ${f('backoff')}, ${f('result')}, ${f('lastError')}, ${f('createdAt')}, ${f('updatedAt')},
    ${f('finishedAt')}
  FROM json_each(:jobs) AS j
  WHERE true
  ON CONFLICT DO NOTHING
  RETURNING id`;

const PRIOR = `SELECT id FROM edgeq_jobs
  WHERE ns = :ns AND id IN (SELECT ${f('id')} FROM json_each(:jobs) AS j)`;

/** [register the queues, ids already present, the insert]: one `BEGIN IMMEDIATE` batch. */
export function restoreStatements(ns: string, now: number, jobs: RestoreJob[]): InStatement[] {
  const holders = debounceHolders(jobs);
  const rows = JSON.stringify(
    jobs.map((j) => ({
      id: j.id,
      queue: j.queue,
      state: storedState(j),
      payload: j.payload,
      priority: j.priority,
      attempt: j.attempt,
      maxAttempts: j.maxAttempts,
      runAt: j.runAt,
      leaseMs: j.leaseMs,
      key: j.key ?? null,
      group: j.group ?? null,
      expiresAt: j.expiresAt ?? null,
      debounceKey: j.debounceKey ?? null,
      holder: holders.has(j.id) ? 1 : 0,
      backoff: j.backoff === undefined ? null : JSON.stringify(j.backoff),
      result: j.result ?? null,
      lastError: j.lastError ?? null,
      createdAt: j.createdAt,
      updatedAt: j.updatedAt,
      finishedAt: j.finishedAt ?? null,
    })),
  );
  return [
    registerQueues(
      ns,
      now,
      jobs.map((j) => j.queue),
    ),
    { sql: PRIOR, args: { ns, jobs: rows } },
    { sql: INSERT, args: { ns, jobs: rows } },
  ];
}

/** Namespaces with a queue (every job registers its queue) or a configuration entry. */
export const NAMESPACES =
  'SELECT ns FROM edgeq_queues UNION SELECT ns FROM edgeq_config ORDER BY 1';
