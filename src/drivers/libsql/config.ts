/** Statements for named configuration (edgeq_config): one statement per call. */
import type { InStatement } from '@libsql/client';
import type {
  AdvanceCursorParams,
  ConfigParams,
  DeleteConfigParams,
  PutConfigParams,
} from '../types.js';

/** Upsert that keeps the cursor of an existing entry. */
export const putConfig = (p: PutConfigParams): InStatement => ({
  sql: `INSERT INTO edgeq_config (kind, ns, name, value, updated_at) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (kind, ns, name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
  args: [p.kind, p.ns, p.name, p.value, p.now],
});

export const deleteConfig = (p: DeleteConfigParams): InStatement => ({
  sql: 'DELETE FROM edgeq_config WHERE kind = ? AND ns = ? AND name = ? RETURNING name',
  args: [p.kind, p.ns, p.name],
});

export const configs = (p: ConfigParams): InStatement =>
  p.ns === undefined
    ? { sql: 'SELECT * FROM edgeq_config WHERE kind = ? ORDER BY ns, name', args: [p.kind] }
    : {
        sql: 'SELECT * FROM edgeq_config WHERE kind = ? AND ns = ? ORDER BY name',
        args: [p.kind, p.ns],
      };

export const advanceCursor = (p: AdvanceCursorParams): InStatement => ({
  sql: `UPDATE edgeq_config SET cursor = ? WHERE kind = ? AND ns = ? AND name = ?
    AND (cursor IS NULL OR cursor < ?)`,
  args: [p.cursor, p.kind, p.ns, p.name, p.cursor],
});
