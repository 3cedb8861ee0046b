// What people see of the unified inbox: pages of inbox_messages (newest first, by id so a page never
// shifts when mail arrives) with the campaign step they answer, one message's thread, and the two marks
// people set (read, handled). SQL only; an unknown id is null or 0 rows, never an error.
import type { Db } from '../store/db.js';

export const INBOX_KINDS = ['reply', 'auto_reply', 'bounce', 'complaint', 'unsubscribe', 'other'] as const;
export type InboxKind = (typeof INBOX_KINDS)[number];

export interface InboxFilter {
  campaign?: string;
  identity?: string;
  kind?: InboxKind;
  unread?: boolean;
  /** Only rows with a smaller id (the cursor of the previous page). */
  beforeId?: number;
  limit: number;
}

/** One row as lists show it; times in ms. `contact` is the matched contact, else the sender. */
export interface InboxItem {
  id: number;
  identity: string;
  kind: InboxKind;
  from: string | null;
  fromName: string | null;
  subject: string | null;
  snippet: string | null;
  date: number | null;
  receivedAt: number;
  unread: boolean;
  handled: boolean;
  campaign: string | null;
  contact: string | null;
  step: number | null;
  unsubscribe: 'suggested' | 'confirmed' | 'dismissed' | null;
}

/** A row with everything a thread or a reply needs. */
export interface InboxMessage extends InboxItem {
  headerId: string | null;
  text: string | null;
  inReplyTo: string | null;
  sendId: number | null;
  returnAt: number | null;
  handledAt: number | null;
}

export interface SentStep {
  step: number;
  subject: string;
  sentAt: number;
  identity: string | null;
  messageId: string;
  headerId: string;
}

export interface Thread {
  message: InboxMessage;
  /** What we sent that contact in that campaign, oldest first. */
  sent: SentStep[];
  /** What they sent to that identity, oldest first (the message itself included). */
  received: InboxMessage[];
}

const COLUMNS = `m.id, m.identity, m.kind, m.from_addr AS "from", m.from_name AS fromName, m.subject, m.snippet, m.date,
  m.received_at AS receivedAt, m.unread, m.handled_at AS handledAt, m.campaign, COALESCE(m.email, lower(m.from_addr)) AS contact,
  s.step, m.unsubscribe, m.header_id AS headerId, m.text, m.in_reply_to AS inReplyTo, m.send_id AS sendId, m.return_at AS returnAt`;
const FROM = 'FROM inbox_messages m LEFT JOIN campaign_sends s ON s.id = m.send_id';

type Row = Omit<InboxMessage, 'unread' | 'handled'> & { unread: number };

const toMessage = (r: Row): InboxMessage => ({ ...r, unread: r.unread !== 0, handled: r.handledAt !== null });

/** The list view of a message: without its text and threading fields. */
export function itemOf(m: InboxMessage): InboxItem {
  const { headerId: _h, text: _t, inReplyTo: _i, sendId: _s, returnAt: _r, handledAt: _a, ...item } = m;
  return item;
}

export class InboxViews {
  constructor(private readonly db: Db) {}

  /** Newest first; pass `limit + 1` to learn whether another page follows. */
  list(f: InboxFilter): InboxMessage[] {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (clause: string, value: unknown) => (where.push(clause), params.push(value));
    if (f.campaign !== undefined) add('m.campaign = ?', f.campaign);
    if (f.identity !== undefined) add('m.identity = ?', f.identity);
    if (f.kind !== undefined) add('m.kind = ?', f.kind);
    if (f.unread !== undefined) add('m.unread = ?', f.unread ? 1 : 0);
    if (f.beforeId !== undefined) add('m.id < ?', f.beforeId);
    const sql = `SELECT ${COLUMNS} ${FROM} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY m.id DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...params, f.limit) as Row[]).map(toMessage);
  }

  get(id: number): InboxMessage | null {
    const row = this.db.prepare(`SELECT ${COLUMNS} ${FROM} WHERE m.id = ?`).get(id) as Row | undefined;
    return row ? toMessage(row) : null;
  }

  /** The message, our steps to that contact in its campaign, and their mail to that identity. */
  thread(id: number): Thread | null {
    const message = this.get(id);
    if (!message) return null;
    return { message, sent: this.sent(message), received: this.received(message) };
  }

  private sent(m: InboxMessage): SentStep[] {
    if (m.campaign === null || m.contact === null) return [];
    return this.db.prepare(`SELECT step, subject, sent_at AS sentAt, identity, message_id AS messageId, header_id AS headerId
      FROM campaign_sends WHERE campaign = ? AND email = ? ORDER BY step, id`).all(m.campaign, m.contact) as SentStep[];
  }

  private received(m: InboxMessage): InboxMessage[] {
    if (m.contact === null) return [m];
    const rows = this.db.prepare(`SELECT ${COLUMNS} ${FROM} WHERE m.identity = ? AND COALESCE(m.email, lower(m.from_addr)) = ?
      ORDER BY COALESCE(m.date, m.received_at), m.id`).all(m.identity, m.contact) as Row[];
    return rows.map(toMessage);
  }

  /** Read (or unread again); false for an unknown id. */
  markRead(id: number, read = true): boolean {
    return this.db.prepare('UPDATE inbox_messages SET unread = ? WHERE id = ?').run(read ? 0 : 1, id).changes > 0;
  }

  /** The conversation is dealt with: this message and earlier unhandled ones of that contact and identity. */
  markHandled(m: InboxMessage, at: number): number {
    if (m.contact === null) return this.db.prepare('UPDATE inbox_messages SET handled_at = ?, unread = 0 WHERE id = ? AND handled_at IS NULL').run(at, m.id).changes;
    return this.db.prepare(`UPDATE inbox_messages SET handled_at = ?, unread = 0 WHERE identity = ? AND id <= ? AND handled_at IS NULL
      AND COALESCE(email, lower(from_addr)) = ?`).run(at, m.identity, m.id, m.contact).changes;
  }
}
