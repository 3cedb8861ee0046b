// Captures this node's writes to mirrored tables into cluster_outbox, for the shipper to send to
// PostgreSQL. TEMP triggers live on one connection only: every connection that writes shared state
// (serve's, the scheduler's, an admin command's) gets them; the applier's connection never does, so
// rows arriving from PostgreSQL are not sent back.
import type { Db } from '../../store/db.js';
import { ident, type TableShape } from './tables.js';

export function installCapture(db: Db, shapes: TableShape[]): void {
  const install = db.transaction(() => {
    for (const shape of shapes) for (const sql of captureTriggers(shape)) db.exec(sql);
  });
  install();
}

/**
 * The TEMP triggers of one table (pure; exported for tests). An insert sends the whole row; an update
 * only the key and the columns it changed, so two nodes changing different columns of one row (a pause
 * here, a step advanced there) both keep their change; a changed key is a delete and a whole new row.
 */
export function captureTriggers(shape: TableShape): string[] {
  const t = shape.name;
  const image = (rec: 'NEW' | 'OLD', cols: string[]) => `json_object(${cols.map((c) => `'${c}', ${rec}.${ident(c)}`).join(', ')})`;
  const all = shape.columns.map((c) => c.name);
  const rest = all.filter((c) => !shape.key.includes(c));
  const out = (op: string, row: string) => `INSERT INTO main.cluster_outbox (tbl, op, row) VALUES ('${t}', '${op}', ${row});`;
  const keyChanged = shape.key.map((k) => `OLD.${ident(k)} IS NOT NEW.${ident(k)}`).join(' OR ');
  const changed = rest.map((c) => `OLD.${ident(c)} IS NOT NEW.${ident(c)}`).join(' OR ') || '0';
  // json_remove of a path that is not there is a no-op: unchanged columns are dropped from the image.
  const unchanged = rest.map((c) => `CASE WHEN OLD.${ident(c)} IS NEW.${ident(c)} THEN '$."${c}"' ELSE '$."-"' END`);
  const partial = unchanged.length === 0 ? image('NEW', all) : `json_remove(${image('NEW', all)}, ${unchanged.join(', ')})`;
  return [
    `DROP TRIGGER IF EXISTS temp.petrel_${t}_i`,
    `DROP TRIGGER IF EXISTS temp.petrel_${t}_u`,
    `DROP TRIGGER IF EXISTS temp.petrel_${t}_k`,
    `DROP TRIGGER IF EXISTS temp.petrel_${t}_d`,
    `CREATE TEMP TRIGGER petrel_${t}_i AFTER INSERT ON main.${ident(t)} BEGIN ${out('upsert', image('NEW', all))} END`,
    `CREATE TEMP TRIGGER petrel_${t}_k AFTER UPDATE ON main.${ident(t)} WHEN ${keyChanged} BEGIN ${out('delete', image('OLD', shape.key))} ${out('upsert', image('NEW', all))} END`,
    `CREATE TEMP TRIGGER petrel_${t}_u AFTER UPDATE ON main.${ident(t)} WHEN NOT (${keyChanged}) AND (${changed}) BEGIN ${out('update', partial)} END`,
    `CREATE TEMP TRIGGER petrel_${t}_d AFTER DELETE ON main.${ident(t)} BEGIN ${out('delete', image('OLD', shape.key))} END`,
  ];
}
