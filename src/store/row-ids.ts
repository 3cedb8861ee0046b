// Integer ids of rows that several nodes create in the same shared table (campaign_sends, inbox_messages,
// shaping_actions). Alone, SQLite picks max + 1. In a cluster, two nodes would pick the same number, so
// each node owns a slot (0..1023, from the node registry) and its ids are (next block << 10) | slot.
import type { Db } from './db.js';

const SLOT_BITS = 10;
const slots = new WeakMap<Db, number>();

/** Give the connection's new shared rows ids in `slot` (cluster mode). */
export function useRowIdSlot(db: Db, slot: number): void {
  if (!Number.isInteger(slot) || slot < 0 || slot >= 1 << SLOT_BITS) throw new Error(`row id slot ${slot} out of range`);
  slots.set(db, slot);
}

/** The id for a new row of `table` on this connection, or null to let SQLite choose (one node). */
export function nextRowId(db: Db, table: 'campaign_sends' | 'inbox_messages' | 'shaping_actions'): number | null {
  const slot = slots.get(db);
  if (slot === undefined) return null;
  const row = db.prepare(`SELECT max(id) AS m FROM ${table}`).get() as { m: number | null };
  const block = Math.floor((row.m ?? 0) / (1 << SLOT_BITS)) + 1;
  return block * (1 << SLOT_BITS) + slot;
}
