-- edgeq Postgres schema, version 3: flow control (issue 6). Group keys, deadlines, debounce and
-- per-job backoff on jobs; per-queue and per-group flow state; the claim under limits as one
-- VOLATILE function, so a limited claim is still one statement (see claim_flow below).

-- '' = no group (NOT NULL, so one btree serves every key including "none").
ALTER TABLE {{schema}}.jobs ADD COLUMN IF NOT EXISTS group_key text NOT NULL DEFAULT '';
ALTER TABLE {{schema}}.jobs ADD COLUMN IF NOT EXISTS expires_at bigint;
ALTER TABLE {{schema}}.jobs ADD COLUMN IF NOT EXISTS debounce_key text;
-- The debounce key while the job still waits for its first lease (cleared when leased or
-- finished): the unique index below keeps one waiting job per key even under concurrent enqueues.
ALTER TABLE {{schema}}.jobs ADD COLUMN IF NOT EXISTS debounce_slot text;
-- The resolved BackoffPolicy as JSON text; NULL = the nack's / reclaim's backoff applies.
ALTER TABLE {{schema}}.jobs ADD COLUMN IF NOT EXISTS backoff text;

-- Claim order within each group key. Replaces jobs_claim: an ungrouped claim reads group_key = ''
-- in the same order, and a grouped claim seeks each key without scanning other keys' backlog.
CREATE INDEX IF NOT EXISTS jobs_claim_group
  ON {{schema}}.jobs (ns, queue, group_key, priority DESC, run_at, id) WHERE state = 'queued';
DROP INDEX IF EXISTS {{schema}}.jobs_claim;

-- Live leases per queue and per group key (the concurrency limits count these).
CREATE INDEX IF NOT EXISTS jobs_live
  ON {{schema}}.jobs (ns, queue, group_key, lease_expires_at) WHERE state = 'active';

CREATE UNIQUE INDEX IF NOT EXISTS jobs_debounce
  ON {{schema}}.jobs (ns, queue, debounce_slot) WHERE debounce_slot IS NOT NULL;

-- Reclaim finds waiting jobs past their deadline.
CREATE INDEX IF NOT EXISTS jobs_expiry
  ON {{schema}}.jobs (expires_at) WHERE state = 'queued' AND expires_at IS NOT NULL;

-- Per-queue flow state, written only under the queue's flow lock (see claim_flow).
CREATE TABLE IF NOT EXISTS {{schema}}.flow (
  ns    text             NOT NULL,
  queue text             NOT NULL,
  -- GCRA theoretical arrival time of the queue's `rate` (0 = fresh); float like the JS formula.
  tat   double precision NOT NULL DEFAULT 0,
  -- Serve sequence: each job taken gets the next number; a key's last_served is its last one.
  serve bigint           NOT NULL DEFAULT 0,
  PRIMARY KEY (ns, queue)
);

-- Per-group-key state ('' = jobs without a group); prune drops keys with nothing left.
CREATE TABLE IF NOT EXISTS {{schema}}.flow_groups (
  ns          text             NOT NULL,
  queue       text             NOT NULL,
  group_key   text             NOT NULL,
  tat         double precision NOT NULL DEFAULT 0,
  last_served bigint           NOT NULL DEFAULT 0,
  PRIMARY KEY (ns, queue, group_key)
);

-- Queue settings are JSON text written by the runtime; a value that does not parse means none.
CREATE OR REPLACE FUNCTION {{schema}}.try_jsonb(v text) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
BEGIN
  RETURN v::jsonb;
EXCEPTION WHEN others THEN
  RETURN NULL;
END
$$;

-- Which path a claim takes: the limits in effect (the call's, else the queue's stored settings),
-- whether the queue is running, and whether it needs flow control (limits, or grouped jobs
-- waiting). A plpgsql function so its queries keep cached plans: inlined into the claim, these
-- subqueries doubled the plain claim's planning time.
CREATE OR REPLACE FUNCTION {{schema}}.claim_mode(p_ns text, p_queue text, p_limits jsonb,
  OUT v jsonb, OUT go boolean, OUT flow boolean)
LANGUAGE plpgsql STABLE AS $$
BEGIN
  v := coalesce(p_limits, (SELECT {{schema}}.try_jsonb(c.value) FROM {{schema}}.config c
    WHERE c.kind = 'queue' AND c.ns = p_ns AND c.name = p_queue), '{}'::jsonb);
  go := NOT EXISTS (SELECT 1 FROM {{schema}}.queues q
    WHERE q.ns = p_ns AND q.name = p_queue AND q.paused);
  flow := jsonb_exists_any(v, ARRAY['concurrency', 'rate', 'groupConcurrency', 'groupRate'])
    OR EXISTS (SELECT 1 FROM {{schema}}.jobs g WHERE g.ns = p_ns AND g.queue = p_queue
      AND g.state = 'queued' AND g.group_key > '');
