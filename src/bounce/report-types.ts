// What the report parsers (src/bounce/report/) hand back for one mail: the kind of report and one entry
// per recipient, in the order the report lists them, plus what is needed to find the original message.
import type { BounceClass } from './classes.js';

export type ReportKind = 'bounce' | 'complaint' | 'auto-reply' | 'other';

export interface ReportRecipient {
  address: string;
  /** DSN status code such as 5.1.1 (from the report, else inferred from the reason), or ''. */
  status: string;
  /** SMTP reply code such as 550, or ''. */
  replyCode: string;
  class: BounceClass;
  reason: string;
  /** The remote server's words (Diagnostic-Code or the quoted reply), one line. */
  diagnostic: string;
  /** failed | delayed | delivered | relayed | expanded, or ''. */
  action: string;
  /** Remote MTA host, when the report names it. */
  remoteMta: string;
  /** SMTP command the error answered (MAIL, RCPT, DATA, ...), when known. */
  command: string;
}

export interface ReportOriginal {
  /** Message-ID of the returned original, without angle brackets. */
  messageId: string;
  /** Petrel queue ids named by "by ... (Petrel) ... id X" Received fields in the returned headers. */
  petrelIds: string[];
  from: string;
  to: string;
  subject: string;
}

export interface ParsedReport {
  kind: ReportKind;
  recipients: ReportRecipient[];
  /** ARF Feedback-Type (abuse, fraud, opt-out, ...) for complaints, else ''. */
  feedbackType: string;
  original: ReportOriginal;
}
