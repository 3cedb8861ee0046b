// How far the campaign watchers have read the events table and the inbound mail (campaign_cursors),
// so a restart neither misses a stop nor applies one twice. New databases start at the current end.
import type { Db } from '../store/db.js';

export class Cursors {
  private readonly read;
  private readonly write;

  constructor(db: Db) {
    this.read = db.prepare('SELECT position FROM campaign_cursors WHERE name = ?').pluck();
    this.write = db.prepare('INSERT INTO campaign_cursors (name, position) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET position = excluded.position');
  }

  /** The position of `name`; the first time, `initial()` (stored, so it does not move later). */
  get(name: string, initial: () => number): number {
    const found = this.read.get(name) as number | undefined;
    if (found !== undefined) return found;
    const start = initial();
    this.write.run(name, start);
    return start;
  }

  set(name: string, position: number): void {
    this.write.run(name, position);
  }
}