END
$$;

-- rateAllowance (src/drivers/types.ts) in the same float operation order, from the debt
-- max(tat, now) - now (epoch sums lose precision); NULL when no rate.
CREATE OR REPLACE FUNCTION {{schema}}.rate_allowance(r jsonb, tat double precision, now bigint)
RETURNS integer LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN jsonb_typeof(r) = 'object' THEN greatest(0, floor(
    coalesce((r->>'burst')::float8, 1) - (greatest(tat, now::float8) - now::float8) / t))::integer END
  FROM (SELECT (r->>'periodMs')::float8
    / ((r->>'limit')::float8 - coalesce((r->>'burst')::float8, 1) + 1) AS t) x
$$;

-- rateAdvance (src/drivers/types.ts) in the same float operation order.
CREATE OR REPLACE FUNCTION {{schema}}.rate_advance(r jsonb, tat double precision, now bigint, taken bigint)
RETURNS double precision LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN jsonb_typeof(r) = 'object' AND taken > 0 THEN greatest(tat, now::float8)
    + (taken::float8 * (r->>'periodMs')::float8)
      / ((r->>'limit')::float8 - coalesce((r->>'burst')::float8, 1) + 1)
    ELSE tat END
$$;

-- The claim of a queue with limits or group keys, called by the claim statement (after its
-- carried acks). Exact under concurrent claims: (1) it takes the queue's transaction-scoped
-- advisory lock, so limited claims of one queue run one at a time; (2) every statement inside a VOLATILE function takes a
-- fresh snapshot, so the counts below are read AFTER the lock was granted and see every lease a
-- previous holder committed, and the calling statement's own acks; (3) the leases and the flow
-- state are written before this transaction commits, which is when the lock passes on.
-- Returns the leased jobs as JSON, `ord` = take order.
CREATE OR REPLACE FUNCTION {{schema}}.claim_flow(
  p_ns text, p_queue text, p_now bigint, p_limit integer, p_token text, p_lease_ms bigint,
  p_limits jsonb, p_acked text[]
) RETURNS SETOF jsonb LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  v_conc  integer := CASE WHEN jsonb_typeof(p_limits->'concurrency') = 'number'
    THEN (p_limits->>'concurrency')::numeric::integer END;
  v_rate  jsonb := CASE WHEN jsonb_typeof(p_limits->'rate') = 'object' THEN p_limits->'rate' END;
  v_gconc integer := CASE WHEN jsonb_typeof(p_limits->'groupConcurrency') = 'number'
    THEN (p_limits->>'groupConcurrency')::numeric::integer END;
  v_grate jsonb := CASE WHEN jsonb_typeof(p_limits->'groupRate') = 'object' THEN p_limits->'groupRate' END;
  v_tat   double precision;
  v_serve bigint;
  v_room  integer;
