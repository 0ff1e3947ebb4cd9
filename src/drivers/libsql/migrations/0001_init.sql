-- edgeq libSQL/SQLite schema, version 1.
-- Waiting jobs are stored as state 'queued' whatever their run time; readers report those with
-- run_at > now as 'scheduled' (the store never needs a clock to move them).

CREATE TABLE IF NOT EXISTS edgeq_jobs (
  ns               TEXT    NOT NULL,
  id               TEXT    NOT NULL,
  queue            TEXT    NOT NULL,
  state            TEXT    NOT NULL CHECK (state IN ('queued', 'active', 'completed', 'dead', 'cancelled')),
  payload          TEXT    NOT NULL,
  priority         INTEGER NOT NULL DEFAULT 0,
  attempt          INTEGER NOT NULL DEFAULT 0,
  max_attempts     INTEGER NOT NULL,
  run_at           INTEGER NOT NULL,
  lease_ms         INTEGER NOT NULL,
  lease_token      TEXT,
  lease_expires_at INTEGER,
  idem_key         TEXT,
  result           TEXT,
  last_error       TEXT,
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL,
  finished_at      INTEGER,
  PRIMARY KEY (ns, id)
);

-- Claim walks this in order and stops after `limit` due rows: its cost does not grow with
-- finished history, which is outside the partial index.
CREATE INDEX IF NOT EXISTS edgeq_jobs_claim
  ON edgeq_jobs (ns, queue, priority DESC, run_at, id) WHERE state = 'queued';

-- One job per (namespace, queue, idempotency key) while the job exists.
CREATE UNIQUE INDEX IF NOT EXISTS edgeq_jobs_key
  ON edgeq_jobs (ns, queue, idem_key) WHERE idem_key IS NOT NULL;

-- Reclaim reads only live leases.
CREATE INDEX IF NOT EXISTS edgeq_jobs_lease
  ON edgeq_jobs (lease_expires_at) WHERE state = 'active';

-- Prune reads only finished jobs.
CREATE INDEX IF NOT EXISTS edgeq_jobs_finished
  ON edgeq_jobs (finished_at) WHERE finished_at IS NOT NULL;

-- Listing by state pages in id order.
CREATE INDEX IF NOT EXISTS edgeq_jobs_list ON edgeq_jobs (ns, queue, state, id);

CREATE TABLE IF NOT EXISTS edgeq_queues (
  ns         TEXT    NOT NULL,
  name       TEXT    NOT NULL,
  paused     INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (ns, name)
);
