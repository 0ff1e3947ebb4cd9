/**
 * Applies the bundled migrations (./migrations/*.sql, compiled into migrations.generated.ts so a
 * Worker needs no filesystem). One read to learn the version; pending migrations and their
 * version rows go in one `BEGIN IMMEDIATE` batch, so concurrent first users apply them once.
 */
import type { Client, InStatement } from '@libsql/client';
import { splitStatements } from '../sql-split.js';
import { MIGRATIONS } from './migrations.generated.js';

const VERSION_TABLE = `CREATE TABLE IF NOT EXISTS edgeq_migrations (
  version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`;

export async function migrate(client: Client, localFile: boolean): Promise<void> {
  if (localFile) {
    // WAL lets readers run beside the single writer; it is a property of the file, set once.
    await client.execute('PRAGMA journal_mode = WAL');
  }
  let current = 0;
  try {
    const rs = await client.execute('SELECT max(version) AS v FROM edgeq_migrations');
    current = Number(rs.rows[0]?.v ?? 0);
  } catch (err) {
    if (!/no such table/i.test(String((err as Error).message))) throw err;
  }
  const pending = MIGRATIONS.filter((m) => m.version > current);
  if (!pending.length) return;
  const stmts: InStatement[] = [VERSION_TABLE];
  for (const m of pending) {
    stmts.push(...splitStatements(m.sql));
    stmts.push({
      sql: 'INSERT INTO edgeq_migrations (version, name, applied_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
      args: [m.version, m.name, Date.now()],
    });
  }
  await client.batch(stmts, 'write');
}
