// What a classified mailbox message does to campaigns: a reply (or an unsubscribe request, which is a
// reply too) stops the contact, an automatic reply pauses it until the return, a bounce or complaint is
// recorded like a report on our MX (events + suppressions; event-stops then stops the contact). Runs
// inside the caller's transaction, with the inbox row, so a re-read finds the row and does nothing.
import { reportConsequences, ReportRecorder } from '../bounce/report-record.js';
import type { ReportMatch } from '../bounce/report-match.js';
import type { ParsedReport } from '../bounce/report-types.js';
import { ContactPauses } from '../campaigns/pause.js';
import { ContactStops } from '../campaigns/stops.js';
import type { CampaignSend } from '../campaigns/store.js';
import { prepareEventInsert } from '../events/store.js';
import type { Db } from '../store/db.js';
import type { InboxKind } from './classify.js';

export interface Classified {
  inboxId: number;
  kind: InboxKind;
  send: CampaignSend | null;
  fromAddr: string | null;
  subject: string;
  snippet: string;
  /** An automatic reply's return (stated, or the default pause). */
  returnAt: number | null;
  report: ParsedReport | null;
  reportMatch: ReportMatch | null;
  at: number;
}

export class InboxEffects {
  private readonly stops: ContactStops;
  private readonly pauses: ContactPauses;
  private readonly recorder: ReportRecorder;
  private readonly event;

  constructor(db: Db) {
    this.stops = new ContactStops(db);
    this.pauses = new ContactPauses(db);
    this.recorder = new ReportRecorder(db);
    this.event = prepareEventInsert(db);
  }

  /** Apply the consequences; true when campaigns should look again (a contact stopped, paused or bounced). */
  apply(c: Classified): boolean {
    switch (c.kind) {
      case 'reply': return this.reply(c);
      case 'unsubscribe': return this.unsubscribeRequest(c);
      case 'auto_reply': return c.send !== null && c.returnAt !== null && this.pause(c);
      case 'bounce': case 'complaint': return this.report(c);
      default: return false;
    }
  }

  private reply(c: Classified): boolean {
    if (!c.send) return false;
    this.stops.apply({ send: c.send, kind: 'replied', reason: c.subject || '(no subject)', at: c.at, source: 'imap', snippet: c.snippet });
    return true;
  }

  /** Still a reply (the contact stops as one); the suppression waits for the operator's confirmation. */
  private unsubscribeRequest(c: Classified): boolean {
    const stopped = this.reply(c);
    const recipient = c.send?.email ?? c.fromAddr;
    this.event({
      at: c.at, type: 'contact.unsubscribe_requested', messageId: c.send?.messageId ?? null, recipient, reason: c.snippet.slice(0, 500),
      data: { inbox: c.inboxId, snippet: c.snippet, ...(c.send ? { campaign: c.send.campaign, step: c.send.step } : {}) },
    });
    return stopped;
  }

  private pause(c: Classified): boolean {
    this.pauses.untilReturn({ send: c.send!, until: c.returnAt!, subject: c.subject, at: c.at, source: 'imap', reply: c.inboxId });
    return true;
  }

  private report(c: Classified): boolean {
    if (!c.report || !c.reportMatch) return false;
    const consequences = reportConsequences(c.report, c.reportMatch, `inbox:${c.inboxId}`, c.at, 'imap');
    this.recorder.write(consequences);
    return consequences.events.length > 0;
  }
}
