// Finds the message and recipients a returned report is about. The tagged return path it was sent to
// names the message for sure (its MAC was checked at RCPT); without one, our Received id in the
// returned headers does, or the returned Message-ID of a campaign send (mail sent through a provider's
// relay has neither when its bounce lands in the mailbox). A report recipient is matched by address,
// or, when the message had a single recipient, to that one (forwarded or redacted addresses).
// Unmatched reports change nothing.
import { labelsOf } from '../events/types.js';
import type { Envelope } from '../smtp/server/ports.js';
import type { Db } from '../store/db.js';
import type { ParsedReport, ReportRecipient } from './report-types.js';

export interface MatchedRecipient {
  idx: number;
  address: string;
  /** Local address of the last delivery attempt: the source IP the report is about. */
  sourceIp: string | null;
}

export interface ReportMatch {
  messageId: string;
  sender: string;
  /** The message's tags and metadata (API sends), for the events. */
  labels: Record<string, unknown>;
  /** The report's recipients, each with the message's recipient it is about, or null. */
  recipients: Array<{ report: ReportRecipient; recipient: MatchedRecipient | null }>;
}

export class ReportMatcher {
  private readonly message;
  private readonly recipients;
  private readonly byHeaderId;

  constructor(db: Db) {
    this.message = db.prepare(`SELECT sender, envelope FROM messages WHERE id = ? AND direction = 'outbound'`);
    this.recipients = db.prepare(
      `SELECT r.idx, r.address,
              (SELECT a.local_ip FROM attempts a WHERE a.message_id = r.message_id AND a.idx = r.idx
               ORDER BY a.at DESC LIMIT 1) AS sourceIp
       FROM recipients r WHERE r.message_id = ? ORDER BY r.idx`,
    );
    this.byHeaderId = db.prepare('SELECT message_id FROM campaign_sends WHERE header_id = ? ORDER BY sent_at DESC').pluck();
  }

  /** `taggedId`: the queue id from the return path the report was sent to, if any. */
  match(report: ParsedReport, taggedId: string | null): ReportMatch | null {
    const candidates = taggedId ? [taggedId] : [...report.original.petrelIds, ...this.sentAs(report.original.messageId)];
    for (const id of candidates) {
      const row = this.message.get(id) as { sender: string; envelope: string } | undefined;
      if (!row) continue;
      const rows = this.recipients.all(id) as MatchedRecipient[];
      const listed = report.recipients.map((r) => ({ report: r, recipient: pick(rows, r) }));
      // A complaint with the complainer redacted is about the message's only recipient, if it had one.
      const sole = listed.length === 0 && report.kind === 'complaint' && rows.length === 1 ? [{ report: anonymous(rows[0]!), recipient: rows[0]! }] : [];
      const labels = labelsOf(JSON.parse(row.envelope) as Envelope);
      return { messageId: id, sender: row.sender, labels, recipients: [...listed, ...sole] };
    }
    return null;
  }

  /** Queue ids of the campaign sends whose Message-ID the returned original carries. */
  private sentAs(headerId: string): string[] {
    return headerId === '' ? [] : (this.byHeaderId.all(headerId) as string[]);
  }
}

function pick(rows: MatchedRecipient[], r: ReportRecipient): MatchedRecipient | null {
  const address = r.address.toLowerCase();
  const exact = rows.find((row) => row.address.toLowerCase() === address);
  if (exact) return exact;
  return rows.length === 1 ? rows[0]! : null;
}

function anonymous(row: MatchedRecipient): ReportRecipient {
  return { address: row.address, status: '', replyCode: '', class: 'complaint', reason: 'feedback', diagnostic: '', action: '', remoteMta: '', command: '' };
}
