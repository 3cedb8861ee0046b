// Turns an accepted message into its messages and recipients rows and inserts a batch of them in
// one SQLite transaction, with an `accepted` (or `suppressed`) event per outbound recipient and the
// campaign step it carries, if any. Any SQLite error throws and rolls the whole batch back.
import { looksTagged } from '../bounce/verp.js';
import { prepareCampaignSendRecord } from '../campaigns/send-record.js';
import { prepareEventInsert } from '../events/store.js';
import { labelsOf } from '../events/types.js';
import { SuppressionStore } from '../suppression/store.js';
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
    `INSERT INTO messages (id, direction, state, received_at, sender, size, envelope, body, body_path, identity)
     VALUES (@id, @direction, @state, @receivedAt, @sender, @size, @envelope, @body, @bodyPath, @identity)`,
  );
  const identityOf = prepareIdentityLookup(db);
  const insertRecipient = db.prepare(
    `INSERT INTO recipients (message_id, idx, address, domain, notify, orcpt, state, next_attempt_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertEvent = prepareEventInsert(db);
  const suppressed = prepareSuppressionCheck(db);
  const campaignStep = prepareCampaignSendRecord(db);
  // IMMEDIATE: the batch reads (a campaign contact, suppressions) before it writes, and a deferred
  // transaction whose snapshot another connection's commit made stale cannot upgrade to a writer: it
  // fails at once with SQLITE_BUSY instead of waiting (in a cluster the shipper commits every 100 ms).
  const insertBatch = db.transaction((batch: readonly PendingMessage[]) => {
    for (const message of batch) {
      const { envelope } = message;
      // A campaign step whose contact stopped meanwhile, or that a commit before a crash sent, is not
      // written at all (the engine sees no campaign_sends row for its id and drops it).
      if (!campaignStep(message.id, envelope)) continue;
      const outbound = (message.direction ?? directionOf(envelope)) === 'outbound';
      insertMessage.run({ ...messageRow(message), identity: outbound ? identityOf(envelope) : null });
      // Inbound mail is stored for local mailboxes; outbound recipients are due at once, unless the
      // suppression list names them (checked here, in the same transaction as the rows).
      const inbound = (message.direction ?? directionOf(envelope)) === 'inbound';
      const sendingDomain = envelope.sender === '' ? '' : domainOf(envelope.sender);
      envelope.recipients.forEach((rcpt, idx) => {
        const notify = rcpt.notify?.join(',') ?? null;
        const entry = inbound ? undefined : suppressed(rcpt.address, sendingDomain, envelope.receivedAt);
        const state = inbound ? (mayBeReport(envelope, rcpt.address) ? 'report' : 'stored') : entry ? 'suppressed' : 'queued';
        const due = state === 'queued' ? envelope.receivedAt : null;
        insertRecipient.run(message.id, idx, rcpt.address, domainOf(rcpt.address), notify, rcpt.orcpt ?? null, state, due);
        if (inbound) return;
        insertEvent({
          at: envelope.receivedAt,
          type: entry ? 'suppressed' : 'accepted',
          messageId: message.id,
          recipient: rcpt.address,
          sender: envelope.sender,
          sendingDomain,
          reason: entry?.reason ?? null,
          data: { ...(entry ? { scope: entry.scope } : {}), ...labelsOf(envelope) },
        });
      });
    }
  });
  return (batch) => insertBatch.immediate(batch);
}

/**
 * The sending identity of outbound mail (src/identities): the one the API chose (pool, sticky thread),
 * else the identity whose address, or whose whole domain, is the envelope sender. Fixed at acceptance.
 */
function prepareIdentityLookup(db: Db): (envelope: Envelope) => string | null {
  const byFrom = db.prepare(`SELECT name FROM identities WHERE from_addr = ? ORDER BY name LIMIT 1`).pluck();
  return (envelope) => {
    if (envelope.identity) return envelope.identity;
    if (envelope.sender === '') return null;
    const address = envelope.sender.toLowerCase();
    return (byFrom.get(address) as string | undefined) ?? (byFrom.get(domainOf(address)) as string | undefined) ?? null;
  };
}

/**
 * Inbound mail the report service (src/bounce/report-service.ts) reads before it is 'stored': mail to
 * a tagged return path, and (when bounces.scanMailboxes) bounces from the null sender and reports to
 * abuse@ or fbl@. Mail Petrel made itself (its own DSNs) is never a report about our mail.
 */
function mayBeReport(envelope: Envelope, address: string): boolean {
  if (envelope.role === 'local' && envelope.listener === 'dsn') return false;
  if (looksTagged(address)) return true;
  const local = address.slice(0, address.lastIndexOf('@')).toLowerCase();
  return envelope.sender === '' || local === 'abuse' || local === 'fbl';
}

type SuppressionHit = { reason: string; scope: string } | undefined;

/**
 * The suppression entry for a recipient of mail from `sendingDomain`, global or for that domain.
 * Mail from the null sender (DSNs) is never suppressed: it goes to our own users.
 */
function prepareSuppressionCheck(db: Db): (address: string, sendingDomain: string, now: number) => SuppressionHit {
  const list = new SuppressionStore(db);
  return (address, sendingDomain, now) => (sendingDomain === '' ? undefined : list.isSuppressed(address, sendingDomain, now) ?? undefined);
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
