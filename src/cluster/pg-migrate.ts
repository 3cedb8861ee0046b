// Brings PostgreSQL's schema to this build's version: the `postgres` parts of src/store/schema.ts's
// list in order, then the mirrored tables derived from the SQLite schema, all in one transaction under
// an advisory lock (nodes may start together). A database newer than this build is refused.
import { MIGRATIONS } from '../store/schema.js';
import { CHANGE_FUNCTION, mirrorDdl } from './mirror/ddl.js';
import type { TableShape } from './mirror/tables.js';
import type { SharedDb } from './pg.js';

const MIGRATE_LOCK = 7_283_000;

export async function migrateShared(shared: SharedDb, shapes: TableShape[]): Promise<{ from: number; to: number }> {
  return shared.tx(async (c) => {
    await c.query('SELECT pg_advisory_xact_lock($1)', [MIGRATE_LOCK]);
    await c.query('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
    const { rows } = await c.query<{ version: number }>('SELECT version FROM schema_version');
    const from = rows[0]?.version ?? 0;
    if (from > MIGRATIONS.length) {
      throw new Error(`PostgreSQL's schema is version ${from}, newer than this Petrel (${MIGRATIONS.length}): upgrade this node`);
    }
    for (let v = from; v < MIGRATIONS.length; v++) {
      const m = MIGRATIONS[v]!;
      if (typeof m !== 'string' && m.postgres.trim()) await c.query(m.postgres);
    }
    const { rows: [t] } = await c.query<{ n: string }>("SELECT count(*) AS n FROM pg_trigger WHERE tgname = 'petrel_changes'");
    if (from < MIGRATIONS.length || Number(t!.n) !== shapes.length) {
      await c.query(CHANGE_FUNCTION);
      for (const shape of shapes) for (const sql of mirrorDdl(shape)) await c.query(sql);
    }
    await c.query('DELETE FROM schema_version');
    await c.query('INSERT INTO schema_version (version) VALUES ($1)', [MIGRATIONS.length]);
    return { from, to: MIGRATIONS.length };
  });
}
