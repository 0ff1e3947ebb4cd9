-- edgeq libSQL/SQLite schema, version 2: named configuration (schedules, queue settings).
CREATE TABLE IF NOT EXISTS edgeq_config (
  kind       TEXT    NOT NULL,
  ns         TEXT    NOT NULL,
  name       TEXT    NOT NULL,
  value      TEXT    NOT NULL,
  -- A schedule's progress marker; only ever raised (racing ticks cannot move it back).
  cursor     INTEGER,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (kind, ns, name)
);
