// Mailbox state in the database: folder cursors (mailbox_folders), what was handled (mailbox_seen, for
// UIDVALIDITY changes) and each mailbox's connection state (mailbox_status) for the CLI, API and UI.
import type { Db } from '../store/db.js';
import type { FolderCursor } from './cursor.js';
import { REVALIDATE_MARGIN_MS } from './cursor.js';

export const MAILBOX_STATES = ['connecting', 'idle', 'polling', 'auth-failed', 'error', 'stopped'] as const;
export type MailboxState = (typeof MAILBOX_STATES)[number];

export interface MailboxStatus {
  identity: string;
  state: MailboxState;
  error: string | null;
  since: number;
  retryAt: number | null;
  checkedAt: number | null;
}

export interface FolderRow extends FolderCursor {
  folder: string;
}

export class MailboxStore {
  private readonly getCursor;
  private readonly putCursor;
  private readonly seenInsert;
  private readonly seenGet;
  private readonly putStatus;
  private readonly checked;

  constructor(private readonly db: Db) {
    this.getCursor = db.prepare('SELECT uid_validity AS uidValidity, last_uid AS lastUid, last_date AS lastDate FROM mailbox_folders WHERE identity = ? AND folder = ?');
    this.putCursor = db.prepare(`INSERT INTO mailbox_folders (identity, folder, uid_validity, last_uid, last_date) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (identity, folder) DO UPDATE SET uid_validity = excluded.uid_validity, last_uid = excluded.last_uid, last_date = excluded.last_date`);
    this.seenInsert = db.prepare('INSERT OR IGNORE INTO mailbox_seen (identity, folder, key, date) VALUES (?, ?, ?, ?)');
    this.seenGet = db.prepare('SELECT 1 FROM mailbox_seen WHERE identity = ? AND folder = ? AND key = ?').pluck();
    this.putStatus = db.prepare(`INSERT INTO mailbox_status (identity, state, error, since, retry_at, checked_at) VALUES (@identity, @state, @error, @since, @retryAt, @checkedAt)
      ON CONFLICT (identity) DO UPDATE SET state = excluded.state, error = excluded.error, retry_at = excluded.retry_at,
        since = CASE WHEN mailbox_status.state = excluded.state THEN mailbox_status.since ELSE excluded.since END,
        checked_at = coalesce(excluded.checked_at, mailbox_status.checked_at)`);
    this.checked = db.prepare('UPDATE mailbox_status SET checked_at = ? WHERE identity = ?');
  }

  cursor(identity: string, folder: string): FolderCursor | null {
    return (this.getCursor.get(identity, folder) as FolderCursor | undefined) ?? null;
  }

  /** Moves the cursor and records the message as handled, in one transaction. */
  handled(identity: string, folder: string, cursor: FolderCursor, key: string | null, date: number): void {
    this.db.transaction(() => {
      this.saveCursor(identity, folder, cursor);
      if (key) this.seenInsert.run(identity, folder, key, date);
    })();
  }

  saveCursor(identity: string, folder: string, c: FolderCursor): void {
    this.putCursor.run(identity, folder, c.uidValidity, c.lastUid, c.lastDate);
  }

  seen(identity: string, folder: string, key: string): boolean {
    return this.seenGet.get(identity, folder, key) !== undefined;
  }

  /** Forget handled keys that no UIDVALIDITY change could bring back (older than last_date - 2 days). */
  prune(identity: string, folder: string, lastDate: number | null): void {
    if (lastDate === null) return;
    this.db.prepare('DELETE FROM mailbox_seen WHERE identity = ? AND folder = ? AND date < ?').run(identity, folder, lastDate - 2 * REVALIDATE_MARGIN_MS);
  }

  setStatus(s: MailboxStatus): void {
    this.putStatus.run(s);
  }

  touch(identity: string, at: number): void {
    this.checked.run(at, identity);
  }

  removeStatus(identity: string): void {
    this.db.prepare('DELETE FROM mailbox_status WHERE identity = ?').run(identity);
  }

  statuses(): MailboxStatus[] {
    return this.db.prepare('SELECT identity, state, error, since, retry_at AS retryAt, checked_at AS checkedAt FROM mailbox_status ORDER BY identity').all() as MailboxStatus[];
  }

  folders(identity: string): FolderRow[] {
    return this.db.prepare('SELECT folder, uid_validity AS uidValidity, last_uid AS lastUid, last_date AS lastDate FROM mailbox_folders WHERE identity = ? ORDER BY folder').all(identity) as FolderRow[];
  }
}
