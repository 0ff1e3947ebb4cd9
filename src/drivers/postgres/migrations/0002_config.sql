-- edgeq Postgres schema, version 2: named configuration (schedules, queue settings).
CREATE TABLE IF NOT EXISTS {{schema}}.config (
  kind       text   NOT NULL,
  ns         text   NOT NULL,
  name       text   NOT NULL,
  value      text   NOT NULL,
  -- A schedule's progress marker; only ever raised (racing ticks cannot move it back).
  cursor     bigint,
  updated_at bigint NOT NULL,
  PRIMARY KEY (kind, ns, name)
);
