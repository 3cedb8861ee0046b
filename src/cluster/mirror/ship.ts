// Sends what this node wrote to PostgreSQL: the outbox of mirrored-table rows (the latest image of each
// row per batch) and its new events (appended to the global stream). One batch is one PostgreSQL
// transaction under this node's ship lock, so an admin command and `serve` on the same data directory
// never interleave; the outbox rows are deleted (and the events cursor moved) only after it commits,
// and shipping twice is harmless (upserts; events are unique per node and local id).
import type { PoolClient } from 'pg';
import type { Db } from '../../store/db.js';
import type { SharedDb } from '../pg.js';
import { CHANGES_LOCK, pgDeleteMany, pgUpsertMany } from './ddl.js';
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
  op: 'upsert' | 'delete';
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

  /** One statement per table and operation: the batch's last images have distinct keys. */
  private async shipRows(c: PoolClient, outbox: OutboxRow[]): Promise<void> {
    await c.query('SELECT pg_advisory_xact_lock($1)', [CHANGES_LOCK]);
    const groups = new Map<string, { shape: TableShape; op: OutboxRow['op']; rows: string[] }>();
    for (const r of latestImages(outbox, this.shapes)) {
      const shape = this.shapes.get(r.tbl);
      if (!shape) continue; // a table this version no longer mirrors
      const key = `${r.tbl} ${r.op}`;
      const group = groups.get(key) ?? { shape, op: r.op, rows: [] };
      group.rows.push(r.row);
      groups.set(key, group);
    }
    for (const g of groups.values()) {
      await c.query(g.op === 'upsert' ? pgUpsertMany(g.shape) : pgDeleteMany(g.shape), [`[${g.rows.join(',')}]`]);
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

/** The last image of each row in the batch, in the order of those last writes (pure). */
export function latestImages(outbox: OutboxRow[], shapes: Map<string, TableShape>): OutboxRow[] {
  const last = new Map<string, OutboxRow>();
  for (const r of outbox) {
    const shape = shapes.get(r.tbl);
    const row = JSON.parse(r.row) as Record<string, unknown>;
    const key = `${r.tbl}\u0000${JSON.stringify((shape?.key ?? []).map((k) => row[k]))}`;
    last.delete(key); // re-insert so the map's order is the order of last writes
    last.set(key, r);
  }
  return [...last.values()];
}
