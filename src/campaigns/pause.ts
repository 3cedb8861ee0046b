// An automatic reply (out of office) pauses a contact's sequence until the stated return: its next step
// is moved to that time (never earlier than it was due), the reason says until when, and a
// contact.auto_replied event carries data.until. The engine picks the step up again by next_at.
import { prepareEventInsert } from '../events/store.js';
import type { Db } from '../store/db.js';
import type { CampaignSend } from './store.js';

export interface PauseRequest {
  send: CampaignSend;
  /** When the contact is back (ms). */
  until: number;
  /** The auto-reply's subject. */
  subject: string;
  at: number;
  /** imap | reply (our MX). */
  source: string;
  /** Where the auto-reply is kept (an inbox message id or a queue id). */
  reply?: string | number;
}

export class ContactPauses {
  private readonly event;
  private readonly delay;

  constructor(private readonly db: Db) {
    this.event = prepareEventInsert(db);
    // Only a contact with a step still to come is paused; a finished or stopped one stays as it is.
    this.delay = db.prepare(`UPDATE campaign_contacts SET next_at = max(next_at, ?), reason = ?, changed_at = ?
      WHERE campaign = ? AND email = ? AND state IN ('pending', 'active') AND next_at IS NOT NULL`);
  }

  /** Pause until the return and record the event, in one transaction; true when a next step moved. */
  untilReturn(req: PauseRequest): boolean {
    return this.db.transaction(() => {
      const { send, until, at } = req;
      const day = new Date(until).toISOString().slice(0, 10);
      const paused = this.delay.run(until, `out of office until ${day}`, at, send.campaign, send.email).changes > 0;
      this.event({
        at, type: 'contact.auto_replied', messageId: send.messageId, recipient: send.email, reason: req.subject.slice(0, 500),
        data: { campaign: send.campaign, step: send.step, until: day, untilAt: until, paused, source: req.source, ...(req.reply !== undefined ? { reply: req.reply } : {}) },
      });
      return paused;
    })();
  }
}
