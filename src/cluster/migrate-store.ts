// Moves a single-node data directory's shared state into PostgreSQL (`petrel migrate-store`): schema,
// seal-key fingerprint, every mirrored table's rows, the events not yet shipped, then marks the directory
// migrated so it may join. A different seal key in PostgreSQL, a directory that already joined without
// migrating, or PostgreSQL away: it throws and marks nothing. Running it again re-copies harmlessly.
import type { PoolClient } from 'pg';
import type { Db } from '../store/db.js';
import { CHANGES_LOCK, pgUpsertMany } from './mirror/ddl.js';
import { Shipper } from './mirror/ship.js';
import { claimSealKey } from './seal-key.js';
import { sealMissingPrivateKeys } from '../auth/dkim-keys.js';
import { readState, writeState } from './mirror/state.js';
import { ident, tableShapes, type TableShape } from './mirror/tables.js';
import { migrateShared } from './pg-migrate.js';
import type { SharedDb } from './pg.js';

const BATCH = 500;

export interface TableReport {
  table: string;
  /** Rows sent to PostgreSQL. */
  rows: number;
  /** Of those, rows PostgreSQL already had exactly (a second run reports them all here). */
  unchanged: number;
}

export interface MigrateReport {
  schema: { from: number; to: number };
  tables: TableReport[];
  /** Local events appended to PostgreSQL's stream by this run. */
  events: number;
}


/** Copy `db`'s shared state into PostgreSQL as node `node`'s; see the header for what can fail. */
export async function migrateStore(db: Db, shared: SharedDb, secretKey: Buffer, node: string, dataDir: string): Promise<MigrateReport> {
  refuseJoined(db);
  sealMissingPrivateKeys(db, dataDir); // DKIM keys made before keys were sealed in the row: other nodes have no file
  const shapes = tableShapes(db);
  const schema = await migrateShared(shared, shapes);
  await claimSealKey(shared, secretKey, 'PostgreSQL already belongs to a cluster with another keys/secret.key: migrating would leave this directory\'s sealed secrets unreadable there (docs/cluster.md)');
  const tables: TableReport[] = [];
  for (const shape of shapes) tables.push(await copyTable(db, shared, shape));
  const shipped = await new Shipper(db, shared, shapes, node).drain();
  writeState(db, 'migrated', String(Date.now()));
  return { schema, tables, events: shipped.events };
}

/** A directory that joined a cluster has PostgreSQL's rows; copying its local copy back could undo newer writes. */
function refuseJoined(db: Db): void {
  if (readState(db, 'changes') !== null && readState(db, 'migrated') === null) {
    throw new Error('this data directory is already a node of a cluster: its shared state is in PostgreSQL');
  }
}

/** One table in one transaction, under the change-log lock like every other writer of mirrored tables. */
async function copyTable(db: Db, shared: SharedDb, shape: TableShape): Promise<TableReport> {
  const rows = readRows(db, shape);
  const report: TableReport = { table: shape.name, rows: rows.length, unchanged: 0 };
  if (rows.length === 0) return report;
  await shared.tx(async (c) => {
    await c.query('SELECT pg_advisory_xact_lock($1)', [CHANGES_LOCK]);
    for (let i = 0; i < rows.length; i += BATCH) report.unchanged += await upsertBatch(c, shape, rows.slice(i, i + BATCH));
  });
  return report;
}

/** Each row as the JSON image the capture triggers produce, so types travel the way shipped rows do. */
function readRows(db: Db, shape: TableShape): string[] {
  const image = `json_object(${shape.columns.map((c) => `'${c.name}', ${ident(c.name)}`).join(', ')})`;
  const rows = db.prepare(`SELECT ${image} AS row FROM ${ident(shape.name)}`).all() as { row: string }[];
  return rows.map((r) => r.row);
}

/** Upsert a batch; resolves with how many rows PostgreSQL already had unchanged (they write nothing). */
async function upsertBatch(c: PoolClient, shape: TableShape, rows: string[]): Promise<number> {
  const r = await c.query(pgUpsertMany(shape), [`[${rows.join(',')}]`]);
  return rows.length - (r.rowCount ?? 0);
}

