-- edgeq Postgres schema, version 1. {{schema}} is replaced by the quoted schema name, so several
-- apps can share one database. Times are epoch milliseconds passed in by the runtime: the
-- database clock is never read. Waiting jobs are stored as 'queued' whatever their run time;
-- readers report those with run_at > now as 'scheduled'.

CREATE TABLE IF NOT EXISTS {{schema}}.jobs (
  ns               text     NOT NULL,
  id               text     NOT NULL,
  queue            text     NOT NULL,
  state            text     NOT NULL CHECK (state IN ('queued', 'active', 'completed', 'dead', 'cancelled')),
  -- JSON text, kept byte for byte (jsonb would reorder keys and drop duplicates).
  payload          text     NOT NULL,
  priority         integer  NOT NULL DEFAULT 0,
  attempt          integer  NOT NULL DEFAULT 0,
  max_attempts     integer  NOT NULL,
  run_at           bigint   NOT NULL,
  lease_ms         integer  NOT NULL,
  lease_token      text,
  lease_expires_at bigint,
  idem_key         text,
  result           text,
  last_error       text,
  created_at       bigint   NOT NULL,
  updated_at       bigint   NOT NULL,
  finished_at      bigint,
  PRIMARY KEY (ns, id)
);

-- Claim walks this in claim order and stops after `limit` due rows. Finished jobs are outside
-- the partial index, so claim cost does not grow with retained history.
CREATE INDEX IF NOT EXISTS jobs_claim
  ON {{schema}}.jobs (ns, queue, priority DESC, run_at, id) WHERE state = 'queued';

-- One job per (namespace, queue, idempotency key) while the job exists.
CREATE UNIQUE INDEX IF NOT EXISTS jobs_key
  ON {{schema}}.jobs (ns, queue, idem_key) WHERE idem_key IS NOT NULL;

-- Reclaim reads only live leases.
CREATE INDEX IF NOT EXISTS jobs_lease
  ON {{schema}}.jobs (lease_expires_at) WHERE state = 'active';

-- Prune reads only finished jobs.
CREATE INDEX IF NOT EXISTS jobs_finished
  ON {{schema}}.jobs (finished_at) WHERE finished_at IS NOT NULL;

-- Listing by state pages in id order.
CREATE INDEX IF NOT EXISTS jobs_list ON {{schema}}.jobs (ns, queue, state, id);

CREATE TABLE IF NOT EXISTS {{schema}}.queues (
  ns         text    NOT NULL,
  name       text    NOT NULL,
  paused     boolean NOT NULL DEFAULT false,
  created_at bigint  NOT NULL,
  PRIMARY KEY (ns, name)
);
