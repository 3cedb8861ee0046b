// What a report matched to a message we sent leads to: bounced/deferred/complained/unsubscribed events
// and suppressions. Shared by the report service (reports on our MX) and the mailbox inbox (reports
// that land in a provider mailbox), so a bounce is recorded alike wherever it was read. Pure but write().
import { prepareEventInsert } from '../events/store.js';
import type { NewEvent } from '../events/types.js';
import { domainOf } from '../queue/message-rows.js';
import type { Db } from '../store/db.js';
import { addSuppression, SuppressionStore } from '../suppression/store.js';
import { suppresses } from './classify/index.js';
import type { ReportMatch } from './report-match.js';
import type { ParsedReport, ReportRecipient } from './report-types.js';

export interface Suppression {
  address: string;
  scope: string;
  reason: 'hard-bounce' | 'complaint' | 'unsubscribe';
  detail: string;
  sourceMessage: string;
  at: number;
}

export interface Consequences {
  events: NewEvent[];
  suppressions: Suppression[];
}

/** The events and suppressions a matched report leads to; `source` tells where it was read (report, imap). */
export function reportConsequences(report: ParsedReport, match: ReportMatch, reportId: string, at: number, source = 'report'): Consequences {
  const sendingDomain = match.sender === '' ? '' : domainOf(match.sender);
  const events: NewEvent[] = [];
  const suppressions: Suppression[] = [];
  for (const { report: r, recipient } of match.recipients) {
    const type = eventType(report, r);
    if (type === null) continue;
    events.push({
      at,
      type,
      messageId: match.messageId,
      recipient: recipient?.address ?? r.address,
      sender: match.sender,
      sendingDomain,
      sourceIp: recipient?.sourceIp ?? null,
      mx: r.remoteMta || null,
      code: r.replyCode ? Number(r.replyCode) : null,
      enhanced: r.status || null,
      text: r.diagnostic || null,
      class: r.class,
      reason: r.reason,
      data: { source, report: reportId, ...(r.action ? { action: r.action } : {}), ...(report.feedbackType ? { feedbackType: report.feedbackType } : {}), ...match.labels },
    });
    // Only addresses we actually sent this message to are ever suppressed.
    const entry = recipient ? suppressionFor(type, r, report) : null;
    if (entry && recipient) {
      const scope = entry === 'hard-bounce' ? '' : sendingDomain;
      const detail = `${r.reason} ${r.status} ${r.diagnostic}`.replace(/\s+/g, ' ').trim().slice(0, 500);
      suppressions.push({ address: recipient.address, scope, reason: entry, detail, sourceMessage: match.messageId, at });
    }
  }
  return { events, suppressions };
}

/** Writes consequences; the caller holds the transaction (with its own mark of the report as read). */
export class ReportRecorder {
  private readonly insertEvent;
  private readonly suppressions: SuppressionStore;

  constructor(db: Db) {
    this.insertEvent = prepareEventInsert(db);
    this.suppressions = new SuppressionStore(db);
  }

  write(c: Consequences): void {
    for (const e of c.events) this.insertEvent(e);
    for (const s of c.suppressions) addSuppression(this.suppressions, s);
  }
}

function eventType(report: ParsedReport, r: ReportRecipient): NewEvent['type'] | null {
  if (report.kind === 'complaint') return report.feedbackType === 'opt-out' ? 'unsubscribed' : 'complained';
  if (report.kind !== 'bounce' || r.class === 'success' || r.class === 'auto-reply') return null;
  return r.action === 'delayed' || r.status.startsWith('4') ? 'deferred' : 'bounced';
}

function suppressionFor(type: NewEvent['type'], r: ReportRecipient, report: ParsedReport): Suppression['reason'] | null {
  if (type === 'complained') return 'complaint';
  if (type === 'unsubscribed') return 'unsubscribe';
  if (type === 'bounced' && report.kind === 'bounce' && suppresses(r)) return 'hard-bounce';
  return null;
}
