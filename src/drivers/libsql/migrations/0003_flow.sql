-- edgeq libSQL/SQLite schema, version 3: flow control (issue 6).

-- Per-job flow fields: the group key (NULL = no group), the deadline, the debounce key, and the
-- job's own retry policy (BackoffPolicy JSON; NULL = the nack's or reclaim's policy applies).
-- debounce_slot is the debounce key while the job is the key's latest job (its holder): only the
-- holder, and only while it waits for its first attempt, absorbs later enqueues (a job back from
-- a failed attempt is never merged into). A job that lost the key to a newer one never holds it
-- again, so no move back to 'queued' can collide in edgeq_jobs_debounce.
ALTER TABLE edgeq_jobs ADD COLUMN group_key TEXT;
ALTER TABLE edgeq_jobs ADD COLUMN expires_at INTEGER;
ALTER TABLE edgeq_jobs ADD COLUMN debounce_key TEXT;
ALTER TABLE edgeq_jobs ADD COLUMN debounce_slot TEXT;
ALTER TABLE edgeq_jobs ADD COLUMN backoff TEXT;

-- Claim walks one key's waiting jobs in claim order through this index and stops after the
-- jobs it can take. It replaces edgeq_jobs_claim (jobs without a group are the key NULL).
CREATE INDEX IF NOT EXISTS edgeq_jobs_fair
  ON edgeq_jobs (ns, queue, group_key, priority DESC, run_at, id) WHERE state = 'queued';
DROP INDEX IF EXISTS edgeq_jobs_claim;

-- Live leases per queue and per key (concurrency limits).
CREATE INDEX IF NOT EXISTS edgeq_jobs_live
  ON edgeq_jobs (ns, queue, group_key, lease_expires_at) WHERE state = 'active';

-- At most one merge target per (namespace, queue, debounce key): enqueue upserts on it. (At most
-- one job holds a key at all: edgeq_debounce_holder below strips the previous holder.)
CREATE UNIQUE INDEX IF NOT EXISTS edgeq_jobs_debounce
  ON edgeq_jobs (ns, queue, debounce_slot)
  WHERE debounce_slot IS NOT NULL AND state = 'queued' AND attempt = 0;
-- The holder in any state, for edgeq_debounce_holder (only holders are in it).
CREATE INDEX IF NOT EXISTS edgeq_jobs_debounce_holder
  ON edgeq_jobs (ns, queue, debounce_slot) WHERE debounce_slot IS NOT NULL;

-- Reclaim finds waiting jobs past their deadline.
CREATE INDEX IF NOT EXISTS edgeq_jobs_deadline
  ON edgeq_jobs (expires_at) WHERE expires_at IS NOT NULL AND state = 'queued';

-- Queue-wide flow state: the rate limit's theoretical arrival time and the serve sequence that
-- orders group keys by when they were last served.
ALTER TABLE edgeq_queues ADD COLUMN tat REAL NOT NULL DEFAULT 0;
ALTER TABLE edgeq_queues ADD COLUMN serve INTEGER NOT NULL DEFAULT 0;

-- Per-key flow state ('' = jobs without a group): the key's rate state, when it was last served,
-- and how many of its jobs wait (kept by the triggers below), so a claim walks only keys with
-- waiting jobs, least recently served first, and stops after as many keys as it can take jobs.
CREATE TABLE IF NOT EXISTS edgeq_flow_keys (
  ns          TEXT    NOT NULL,
  queue       TEXT    NOT NULL,
  group_key   TEXT    NOT NULL,
  tat         REAL    NOT NULL DEFAULT 0,
  last_served INTEGER NOT NULL DEFAULT 0,
  waiting     INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (ns, queue, group_key)
);

CREATE INDEX IF NOT EXISTS edgeq_flow_keys_serve
  ON edgeq_flow_keys (ns, queue, last_served, group_key) WHERE waiting > 0;

-- Prune drops the state of keys with nothing waiting and nothing leased.
CREATE INDEX IF NOT EXISTS edgeq_flow_keys_idle ON edgeq_flow_keys (ns, queue) WHERE waiting = 0;

-- Scratch rows of one claim (its picks in take order), written and deleted inside the claim's
-- transaction: never visible outside it.
CREATE TABLE IF NOT EXISTS edgeq_claim_pick (
  token     TEXT    NOT NULL,
  seq       INTEGER NOT NULL,
  rid       INTEGER NOT NULL,
  group_key TEXT    NOT NULL,
  PRIMARY KEY (token, seq)
);

-- (Each trigger body ends on the line of its END: the migration splitter cuts at a `;` that ends
-- a line.)
-- Waiting counts follow every move into or out of the stored state 'queued', inside the
-- statement that makes it (so no write path needs to remember them).
CREATE TRIGGER IF NOT EXISTS edgeq_flow_insert AFTER INSERT ON edgeq_jobs
  WHEN new.state = 'queued'
BEGIN
  INSERT INTO edgeq_flow_keys (ns, queue, group_key, waiting)
    VALUES (new.ns, new.queue, coalesce(new.group_key, ''), 1)
    ON CONFLICT (ns, queue, group_key) DO UPDATE SET waiting = waiting + 1; END;

CREATE TRIGGER IF NOT EXISTS edgeq_flow_state AFTER UPDATE OF state ON edgeq_jobs
  WHEN (old.state = 'queued') <> (new.state = 'queued')
BEGIN
  INSERT INTO edgeq_flow_keys (ns, queue, group_key, waiting)
    VALUES (new.ns, new.queue, coalesce(new.group_key, ''), CASE WHEN new.state = 'queued' THEN 1 ELSE 0 END)
    ON CONFLICT (ns, queue, group_key) DO UPDATE
      SET waiting = waiting + CASE WHEN new.state = 'queued' THEN 1 ELSE -1 END; END;

CREATE TRIGGER IF NOT EXISTS edgeq_flow_delete AFTER DELETE ON edgeq_jobs
  WHEN old.state = 'queued'
BEGIN
  UPDATE edgeq_flow_keys SET waiting = waiting - 1
    WHERE ns = old.ns AND queue = old.queue AND group_key = coalesce(old.group_key, ''); END;

-- A new job with a debounce key becomes the key's holder; the previous holder (not a merge
-- target, or the insert would have updated it instead) lets go.
CREATE TRIGGER IF NOT EXISTS edgeq_debounce_holder AFTER INSERT ON edgeq_jobs
  WHEN new.debounce_slot IS NOT NULL
BEGIN
  UPDATE edgeq_jobs SET debounce_slot = NULL
    WHERE ns = new.ns AND queue = new.queue AND debounce_slot = new.debounce_slot
      AND id <> new.id; END;

-- Jobs stored before this version have no group: they all wait under the key ''.
INSERT INTO edgeq_flow_keys (ns, queue, group_key, waiting)
  SELECT ns, queue, '', count(*) FROM edgeq_jobs WHERE state = 'queued' GROUP BY ns, queue;
