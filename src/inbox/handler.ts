// The unified inbox's reader: every message the watcher hands over (after warm-up and placement) is
// classified, kept in inbox_messages and acted on (replies stop contacts, auto-replies pause them,
// bounces and complaints are recorded as reports). Idempotent: a message stored before is skipped.
import { ReportMatcher } from '../bounce/report-match.js';
import { isAutoReply } from '../campaigns/auto-reply.js';
import { ReplyMatcher } from '../campaigns/reply-match.js';
import { CampaignStore, type CampaignSend } from '../campaigns/store.js';
import type { MailDeps } from '../mailboxes/deps.js';
import type { ArrivedMail, MailHandler } from '../mailboxes/types.js';
import { classify, type InboxKind } from './classify.js';
import { InboxEffects } from './effects.js';
import { returnDate } from './out-of-office.js';
import { readMail, type ReadMail } from './read.js';
import { InboxStore, type InboxRecord } from './store.js';
import { asksToUnsubscribe } from './unsubscribe-intent.js';

const DAY = 86_400_000;

export function inboxHandler(deps: MailDeps): MailHandler {
  const inbox = new InboxReader(deps);
  return { name: 'inboxHandler', handle: (mail) => inbox.handle(mail) };
}

class InboxReader {
  private readonly store: InboxStore;
  private readonly effects: InboxEffects;
  private readonly replies: ReplyMatcher;
  private readonly reports: ReportMatcher;
  private readonly campaigns: CampaignStore;

  constructor(private readonly deps: MailDeps) {
    this.store = new InboxStore(deps.db);
    this.effects = new InboxEffects(deps.db);
    this.replies = new ReplyMatcher(deps.db);
    this.reports = new ReportMatcher(deps.db);
    this.campaigns = new CampaignStore(deps.db);
  }

  async handle(mail: ArrivedMail): Promise<boolean> {
    if (this.seen(mail, null)) return true;
    const read = await readMail(mail.raw);
    if (this.seen(mail, read.headerId)) return true;
    const at = this.deps.clock();
    const { kind, send, reportMatch, returnAt } = this.judge(mail, read, at);
    const changed = this.deps.db.transaction(() => {
      if (this.seen(mail, read.headerId)) return false; // another read got here first
      const inboxId = this.store.insert(record(mail, read, { kind, send, returnAt, at }));
      return this.effects.apply({ inboxId, kind, send, fromAddr: read.fromAddr, subject: read.subject, snippet: read.snippet, returnAt, report: read.report, reportMatch, at });
    })();
    this.deps.log.info({ event: 'inbox-message', identity: mail.identity, folder: mail.folder, uid: mail.uid, kind, campaign: send?.campaign ?? null, contact: send?.email ?? null },
      `mailbox message: ${kind}`);
    if (changed) this.deps.wakeCampaigns();
    return true;
  }

  private seen(mail: ArrivedMail, headerId: string | null): boolean {
    return this.store.find(mail.identity, mail.folder, mail.uidValidity, mail.uid, headerId) !== null;
  }

  private judge(mail: ArrivedMail, read: ReadMail, at: number) {
    const reportMatch = read.report.kind === 'bounce' || read.report.kind === 'complaint' ? this.reports.match(read.report, null) : null;
    const auto = isAutoReply(read.fields);
    const send = reportMatch ? this.campaigns.sendByMessage(reportMatch.messageId) : this.repliedSend(mail, read, auto);
    const kind: InboxKind = classify({
      report: read.report.kind, auto, unsubscribe: asksToUnsubscribe(read.newText, read.subject),
      matched: send !== null, threaded: read.inReplyTo.trim() !== '',
    });
    const pauseDays = this.deps.config.mailboxes.autoReplyPauseDays;
    const returnAt = kind === 'auto_reply' ? returnDate(`${read.subject}\n${read.newText}`, at) ?? at + pauseDays * DAY : null;
    return { kind, send, reportMatch, returnAt };
  }

  /** Threading fields, else the sender and the thread's subject; an auto-reply from a contact needs no subject. */
  private repliedSend(mail: ArrivedMail, read: ReadMail, auto: boolean): CampaignSend | null {
    return this.replies.byThread(read.inReplyTo, read.references)
      ?? (read.fromAddr ? this.replies.bySubject(read.fromAddr, mail.identity, read.subject, auto) : null);
  }
}

function record(mail: ArrivedMail, read: ReadMail, o: { kind: InboxKind; send: CampaignSend | null; returnAt: number | null; at: number }): InboxRecord {
  return {
    identity: mail.identity, folder: mail.folder, uidValidity: mail.uidValidity, uid: mail.uid, headerId: read.headerId,
    kind: o.kind, fromAddr: read.fromAddr, fromName: read.fromName, subject: read.subject.slice(0, 998),
    date: read.date ?? mail.internalDate, receivedAt: o.at, snippet: read.snippet, text: read.text,
    inReplyTo: read.inReplyTo.trim().slice(0, 998) || null,
    campaign: o.send?.campaign ?? null, email: o.send?.email ?? null, sendId: o.send?.id ?? null,
    returnAt: o.returnAt, unsubscribe: o.kind === 'unsubscribe' ? 'suggested' : null,
  };
}
