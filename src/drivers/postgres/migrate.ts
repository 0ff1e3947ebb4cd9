/**
 * Applies the bundled migrations (./migrations/*.sql, compiled into migrations.generated.ts so a
 * Worker needs no filesystem) to the configured schema: one read to learn the version, then the
 * pending migrations as one non-interactive batch that first takes a transaction-scoped advisory
 * lock, so concurrent first users apply them once. `edgeq migrate` runs the same.
 */
import { sql } from 'drizzle-orm';
import type { PgTransport } from './driver.js';
import { MIGRATIONS } from './migrations.generated.js';

/** Postgres error codes for a missing table or schema. */
const MISSING = new Set(['42P01', '3F000']);

function pgCode(err: unknown): string | undefined {
  // drizzle wraps driver errors (DrizzleQueryError) with the original as `cause`.
  for (let e = err as { code?: unknown; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (typeof e.code === 'string') return e.code;
  }
  return undefined;
}

export async function currentVersion(t: PgTransport, schema: string): Promise<number> {
  try {
    const rows = await t.execute(
      sql`SELECT coalesce(max(version), 0)::int AS v FROM ${sql.identifier(schema)}.${sql.identifier('migrations')}`,
    );
    return Number(rows[0]?.v ?? 0);
  } catch (err) {
    if (MISSING.has(pgCode(err) ?? '')) return 0;
    throw err;
  }
}

/** Returns the migrations it applied. The schema name was validated by the driver. */
export async function migrate(t: PgTransport, schema: string): Promise<number[]> {
  const current = await currentVersion(t, schema);
  const todo = MIGRATIONS.filter((m) => m.version > current);
  if (!todo.length) return [];
  const q = `"${schema}"`;
  const stmts = [
    `SELECT pg_advisory_xact_lock(hashtext('edgeq:migrate:${schema}'))`,
    `CREATE SCHEMA IF NOT EXISTS ${q}`,
    `CREATE TABLE IF NOT EXISTS ${q}.migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
  ];
  for (const m of todo) {
    stmts.push(...splitPgStatements(m.sql.replaceAll('{{schema}}', q)));
    stmts.push(
      `INSERT INTO ${q}.migrations (version, name) VALUES (${m.version}, '${m.name}') ON CONFLICT DO NOTHING`,
    );
  }
  await t.batch(stmts);
  return todo.map((m) => m.version);
}

/**
 * Splits a migration into statements: each ends with `;` at the end of a line, except inside a
 * dollar-quoted function body (`$$ ... $$`), whose own statements end lines with `;` too. Lines
 * that are only a comment are dropped (neon-http sends each statement as its own query).
 */
export function splitPgStatements(text: string): string[] {
  const out: string[] = [];
  let current: string[] = [];
  let inBody = false;
  for (const line of text.split('\n')) {
    if (!inBody && /^\s*--/.test(line)) continue;
    current.push(line);
    if ((line.match(/\$\$/g)?.length ?? 0) % 2 === 1) inBody = !inBody;
    if (!inBody && /;\s*$/.test(line)) {
      out.push(current.join('\n').trim().replace(/;$/, ''));
      current = [];
    }
  }
  const rest = current.join('\n').trim();
  if (rest) out.push(rest);
  return out.filter(Boolean);
}
