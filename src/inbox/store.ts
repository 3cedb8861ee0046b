// The inbox store: the only SQL of inbox_messages for the classifier. A message is kept once per
// (identity, folder, UIDVALIDITY, UID) and once per (identity, Message-ID): a re-read is recognised.
import type { Db } from '../store/db.js';
import { nextRowId } from '../store/row-ids.js';
import type { InboxKind } from './classify.js';

export interface InboxRecord {
  identity: string;
  folder: string;
  uidValidity: number;
  uid: number;
  headerId: string | null;
  kind: InboxKind;
  fromAddr: string | null;
  fromName: string | null;
  subject: string | null;
  date: number;
  receivedAt: number;
  snippet: string;
  text: string;
  inReplyTo: string | null;
  campaign: string | null;
  email: string | null;
  sendId: number | null;
  returnAt: number | null;
  /** 'suggested' for an unsubscribe request, else null. */
  unsubscribe: 'suggested' | null;
}

export class InboxStore {
  private readonly byUid;
  private readonly byHeader;
  private readonly insertRow;

  constructor(private readonly db: Db) {
    this.byUid = db.prepare('SELECT id FROM inbox_messages WHERE identity = ? AND folder = ? AND uid_validity = ? AND uid = ?').pluck();
    this.byHeader = db.prepare('SELECT id FROM inbox_messages WHERE identity = ? AND header_id = ? LIMIT 1').pluck();
    this.insertRow = db.prepare(`INSERT INTO inbox_messages (id, identity, folder, uid_validity, uid, header_id, kind, from_addr, from_name,
      subject, date, received_at, snippet, text, in_reply_to, campaign, email, send_id, return_at, unsubscribe)
      VALUES (@id, @identity, @folder, @uidValidity, @uid, @headerId, @kind, @fromAddr, @fromName, @subject, @date, @receivedAt,
      @snippet, @text, @inReplyTo, @campaign, @email, @sendId, @returnAt, @unsubscribe)`);
  }

  /** The stored copy of this message (same place, or same Message-ID in this identity's mailbox), if any. */
  find(identity: string, folder: string, uidValidity: number, uid: number, headerId: string | null): number | null {
    const id = (this.byUid.get(identity, folder, uidValidity, uid) as number | undefined)
      ?? (headerId ? (this.byHeader.get(identity, headerId) as number | undefined) : undefined);
    return id ?? null;
  }

  insert(r: InboxRecord): number {
    return Number(this.insertRow.run({ ...r, id: nextRowId(this.db, 'inbox_messages') }).lastInsertRowid);
  }
}
