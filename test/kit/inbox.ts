// Inbox-test helpers: rows written into a running Petrel's inbox_messages (its SQLite in WAL mode, as
// the IMAP reader would write them) and the campaign sends they answer, read back from the same file.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { insertInboxRow, type InboxRowInput } from '../../src/inbox/testkit.js';
import type { Petrel } from './petrel.js';

function withDb<T>(p: Petrel, fn: (db: Database.Database) => T): T {
  const db = new Database(join(p.dataDir, 'petrel.db'), { fileMustExist: true });
  db.pragma('busy_timeout = 10000');
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

/** Insert inbox rows into `p`'s database; their ids. */
export function addInboxRows(p: Petrel, rows: InboxRowInput[]): number[] {
  return withDb(p, (db) => rows.map((r) => insertInboxRow(db, r)));
}

export interface SendRow { id: number; campaign: string; email: string; step: number; headerId: string; identity: string; subject: string }

/** The campaign_sends row of a contact's step. */
export function sendOf(p: Petrel, campaign: string, email: string, step = 1): SendRow | undefined {
  return withDb(p, (db) => db.prepare(`SELECT id, campaign, email, step, header_id AS headerId, identity, subject FROM campaign_sends
    WHERE campaign = ? AND email = ? AND step = ?`).get(campaign, email, step) as SendRow | undefined);
}
