// Test helper: an inbox_messages row written directly, as the IMAP reader would, for tests of what
// reads the inbox (views, API, dashboard) that must not depend on classification. Any SQLite handle.
export interface InboxRowInput {
  identity: string;
  kind?: string;
  from?: string | null;
  fromName?: string | null;
  subject?: string | null;
  text?: string | null;
  headerId?: string | null;
  inReplyTo?: string | null;
  campaign?: string | null;
  email?: string | null;
  sendId?: number | null;
  date?: number | null;
  receivedAt?: number;
  unsubscribe?: string | null;
  folder?: string;
  uid?: number;
}

interface Sql { prepare(sql: string): { run(...args: unknown[]): { lastInsertRowid: number | bigint } } }

let uids = 0;

/** Insert one row; returns its id. */
export function insertInboxRow(db: Sql, r: InboxRowInput): number {
  const text = r.text ?? 'Thanks, tell me more.';
  const result = db.prepare(`INSERT INTO inbox_messages (identity, folder, uid_validity, uid, header_id, kind, from_addr, from_name,
    subject, date, received_at, snippet, text, in_reply_to, campaign, email, send_id, unsubscribe)
    VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
    r.identity, r.folder ?? 'INBOX', r.uid ?? ++uids, r.headerId ?? `in-${uids}-${Date.now()}@remote.test`, r.kind ?? 'reply',
    r.from === undefined ? 'lead@remote.test' : r.from, r.fromName ?? null, r.subject === undefined ? 'Re: hello' : r.subject,
    r.date ?? null, r.receivedAt ?? Date.now(), text.slice(0, 200), text, r.inReplyTo ?? null, r.campaign ?? null,
    r.email ?? null, r.sendId ?? null, r.unsubscribe ?? null,
  );
  return Number(result.lastInsertRowid);
}
