/**
 * drizzle-orm view of the schema in ./migrations (the SQL there is the source of truth; these
 * definitions type the reads). Column names match the SQL exactly.
 */
import { integer, real, sqliteTable, text } from 'drizzle-orm/sqlite-core';

export const jobs = sqliteTable('edgeq_jobs', {
  ns: text('ns').notNull(),
  id: text('id').notNull(),
  queue: text('queue').notNull(),
  state: text('state', {
    enum: ['queued', 'active', 'completed', 'dead', 'cancelled'],
  }).notNull(),
  payload: text('payload').notNull(),
  priority: integer('priority').notNull(),
  attempt: integer('attempt').notNull(),
  maxAttempts: integer('max_attempts').notNull(),
  runAt: integer('run_at').notNull(),
  leaseMs: integer('lease_ms').notNull(),
  leaseToken: text('lease_token'),
  leaseExpiresAt: integer('lease_expires_at'),
  idemKey: text('idem_key'),
  groupKey: text('group_key'),
  expiresAt: integer('expires_at'),
  debounceKey: text('debounce_key'),
  /** The job's own BackoffPolicy, JSON. */
  backoff: text('backoff'),
  result: text('result'),
  lastError: text('last_error'),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
  finishedAt: integer('finished_at'),
});

export const queues = sqliteTable('edgeq_queues', {
  ns: text('ns').notNull(),
  name: text('name').notNull(),
  paused: integer('paused').notNull(),
  createdAt: integer('created_at').notNull(),
  tat: real('tat').notNull(),
  serve: integer('serve').notNull(),
});

export type JobRow = typeof jobs.$inferSelect;
