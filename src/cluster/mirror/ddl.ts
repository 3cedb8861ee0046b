// The PostgreSQL side of the mirrored tables, derived from the SQLite schema (src/store/schema.ts is
// the one list): each table with its columns and primary key, columns added when a migration added
// them, and the trigger that writes every change to the change log. Pure: shapes in, SQL out.
import { ident, type TableShape } from './tables.js';

/** Writers of mirrored tables hold this transaction lock, so change-log seqs commit in order. */
export const CHANGES_LOCK = 7_283_001;

export function pgType(sqliteType: string): string {
  const t = sqliteType.toUpperCase();
  if (t.includes('INT')) return 'BIGINT';
  if (t.includes('REAL') || t.includes('FLOA') || t.includes('DOUB')) return 'DOUBLE PRECISION';
  if (t.includes('BLOB')) return 'BYTEA';
  return 'TEXT';
}

/** Statements that bring PostgreSQL's copy of `shape` up to date; each is safe to run again. */
export function mirrorDdl(shape: TableShape): string[] {
  const t = ident(shape.name);
  const cols = shape.columns.map((c) => `${ident(c.name)} ${pgType(c.type)}`);
  return [
    `CREATE TABLE IF NOT EXISTS ${t} (${cols.join(', ')}, PRIMARY KEY (${shape.key.map(ident).join(', ')}))`,
    ...shape.columns.map((c) => `ALTER TABLE ${t} ADD COLUMN IF NOT EXISTS ${ident(c.name)} ${pgType(c.type)}`),
    `DROP TRIGGER IF EXISTS petrel_changes ON ${t}`,
    `CREATE TRIGGER petrel_changes AFTER INSERT OR UPDATE OR DELETE ON ${t} FOR EACH ROW EXECUTE FUNCTION petrel_log_change()`,
  ];
}

/** The change-log trigger function: no-op updates are not logged; one notification per transaction. */
export const CHANGE_FUNCTION = `
CREATE OR REPLACE FUNCTION petrel_log_change() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW IS NOT DISTINCT FROM OLD THEN RETURN NULL; END IF;
  PERFORM pg_advisory_xact_lock(${CHANGES_LOCK});
  IF TG_OP = 'DELETE' THEN
    INSERT INTO changes (tbl, op, row) VALUES (TG_TABLE_NAME, 'delete', to_jsonb(OLD));
  ELSE
    INSERT INTO changes (tbl, op, row) VALUES (TG_TABLE_NAME, 'upsert', to_jsonb(NEW));
  END IF;
  PERFORM pg_notify('petrel_changes', '');
  RETURN NULL;
END $$ LANGUAGE plpgsql`;

/**
 * Upsert many rows given as a JSON array (one statement per table and batch); rows PostgreSQL already
 * has unchanged are left alone, so they log no change. The keys must be distinct (ship.ts latestImages).
 */
export function pgUpsertMany(shape: TableShape): string {
  const t = ident(shape.name);
  const cols = shape.columns.map((c) => ident(c.name));
  const rest = shape.columns.filter((c) => c.pk === 0).map((c) => ident(c.name));
  const set = rest.map((c) => `${c} = EXCLUDED.${c}`).join(', ');
  const changed = `(${rest.map((c) => `${t}.${c}`).join(', ')}) IS DISTINCT FROM (${rest.map((c) => `EXCLUDED.${c}`).join(', ')})`;
  const onConflict = rest.length === 0 ? 'DO NOTHING' : `DO UPDATE SET ${set} WHERE ${changed}`;
  return `INSERT INTO ${t} (${cols.join(', ')}) SELECT ${cols.join(', ')} FROM jsonb_populate_recordset(NULL::${t}, $1::jsonb) ` +
    `ON CONFLICT (${shape.key.map(ident).join(', ')}) ${onConflict}`;
}

/** Delete many rows by the key fields of a JSON array of objects. */
export function pgDeleteMany(shape: TableShape): string {
  const t = ident(shape.name);
  const match = shape.key.map((k) => `${t}.${ident(k)} = r.${ident(k)}`).join(' AND ');
  return `DELETE FROM ${t} USING jsonb_populate_recordset(NULL::${t}, $1::jsonb) r WHERE ${match}`;
}

/**
 * Update the given columns of rows that exist (a JSON array of key + those columns); a row another node
 * deleted meanwhile stays deleted. Unchanged rows are not touched, so they log no change.
 */
export function pgUpdateMany(shape: TableShape, columns: string[]): string {
  const t = ident(shape.name);
  const cols = columns.map(ident);
  const match = shape.key.map((k) => `${t}.${ident(k)} = r.${ident(k)}`).join(' AND ');
  return `UPDATE ${t} SET ${cols.map((c) => `${c} = r.${c}`).join(', ')} FROM jsonb_populate_recordset(NULL::${t}, $1::jsonb) r ` +
    `WHERE ${match} AND (${cols.map((c) => `${t}.${c}`).join(', ')}, NULL) IS DISTINCT FROM (${cols.map((c) => `r.${c}`).join(', ')}, NULL)`;
}
