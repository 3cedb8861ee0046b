// Brings this node's copy of the mirrored tables up to PostgreSQL's: applies the change log after the
// node's cursor, in order, in one SQLite transaction per batch (cursor included), on a connection of its
// own that has no capture triggers and no foreign-key actions (the origin's cascades arrive as changes).
// A node that is new, or whose cursor fell behind the pruned log, copies every table first (snapshot).
import type { Statement } from 'better-sqlite3';
import type { Db } from '../../store/db.js';
import type { SharedDb } from '../pg.js';
import { ident, type TableShape } from './tables.js';
import { readState, writeState } from './state.js';

const BATCH = 2000;

interface Change {
  seq: string; // BIGSERIAL arrives as a string
  tbl: string;
  op: 'upsert' | 'delete';
  row: Record<string, unknown>;
}

export interface Applied {
  changes: number;
  tables: Set<string>;
  snapshot: boolean;
}

export class Applier {
  private readonly shapes: Map<string, TableShape>;
  private readonly upserts = new Map<string, Statement<unknown[]>>();

  constructor(private readonly db: Db, private readonly shared: SharedDb, shapes: TableShape[]) {
    this.shapes = new Map(shapes.map((s) => [s.name, s]));
    db.pragma('foreign_keys = OFF');
  }

  cursor(): number {
    return Number(readState(this.db, 'changes') ?? -1);
  }

  /** Apply everything committed in PostgreSQL so far. */
  async catchUp(): Promise<Applied> {
    const total: Applied = { changes: 0, tables: new Set(), snapshot: false };
    if (await this.needsSnapshot()) {
      const n = await this.snapshot();
      total.snapshot = true;
      total.changes += n;
      for (const s of this.shapes.keys()) total.tables.add(s);
    }
    for (;;) {
      const after = this.cursor();
      const { rows } = await this.shared.query<Change>('SELECT seq, tbl, op, row FROM changes WHERE seq > $1 ORDER BY seq LIMIT $2', [after, BATCH]);
      if (rows.length === 0) return total;
      this.applyBatch(rows);
      total.changes += rows.length;
      for (const r of rows) total.tables.add(r.tbl);
      if (rows.length < BATCH) return total;
    }
  }

  private async needsSnapshot(): Promise<boolean> {
    const cursor = this.cursor();
    if (cursor < 0) return true;
    // A cursor short of the last pruned change missed changes that are gone.
    const { rows } = await this.shared.query<{ value: string }>("SELECT value FROM cluster_meta WHERE key = 'changes-pruned-through'");
    return rows.length > 0 && cursor < Number(rows[0]!.value);
  }

  /** Copy every mirrored table as of one PostgreSQL snapshot, and the change seq it corresponds to. */
  private async snapshot(): Promise<number> {
    const copy = await this.shared.tx(async (c) => {
      const { rows: [top] } = await c.query<{ seq: string }>('SELECT coalesce(max(seq), 0) AS seq FROM changes');
      const tables: Array<{ shape: TableShape; rows: Record<string, unknown>[] }> = [];
      for (const shape of this.shapes.values()) {
        const { rows } = await c.query<{ r: Record<string, unknown> }>(`SELECT to_jsonb(t) AS r FROM ${ident(shape.name)} t`);
        tables.push({ shape, rows: rows.map((x) => x.r) });
      }
      return { seq: top!.seq, tables };
    }, 'REPEATABLE READ');
    let n = 0;
    this.db.transaction(() => {
      for (const { shape, rows } of copy.tables) {
        this.db.prepare(`DELETE FROM ${ident(shape.name)}`).run();
        for (const row of rows) this.upsert(shape, row);
        n += rows.length;
      }
      writeState(this.db, 'changes', copy.seq);
    }).immediate();
    return n;
  }

  private applyBatch(rows: Change[]): void {
    this.db.transaction(() => {
      const cursor = this.cursor(); // another applier on this file (an admin command) may have gone ahead
      for (const r of rows) {
        if (Number(r.seq) <= cursor) continue;
        const shape = this.shapes.get(r.tbl);
        if (!shape) continue;
        if (r.op === 'upsert') this.upsert(shape, r.row);
        else this.remove(shape, r.row);
      }
      writeState(this.db, 'changes', rows[rows.length - 1]!.seq, 'max');
    }).immediate(); // it reads the cursor first: take the write lock up front (see queue/message-rows.ts)
  }

  /** INSERT OR REPLACE of the columns this node knows (a newer node's extra columns are left out). */
  private upsert(shape: TableShape, row: Record<string, unknown>): void {
    const cols = shape.columns.filter((c) => c.name in row).map((c) => c.name);
    const sig = `${shape.name}:${cols.join(',')}`;
    let stmt = this.upserts.get(sig);
    if (!stmt) {
      stmt = this.db.prepare<unknown[]>(`INSERT OR REPLACE INTO ${ident(shape.name)} (${cols.map(ident).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`);
      this.upserts.set(sig, stmt);
    }
    stmt.run(...cols.map((c) => sqliteValue(row[c])));
  }

  private remove(shape: TableShape, row: Record<string, unknown>): void {
    const where = shape.key.map((k) => `${ident(k)} IS ?`).join(' AND ');
    this.db.prepare(`DELETE FROM ${ident(shape.name)} WHERE ${where}`).run(...shape.key.map((k) => sqliteValue(row[k])));
  }
}

function sqliteValue(v: unknown): string | number | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number' || typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return JSON.stringify(v);
}
