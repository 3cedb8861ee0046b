// Opens Petrel's embedded SQLite database: WAL with synchronous=FULL, so a committed transaction is
// on disk when commit returns. Migrations run in order, once; a failure leaves the database unchanged.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { MIGRATIONS, type Migration } from './schema.js';

export type Db = Database.Database;

/**
 * Open (creating if needed) the database at `file` and bring its schema up to date. `synchronous`
 * NORMAL skips the fsync per commit (still safe against a process crash in WAL mode): the delivery
 * scheduler's own connection uses it, since losing its last updates only means a delivery is retried.
 */
export function openDatabase(file: string, opts: { synchronous?: 'FULL' | 'NORMAL' } = {}): Db {
  mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${opts.synchronous ?? 'FULL'}`);
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return db;
}

function migrate(db: Db): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
  const row = db.prepare('SELECT version FROM schema_version').get() as { version: number } | undefined;
  const current = row?.version ?? 0;
  const apply = db.transaction(() => {
    for (let v = current; v < MIGRATIONS.length; v++) db.exec(sqliteOf(MIGRATIONS[v]!));
    db.prepare('DELETE FROM schema_version').run();
    db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(MIGRATIONS.length);
  });
  if (current < MIGRATIONS.length) apply();
}

function sqliteOf(m: Migration): string {
  return typeof m === 'string' ? m : m.sqlite;
}