BEGIN
  -- The queue's lock, held until commit. An advisory lock rather than the flow row's lock: its
  -- waiters are granted in arrival order (row-lock waiters on an updated row all wake at once
  -- and race), which keeps claims in time order, so a rate limit loses no slots to reordering.
  PERFORM pg_advisory_xact_lock(hashtext('edgeq:flow:{{schema}}'), hashtext(length(p_ns) || ':' || p_ns || p_queue));
  INSERT INTO {{schema}}.flow (ns, queue) VALUES (p_ns, p_queue) ON CONFLICT DO NOTHING;
  SELECT f.tat, f.serve INTO v_tat, v_serve FROM {{schema}}.flow f
    WHERE f.ns = p_ns AND f.queue = p_queue;

  v_room := least(p_limit, v_conc - (SELECT count(*) FROM {{schema}}.jobs a
      WHERE a.ns = p_ns AND a.queue = p_queue AND a.state = 'active'
        AND a.lease_expires_at > p_now AND a.id <> ALL (p_acked)),
    {{schema}}.rate_allowance(v_rate, v_tat, p_now));
  IF v_room <= 0 THEN
    RETURN;
  END IF;

  RETURN QUERY
  WITH RECURSIVE keys AS (
    -- Distinct keys with waiting jobs: one index seek per key (a skip scan), not per job.
    (SELECT j.group_key AS k FROM {{schema}}.jobs j
      WHERE j.ns = p_ns AND j.queue = p_queue AND j.state = 'queued'
      ORDER BY j.group_key LIMIT 1)
    UNION ALL
    SELECT (SELECT j.group_key FROM {{schema}}.jobs j
      WHERE j.ns = p_ns AND j.queue = p_queue AND j.state = 'queued' AND j.group_key > keys.k
      ORDER BY j.group_key LIMIT 1)
    FROM keys WHERE keys.k IS NOT NULL
  ), roomy AS (
    -- Room per key: '' has no group limits; least() ignores the limits that are not set.
    SELECT keys.k, coalesce(g.last_served, 0) AS served,
      CASE WHEN keys.k = '' THEN v_room ELSE least(v_room,
        v_gconc - (SELECT count(*) FROM {{schema}}.jobs a
          WHERE a.ns = p_ns AND a.queue = p_queue AND a.group_key = keys.k
            AND a.state = 'active' AND a.lease_expires_at > p_now AND a.id <> ALL (p_acked)),
        {{schema}}.rate_allowance(v_grate, coalesce(g.tat, 0), p_now)) END AS room
    FROM keys LEFT JOIN {{schema}}.flow_groups g
      ON g.ns = p_ns AND g.queue = p_queue AND g.group_key = keys.k
    WHERE keys.k IS NOT NULL
  ), cand AS (
    -- Each open key's best due jobs, at most its room: a bounded seek per key.
    SELECT roomy.k, roomy.served, c.id,
      row_number() OVER (PARTITION BY roomy.k ORDER BY c.priority DESC, c.run_at, c.id) AS r
    FROM roomy CROSS JOIN LATERAL (
      SELECT j.id, j.priority, j.run_at FROM {{schema}}.jobs j
      WHERE j.ns = p_ns AND j.queue = p_queue AND j.group_key = roomy.k AND j.state = 'queued'
        AND j.run_at <= p_now AND (j.expires_at IS NULL OR j.expires_at > p_now)
      ORDER BY j.priority DESC, j.run_at, j.id
      LIMIT roomy.room) c
    WHERE roomy.room > 0
  ), chosen AS (
    -- Round-robin: round r takes the r-th job of every key, least recently served key first.
    SELECT cand.id, cand.k,
      row_number() OVER (ORDER BY cand.r, cand.served, cand.k COLLATE "C") AS ord
    FROM cand ORDER BY cand.r, cand.served, cand.k COLLATE "C" LIMIT v_room
  ), leased AS (
    -- Re-checked on the row: a job cancelled, debounced later or leased meanwhile is skipped.
    UPDATE {{schema}}.jobs j SET state = 'active', attempt = j.attempt + 1,
        lease_token = p_token, lease_expires_at = p_now + coalesce(p_lease_ms, j.lease_ms),
        updated_at = p_now, debounce_slot = NULL
      FROM chosen c
      WHERE j.ns = p_ns AND j.id = c.id AND j.state = 'queued' AND j.run_at <= p_now
        AND (j.expires_at IS NULL OR j.expires_at > p_now)
      RETURNING c.ord, c.k, j.id, j.queue, j.payload, j.priority, j.attempt, j.max_attempts,
        j.lease_token, j.lease_expires_at, j.created_at, j.run_at, nullif(j.group_key, '') AS group_key
  ), seq AS (
    SELECT l.k, row_number() OVER (ORDER BY l.ord) AS n FROM leased l
  ), per AS (
    SELECT seq.k, count(*) AS taken, max(seq.n) AS last FROM seq GROUP BY seq.k
  ), queue_state AS (
    UPDATE {{schema}}.flow f SET
        tat = {{schema}}.rate_advance(v_rate, f.tat, p_now, (SELECT count(*) FROM leased)),
        serve = f.serve + (SELECT count(*) FROM leased)
      WHERE f.ns = p_ns AND f.queue = p_queue
  ), key_state AS (
    INSERT INTO {{schema}}.flow_groups AS g (ns, queue, group_key, tat, last_served)
      SELECT p_ns, p_queue, per.k,
        CASE WHEN per.k = '' THEN 0 ELSE {{schema}}.rate_advance(v_grate, 0, p_now, per.taken) END,
        v_serve + per.last
      -- A claim that served only jobs without a group records nothing, as the plain path does.
      FROM per WHERE per.k <> '' OR EXISTS (SELECT 1 FROM per p2 WHERE p2.k <> '')
      ON CONFLICT (ns, queue, group_key) DO UPDATE SET
        tat = CASE WHEN g.group_key = '' THEN g.tat
          ELSE {{schema}}.rate_advance(v_grate, g.tat, p_now, (SELECT per.taken FROM per WHERE per.k = g.group_key)) END,
        last_served = EXCLUDED.last_served
  )
  SELECT to_jsonb(l) - 'k' FROM leased l ORDER BY l.ord;
END
$$;
