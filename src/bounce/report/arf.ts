// Reads ARF feedback reports (RFC 5965): the Feedback-Type and the complaining recipients, taken from
// Original-Rcpt-To (or Removal-Recipient), else the To of the returned message, else the report's text.
// Also two non-standard complaints: Apple Mail's unsubscribe mail and Hotmail's forwarded complaint.

import { cleanAddress, field, parseFields, type Field } from './fields.js';
import type { Part } from './mime.js';
import { draft, type Draft } from './recipient.js';

export interface ArfReport {
  feedbackType: string;
  drafts: Draft[];
}

/** Whether the message is a feedback report, by its report type or its feedback-report part. */
export function isArf(top: Part, parts: readonly Part[]): boolean {
  return top.params['report-type']?.toLowerCase() === 'feedback-report'
    || parts.some((p) => p.type === 'message/feedback-report')
    || (/^\s*complaint about message from/i.test(field(top.fields, 'subject')) && parts.some((p) => p.type === 'message/rfc822'));
}

/** Apple Mail's one-click unsubscribe: the sender of this mail asks to be removed (an opt-out). */
export function appleUnsubscribe(top: Part): ArfReport | null {
  if (!/^true$/i.test(field(top.fields, 'x-apple-unsubscribe'))) return null;
  const address = cleanAddress(field(top.fields, 'from'));
  return address === '' ? null : { feedbackType: 'opt-out', drafts: [draft(address, { diagnostic: field(top.fields, 'subject') })] };
}

/** The complaint, given the feedback part's fields (if any), the returned message's and fallback text. */
export function parseArf(parts: readonly Part[], original: readonly Field[], text: string): ArfReport {
  const report = parts.find((p) => p.type === 'message/feedback-report');
  const fields = report === undefined ? [] : parseFields(report.text);
  const named = fields.filter((f) => f.name === 'original-rcpt-to' || f.name === 'removal-recipient')
    .map((f) => cleanAddress(f.value))
    .filter((a) => a !== '');
  const fallback = cleanAddress(field(original, 'to')) || cleanAddress(text);
  const addresses = named.length > 0 ? [...new Set(named)] : fallback === '' ? [] : [fallback];
  return {
    feedbackType: (field(fields, 'feedback-type') || 'abuse').toLowerCase(),
    drafts: addresses.map((a) => draft(a, { diagnostic: field(fields, 'user-agent') })),
  };
}
