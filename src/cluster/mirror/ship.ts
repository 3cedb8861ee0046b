// Sends what this node wrote to PostgreSQL: the outbox of mirrored-table rows (the latest image of each
// row per batch) and its new events (appended to the global stream). One batch is one PostgreSQL
// transaction under this node's ship lock, so an admin command and `serve` on the same data directory
// never interleave; the outbox rows are deleted (and the events cursor moved) only after it commits,
// and shipping twice is harmless (upserts; events are unique per node and local id).
import type { PoolClient } from 'pg';
import type { Db } from '../../store/db.js';
import type { SharedDb } from '../pg.js';
import { CHANGES_LOCK, pgDeleteMany, pgUpdateMany, pgUpsertMany } from './ddl.js';
import type { TableShape } from './tables.js';
import { readState, writeState } from './state.js';

/** Shippers of one node take this lock (with the node's name hashed as the second key). */
const SHIP_LOCK = 7_283_002;
/** Appenders to the global events stream take this one, so event ids commit in order. */
export const EVENTS_LOCK = 7_283_004;

const OUTBOX_BATCH = 1000;
const EVENTS_BATCH = 2000;

interface OutboxRow {
  seq: number;
  tbl: string;
  /** upsert: the whole row; update: its key and the columns changed; delete: its key. */
  op: 'upsert' | 'update' | 'delete';
  row: string;
}

export interface ShipResult {
  rows: number;
  events: number;
}

const EVENT_COLUMNS = `id bigint, at bigint, type text, message_id text, recipient text, sender text, sending_domain text,
  source_ip text, mx text, code integer, enhanced text, text text, class text, reason text, data text`;

export class Shipper {
  private readonly shapes: Map<string, TableShape>;

  constructor(private readonly db: Db, private readonly shared: SharedDb, shapes: TableShape[], private readonly node: string) {
    this.shapes = new Map(shapes.map((s) => [s.name, s]));
  }

  /** Rows and events not yet in PostgreSQL (for /readyz and tests). */
  backlog(): ShipResult {
    const rows = (this.db.prepare('SELECT count(*) AS n FROM cluster_outbox').get() as { n: number }).n;
    const after = Number(readState(this.db, 'events') ?? 0);
    const events = (this.db.prepare('SELECT count(*) AS n FROM events WHERE id > ?').get(after) as { n: number }).n;
    return { rows, events };
  }

  /** Ship one batch; resolves with what it shipped (0 and 0: nothing was waiting). */
  async shipOnce(): Promise<ShipResult> {
    if (!this.pending()) return { rows: 0, events: 0 };
    let outbox: OutboxRow[] = [];
    let events: Record<string, unknown>[] = [];
    await this.shared.tx(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [SHIP_LOCK, this.node]);
      // Read under the lock: everything another shipper has not deleted yet is in this batch, in order.
      outbox = this.db.prepare('SELECT seq, tbl, op, row FROM cluster_outbox ORDER BY seq LIMIT ?').all(OUTBOX_BATCH) as OutboxRow[];
      const after = Number(readState(this.db, 'events') ?? 0);
      events = this.db.prepare('SELECT * FROM events WHERE id > ? ORDER BY id LIMIT ?').all(after, EVENTS_BATCH) as Record<string, unknown>[];
      if (outbox.length > 0) await this.shipRows(c, outbox);
      if (events.length > 0) await this.shipEvents(c, events);
    });
    const done = this.db.transaction(() => {
      if (outbox.length > 0) this.db.prepare('DELETE FROM cluster_outbox WHERE seq <= ?').run(outbox[outbox.length - 1]!.seq);
      if (events.length > 0) writeState(this.db, 'events', String(events[events.length - 1]!.id), 'max');
    });
    done.immediate();
    return { rows: outbox.length, events: events.length };
  }

  /** Ship until nothing waits (an admin command before it exits). */
  async drain(): Promise<ShipResult> {
    const total = { rows: 0, events: 0 };
    for (;;) {
      const r = await this.shipOnce();
      total.rows += r.rows;
      total.events += r.events;
      if (r.rows === 0 && r.events === 0) return total;
    }
  }

  private pending(): boolean {
    if (this.db.prepare('SELECT 1 FROM cluster_outbox LIMIT 1').get() !== undefined) return true;
    const after = Number(readState(this.db, 'events') ?? 0);
    return this.db.prepare('SELECT 1 FROM events WHERE id > ? LIMIT 1').get(after) !== undefined;
  }

  /** One statement per table and operation (and, for updates, set of columns): keys are distinct. */
  private async shipRows(c: PoolClient, outbox: OutboxRow[]): Promise<void> {
    await c.query('SELECT pg_advisory_xact_lock($1)', [CHANGES_LOCK]);
    const groups = new Map<string, { shape: TableShape; op: OutboxRow['op']; columns: string[]; rows: string[] }>();
    for (const r of latestImages(outbox, this.shapes)) {
      const shape = this.shapes.get(r.tbl);
      if (!shape) continue; // a table this version no longer mirrors
      const known = new Set(shape.columns.map((col) => col.name));
      const columns = r.op === 'update' ? Object.keys(JSON.parse(r.row) as object).filter((k) => known.has(k) && !shape.key.includes(k)).sort() : [];
      if (r.op === 'update' && columns.length === 0) continue;
      const key = `${r.tbl} ${r.op} ${columns.join(',')}`;
      const group = groups.get(key) ?? { shape, op: r.op, columns, rows: [] };
      group.rows.push(r.row);
      groups.set(key, group);
    }
    for (const g of groups.values()) {
      const sql = g.op === 'upsert' ? pgUpsertMany(g.shape) : g.op === 'update' ? pgUpdateMany(g.shape, g.columns) : pgDeleteMany(g.shape);
      await c.query(sql, [`[${g.rows.join(',')}]`]);
    }
  }

  private async shipEvents(c: PoolClient, events: Record<string, unknown>[]): Promise<void> {
    await c.query('SELECT pg_advisory_xact_lock($1)', [EVENTS_LOCK]);
    await c.query(
      `INSERT INTO events (node, local_id, at, type, message_id, recipient, sender, sending_domain, source_ip, mx,
         code, enhanced, text, class, reason, data)
       SELECT $1, id, at, type, message_id, recipient, sender, sending_domain, source_ip, mx, code, enhanced, text,
         class, reason, data FROM jsonb_to_recordset($2::jsonb) AS r(${EVENT_COLUMNS}) ORDER BY id
       ON CONFLICT (node, local_id) DO NOTHING`,
      [this.node, JSON.stringify(events)],
    );
  }
}

/**
 * What the batch does to each row, in the order of its last write (pure): updates merge into the row's
 * earlier image (an insert and then updates are one whole row), a delete resets it, a later insert
 * replaces it.
 */
export function latestImages(outbox: OutboxRow[], shapes: Map<string, TableShape>): OutboxRow[] {
  const last = new Map<string, { r: OutboxRow; row: Record<string, unknown> }>();
  for (const r of outbox) {
    const shape = shapes.get(r.tbl);
    const row = JSON.parse(r.row) as Record<string, unknown>;
    const key = `${r.tbl}\u0000${JSON.stringify((shape?.key ?? []).map((k) => row[k]))}`;
    const before = last.get(key);
    last.delete(key); // re-insert so the map's order is the order of last writes
    if (r.op === 'update' && before && before.r.op !== 'delete') {
      last.set(key, { r: { ...r, op: before.r.op }, row: { ...before.row, ...row } });
    } else {
      last.set(key, { r, row });
    }
  }
  return [...last.values()].map(({ r, row }) => ({ ...r, row: JSON.stringify(row) }));
}
