// Which SQLite tables are shared state in cluster mode (docs/cluster.md): every node keeps a full copy
// that its synchronous readers (the SMTP session, the pacing gate, the API) use, PostgreSQL holds the
// truth, and writes travel both ways row by row. Everything else (queue, attempts, TLS counters, the
// node's own events before shipping) stays local to the node.
import type { Db } from '../../store/db.js';

export const MIRRORED_TABLES = [
  'domains', 'users', 'dkim_keys', 'api_keys', 'dashboard_sessions', 'idempotency_keys',
  'suppressions', 'webhooks',
  'identities', 'pools', 'pool_members', 'identity_sticky', 'warmup_holds', 'shaping_actions',
  'contacts', 'lists', 'list_members', 'campaigns', 'campaign_contacts', 'campaign_sends',
  'mailbox_folders', 'mailbox_status', 'mailbox_seen', 'inbox_messages',
  'warmup_mail', 'placement_tests', 'placement_results',
] as const;

export type MirroredTable = (typeof MIRRORED_TABLES)[number];

export interface Column {
  name: string;
  /** SQLite's declared type (INTEGER, TEXT, REAL, BLOB or empty). */
  type: string;
  /** 1-based position in the primary key, 0 when not part of it. */
  pk: number;
}

export interface TableShape {
  name: MirroredTable;
  columns: Column[];
  key: string[];
}

/** The shapes of the mirrored tables as this node's SQLite schema has them. */
export function tableShapes(db: Db): TableShape[] {
  return MIRRORED_TABLES.map((name) => {
    const columns = db.prepare(`PRAGMA table_info(${name})`).all() as Column[];
    if (columns.length === 0) throw new Error(`mirrored table ${name} is missing from the schema`);
    const key = columns.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
    if (key.length === 0) throw new Error(`mirrored table ${name} has no primary key`);
    return { name, columns: columns.map(({ name: n, type, pk }) => ({ name: n, type, pk })), key };
  });
}

export function isMirrored(table: string): table is MirroredTable {
  return (MIRRORED_TABLES as readonly string[]).includes(table);
}

/** A quoted SQL identifier (table and column names come from the schema, never from input). */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
