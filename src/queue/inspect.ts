// Read-only views of the queue for the CLI, the API and tests. Unknown ids and missing spool files
// give null; SQLite errors and other I/O errors throw.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Envelope } from '../smtp/server/ports.js';
import type { Db } from '../store/db.js';
import type { Direction } from './message-rows.js';

export type QueueSummary = {
  id: string;
  direction: Direction;
  state: string;
  receivedAt: number;
  sender: string;
  size: number;
  recipients: { address: string; state: string }[];
};
export type QueueDetail = QueueSummary & { envelope: Envelope; bodyStorage: 'database' | 'spool' };

type MessageRow = {
  id: string;
  direction: Direction;
  state: string;
  received_at: number;
  sender: string;
  size: number;
};
const SUMMARY_COLUMNS = 'id, direction, state, received_at, sender, size';

/** Newest messages first (by received time, then id). @example listQueue(db, { limit: 20 }) */
export function listQueue(db: Db, opts: { limit?: number } = {}): QueueSummary[] {
  const rows = db
    .prepare(`SELECT ${SUMMARY_COLUMNS} FROM messages ORDER BY received_at DESC, id DESC LIMIT ?`)
    .all(opts.limit ?? 100) as MessageRow[];
  const recipientsOf = recipientQuery(db);
  return rows.map((row) => toSummary(row, recipientsOf(row.id)));
}

/** One message with its envelope and where its body lives, or null if there is no such id. */
export function getMessage(db: Db, id: string): QueueDetail | null {
  const row = db
    .prepare(`SELECT ${SUMMARY_COLUMNS}, envelope, body_path IS NOT NULL AS spooled FROM messages WHERE id = ?`)
    .get(id) as (MessageRow & { envelope: string; spooled: number }) | undefined;
  if (!row) return null;
  return {
    ...toSummary(row, recipientQuery(db)(id)),
    envelope: JSON.parse(row.envelope) as Envelope,
    bodyStorage: row.spooled ? 'spool' : 'database',
  };
}

/** The whole body in memory: for tests and small messages; null for an unknown id or lost file. */
export function readBody(db: Db, dataDir: string, id: string): Buffer | null {
  const row = db.prepare('SELECT body, body_path FROM messages WHERE id = ?').get(id) as
    | { body: Buffer | null; body_path: string | null }
    | undefined;
  if (!row) return null;
  if (row.body_path === null) return row.body ?? Buffer.alloc(0);
  try {
    return readFileSync(join(dataDir, row.body_path));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

export function countMessages(db: Db): number {
  return db.prepare('SELECT count(*) FROM messages').pluck().get() as number;
}

function recipientQuery(db: Db): (id: string) => { address: string; state: string }[] {
  const statement = db.prepare('SELECT address, state FROM recipients WHERE message_id = ? ORDER BY idx');
  return (id) => statement.all(id) as { address: string; state: string }[];
}

function toSummary(row: MessageRow, recipients: { address: string; state: string }[]): QueueSummary {
  return {
    id: row.id,
    direction: row.direction,
    state: row.state,
    receivedAt: row.received_at,
    sender: row.sender,
    size: row.size,
    recipients,
  };
}
