// Stopping contacts: a reply, bounce, unsubscribe or complaint about a campaign send ends that
// contact's sequence (if the campaign's stopOn says so), cancels its steps still queued, and records
// the outcome on the send and a contact.* event, all in one transaction. Replies may stop the company.
import { prepareEventInsert } from '../events/store.js';
import type { EventType } from '../events/types.js';
import type { Db } from '../store/db.js';
import { addSuppression, SuppressionStore } from '../suppression/store.js';
import type { StopReason } from './definition.js';
import { isFreemailDomain } from './freemail.js';
import { CampaignStore, type CampaignSend } from './store.js';

export type StopKind = 'replied' | 'bounced' | 'unsubscribed' | 'complained';

const RULE: Record<StopKind, StopReason> = { replied: 'reply', bounced: 'bounce', unsubscribed: 'unsubscribe', complained: 'complaint' };
const EVENT: Record<StopKind, EventType> = { replied: 'contact.replied', bounced: 'contact.bounced', unsubscribed: 'contact.unsubscribed', complained: 'contact.complained' };

export interface StopRequest {
  send: CampaignSend;
  kind: StopKind;
  /** Why, in words (the reply's subject, the bounce's reply, "one-click unsubscribe"). */
  reason: string;
  at: number;
  /** Where it came from: report, delivery, reply, imap, one-click, mailto. */
  source: string;
  /** A reply's new text, first characters (contact.replied events carry it to webhooks). */
  snippet?: string;
}

export interface StopResult {
  /** Whether the contact's state changed (false: stopped before, or stopOn leaves it running). */
  stopped: boolean;
  /** Other contacts of the same company stopped (companyReply). */
  company: string[];
}

export class ContactStops {
  private readonly store: CampaignStore;
  private readonly event;
  private readonly suppressions: SuppressionStore;

  constructor(private readonly db: Db, private readonly opts: { unsubscribeScope: 'global' | 'domain' } = { unsubscribeScope: 'global' }) {
    this.store = new CampaignStore(db);
    this.event = prepareEventInsert(db);
    this.suppressions = new SuppressionStore(db);
  }

  /** The send a queue id names (for unsubscribe links). */
  sendOf(messageId: string): CampaignSend | null {
    return this.store.sendByMessage(messageId);
  }

  /** Apply one stop in one transaction. */
  apply(req: StopRequest): StopResult {
    return this.db.transaction(() => this.applyNow(req))();
  }

  private applyNow(req: StopRequest): StopResult {
    const { send, kind, at } = req;
    const campaign = this.store.get(send.campaign);
    const stopOn = campaign?.definition.stopOn ?? [];
    this.db.prepare('UPDATE campaign_sends SET outcome = ? WHERE id = ? AND outcome IS NULL').run(kind, send.id);
    if (kind === 'unsubscribed') this.suppress(send, req);
    const stopped = stopOn.includes(RULE[kind]) && this.stop(send.campaign, send.email, kind, req.reason, at);
    this.event({
      at, type: EVENT[kind], messageId: send.messageId, recipient: send.email, reason: req.reason.slice(0, 500),
      data: { campaign: send.campaign, step: send.step, ...(send.variant ? { variant: send.variant } : {}), source: req.source, stopped, ...(req.snippet !== undefined ? { snippet: req.snippet } : {}) },
    });
    const company = kind === 'replied' && stopOn.includes('companyReply') ? this.stopCompany(send, at) : [];
    return { stopped, company };
  }

  /** Stop one contact without a send to blame: by hand, or found suppressed before its next step. */
  stopWith(campaign: string, email: string, state: string, reason: string, at: number, source: string): boolean {
    return this.db.transaction(() => {
      const done = this.stop(campaign, email, state, reason, at);
      const type: EventType = (Object.entries(EVENT).find(([kind]) => kind === state)?.[1]) ?? 'contact.stopped';
      if (done) this.event({ at, type, recipient: email, reason, data: { campaign, source, state } });
      return done;
    })();
  }

  /** Contact → a stop state; its queued steps are cancelled. False when it had stopped already. */
  private stop(campaign: string, email: string, state: string, reason: string, at: number): boolean {
    const changed = this.db.prepare(`UPDATE campaign_contacts SET state = ?, reason = ?, next_at = NULL, changed_at = ?
      WHERE campaign = ? AND email = ? AND state IN ('pending', 'active', 'finished', 'paused')`).run(state, reason.slice(0, 500), at, campaign, email).changes > 0;
    if (changed) {
      this.db.prepare(`UPDATE recipients SET state = 'cancelled', next_attempt_at = NULL, final_at = ?, last_text = ?
        WHERE state IN ('queued', 'deferred', 'throttled', 'held')
          AND message_id IN (SELECT message_id FROM campaign_sends WHERE campaign = ? AND email = ?)`).run(at, `campaign step cancelled: contact ${state}`, campaign, email);
    }
    return changed;
  }

  /** companyReply: every other contact of the campaign at the same organisation (not a freemail domain). */
  private stopCompany(send: CampaignSend, at: number): string[] {
    const org = this.db.prepare('SELECT org_domain FROM contacts WHERE email = ?').pluck().get(send.email) as string | undefined;
    if (!org || isFreemailDomain(org)) return [];
    const others = this.db.prepare(`SELECT cc.email FROM campaign_contacts cc JOIN contacts c ON c.email = cc.email
      WHERE cc.campaign = ? AND c.org_domain = ? AND cc.email <> ? AND cc.state IN ('pending', 'active', 'paused')`).pluck().all(send.campaign, org, send.email) as string[];
    const reason = `company replied (${send.email})`;
    for (const email of others) {
      if (this.stop(send.campaign, email, 'stopped', reason, at)) {
        this.event({ at, type: 'contact.stopped', recipient: email, reason, data: { campaign: send.campaign, source: 'companyReply', repliedBy: send.email } });
      }
    }
    return others;
  }

  private suppress(send: CampaignSend, req: StopRequest): void {
    const scope = this.opts.unsubscribeScope === 'global' ? '' : this.sendingDomainOf(send);
    addSuppression(this.suppressions, { address: send.email, scope, reason: 'unsubscribe', detail: `${req.source}: campaign ${send.campaign}`, sourceMessage: send.messageId, at: req.at });
  }

  private sendingDomainOf(send: CampaignSend): string {
    const sender = this.db.prepare('SELECT sender FROM messages WHERE id = ?').pluck().get(send.messageId) as string | undefined;
    return sender ? sender.slice(sender.lastIndexOf('@') + 1).toLowerCase() : '';
  }
}
