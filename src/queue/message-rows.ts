// Turns an accepted message into its messages and recipients rows and inserts a batch of them in
// one SQLite transaction. Any SQLite error throws and rolls the whole batch back.
import type { Envelope } from '../smtp/server/ports.js';
import type { Db } from '../store/db.js';
import type { StoredBody } from './body.js';
import { spoolRelativePath } from './spool.js';

/** A message ready to be inserted: its body is already durable if it lives in the spool. */
export interface PendingMessage {
  id: string;
  envelope: Envelope;
  body: StoredBody;
  /** Overrides directionOf(envelope): local delivery stores submitted mail as inbound. */
  direction?: Direction;
}

export type Direction = 'inbound' | 'outbound';

/** Mail received on the MX role is for our local domains; everything else is relayed out. */
export function directionOf(envelope: Envelope): Direction {
  return envelope.role === 'mx' ? 'inbound' : 'outbound';
}

/** Prepare once; the returned function inserts a batch atomically (all messages or none). */
export function prepareBatchInsert(db: Db): (batch: readonly PendingMessage[]) => void {
  const insertMessage = db.prepare(
    `INSERT INTO messages (id, direction, state, received_at, sender, size, envelope, body, body_path)
     VALUES (@id, @direction, @state, @receivedAt, @sender, @size, @envelope, @body, @bodyPath)`,
  );
  const insertRecipient = db.prepare(
    `INSERT INTO recipients (message_id, idx, address, domain, notify, orcpt, state, next_attempt_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  return db.transaction((batch: readonly PendingMessage[]) => {
    for (const message of batch) {
      insertMessage.run(messageRow(message));
      // Inbound mail is stored for local mailboxes; outbound recipients are due at once.
      const inbound = (message.direction ?? directionOf(message.envelope)) === 'inbound';
      const state = inbound ? 'stored' : 'queued';
      const due = inbound ? null : message.envelope.receivedAt;
      message.envelope.recipients.forEach((rcpt, idx) => {
        const notify = rcpt.notify?.join(',') ?? null;
        insertRecipient.run(message.id, idx, rcpt.address, domainOf(rcpt.address), notify, rcpt.orcpt ?? null, state, due);
      });
    }
  });
}

/** The lower-cased domain of an address (everything after the last @). */
export function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}

function messageRow({ id, envelope, body, direction }: PendingMessage) {
  return {
    id,
    direction: direction ?? directionOf(envelope),
    state: (direction ?? directionOf(envelope)) === 'inbound' ? 'stored' : 'queued', // inbound mail is kept, not delivered
    receivedAt: envelope.receivedAt,
    sender: envelope.sender,
    size: body.size,
    envelope: JSON.stringify(envelope),
    body: body.kind === 'memory' ? body.data : null,
    bodyPath: body.kind === 'spool' ? spoolRelativePath(id) : null,
  };
}

/** Prepare once; the returned function tells which of the given ids have a messages row. */
export function prepareStoredIds(db: Db): (ids: readonly string[]) => Set<string> {
  const exists = db.prepare('SELECT 1 FROM messages WHERE id = ?').pluck();
  return (ids) => new Set(ids.filter((id) => exists.get(id) !== undefined));
}
