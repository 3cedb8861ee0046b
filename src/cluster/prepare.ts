// Makes a SQLite connection a cluster writer: its writes to shared tables go to the outbox, and the
// shared rows it creates take ids in this node's slot. Every connection that writes needs it (serve's,
// the scheduler's, the queue's commit thread, an admin command's); the applier's must not have it.
import type { Db } from '../store/db.js';
import { useRowIdSlot } from '../store/row-ids.js';
import { installCapture } from './mirror/capture.js';
import { tableShapes } from './mirror/tables.js';

export function prepareClusterConnection(db: Db, slot: number): void {
  installCapture(db, tableShapes(db));
  useRowIdSlot(db, slot);
}
