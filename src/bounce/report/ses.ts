// Reads Amazon SES notifications (Bounce, Complaint, Delivery) sent as JSON in a mail body, e.g. by
// SNS email subscriptions. Returns null when the body holds no such JSON object.

import { cleanAddress } from './fields.js';
import { draft, type Draft } from './recipient.js';

export interface SesReport {
  kind: 'bounce' | 'complaint';
  feedbackType: string;
  drafts: Draft[];
  original: { messageId: string; from: string; to: string; subject: string };
}

type Json = Record<string, unknown>;

/** The first `{"notificationType": ...}` object in the text, parsed; null if absent or not valid JSON. */
export function parseSes(text: string): SesReport | null {
  const start = text.indexOf('{"notificationType"');
  if (start < 0) return null;
  const end = text.lastIndexOf('}');
  let json: Json;
  try {
    json = JSON.parse(text.slice(start, end + 1).replace(/\r?\n/g, '')) as Json;
  } catch {
    return null;
  }
  const type = String(json.notificationType ?? '');
  const drafts = type === 'Bounce' ? bounced(obj(json.bounce)) : type === 'Complaint' ? complained(obj(json.complaint))
    : type === 'Delivery' ? delivered(obj(json.delivery)) : null;
  if (drafts === null) return null;
  const feedbackType = type === 'Complaint' ? String(obj(json.complaint).complaintFeedbackType ?? 'abuse') : '';
  return { kind: type === 'Complaint' ? 'complaint' : 'bounce', feedbackType, drafts, original: original(obj(json.mail)) };
}

function obj(v: unknown): Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {};
}

function list(v: unknown): Json[] {
  return Array.isArray(v) ? v.map(obj) : [];
}

function bounced(b: Json): Draft[] {
  const temporary = String(b.bounceType ?? '') === 'Transient';
  return list(b.bouncedRecipients).map((r) => draft(cleanAddress(String(r.emailAddress ?? '')), {
    action: String(r.action ?? (temporary ? 'delayed' : 'failed')),
    status: String(r.status ?? ''),
    diagnostic: String(r.diagnosticCode ?? '').replace(/^smtp;\s*/i, ''),
    remoteMta: String(b.reportingMTA ?? '').replace(/^dns;\s*/i, ''),
  })).filter((d) => d.address !== '');
}

function complained(c: Json): Draft[] {
  return list(c.complainedRecipients).map((r) => draft(cleanAddress(String(r.emailAddress ?? ''))))
    .filter((d) => d.address !== '');
}

function delivered(d: Json): Draft[] {
  const reply = String(d.smtpResponse ?? '');
  const rcpts = Array.isArray(d.recipients) ? d.recipients.map(String) : [];
  return rcpts.map((r) => draft(cleanAddress(r), { action: 'delivered', diagnostic: reply, remoteMta: String(d.reportingMTA ?? '') }))
    .filter((x) => x.address !== '');
}

function original(mail: Json): SesReport['original'] {
  const common = obj(mail.commonHeaders);
  const first = (v: unknown) => (Array.isArray(v) ? String(v[0] ?? '') : String(v ?? ''));
  return {
    messageId: String(common.messageId ?? mail.messageId ?? '').replace(/^<|>$/g, ''),
    from: first(common.from),
    to: first(common.to),
    subject: String(common.subject ?? ''),
  };
}
