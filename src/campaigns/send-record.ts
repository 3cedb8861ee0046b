// The exactly-once record of a campaign step, written by the queue's commit transaction beside the
// message rows: a step is queued only if its contact still waits for it and no earlier commit sent it.
import { prepareEventInsert } from '../events/store.js';
import type { Envelope } from '../smtp/server/ports.js';
import type { Db } from '../store/db.js';
import { nextRowId } from '../store/row-ids.js';

/**
 * Prepare once per connection. The returned function runs inside the batch transaction and answers
 * whether the message may be written: false when the contact stopped (a reply, an unsubscribe) or
 * the step was recorded already (a retry after a crash) — then nothing of the message is written.
 */
export function prepareCampaignSendRecord(db: Db): (messageId: string, envelope: Envelope) => boolean {
  const contact = db.prepare('SELECT state, step FROM campaign_contacts WHERE campaign = ? AND email = ?');
  const insertSend = db.prepare(
    `INSERT INTO campaign_sends (id, campaign, email, step, variant, message_id, header_id, identity, subject, sent_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (campaign, email, step) DO NOTHING`,
  );
  const advance = db.prepare(
    `UPDATE campaign_contacts SET state = ?, step = ?, next_at = ?, identity = coalesce(identity, ?),
       started_at = coalesce(started_at, ?), last_sent_at = ?, reason = NULL, changed_at = ?
     WHERE campaign = ? AND email = ?`,
  );
  // Replies to the step (an API send with In-Reply-To) stay on its identity: the sticky row is written
  // here, in the commit's transaction, not with a sync of its own afterwards.
  const sticky = db.prepare('INSERT INTO identity_sticky (key, identity, created_at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING');
  const event = prepareEventInsert(db);
  return (messageId, envelope) => {
    const tag = envelope.campaign;
    if (!tag) return true;
    const row = contact.get(tag.name, tag.email) as { state: string; step: number } | undefined;
    if (!row || (row.state !== 'pending' && row.state !== 'active') || row.step !== tag.step - 1) return false;
    const at = envelope.receivedAt;
    const identity = envelope.identity ?? null;
    if (insertSend.run(nextRowId(db, 'campaign_sends'), tag.name, tag.email, tag.step, tag.variant, messageId, tag.headerId, identity, tag.subject, at).changes === 0) return false;
    const state = tag.nextAt === null ? 'finished' : 'active';
    advance.run(state, tag.step, tag.nextAt, identity, at, at, at, tag.name, tag.email);
    if (identity) sticky.run(`msgid:${tag.headerId}`, identity, at);
    event({
      at, type: 'campaign.sent', messageId, recipient: tag.email, sender: envelope.sender,
      sendingDomain: envelope.sender.slice(envelope.sender.lastIndexOf('@') + 1).toLowerCase(),
      data: { campaign: tag.name, step: tag.step, ...(tag.variant ? { variant: tag.variant } : {}), ...(identity ? { identity } : {}) },
    });
    return true;
  };
}
