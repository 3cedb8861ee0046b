// This node's cluster bookkeeping in its own SQLite (cluster_state): the last change applied, the last
// event shipped, its row-id slot, whether its shared state was migrated. Small synchronous reads/writes.
import type { Db } from '../../store/db.js';

export type StateKey = 'changes' | 'events' | 'slot' | 'migrated' | 'node';

export function readState(db: Db, key: StateKey): string | null {
  const row = db.prepare('SELECT value FROM cluster_state WHERE key = ?').get(key) as { value: string } | undefined;
  return row?.value ?? null;
}

/** Write a value; with 'max', a numeric cursor only ever moves forward (two writers may race). */
export function writeState(db: Db, key: StateKey, value: string, mode: 'set' | 'max' = 'set'): void {
  if (mode === 'max') {
    db.prepare(`INSERT INTO cluster_state (key, value) VALUES (?, ?)
      ON CONFLICT (key) DO UPDATE SET value = CAST(max(CAST(value AS INTEGER), CAST(excluded.value AS INTEGER)) AS TEXT)`).run(key, value);
    return;
  }
  db.prepare('INSERT INTO cluster_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
}
