// Composes a delivery status notification (RFC 3464 in a multipart/report, RFC 6522) for the queue to
// send from the null reverse-path. Throws only on a programming error: no recipients, or mixed kinds.

import { randomBytes } from 'node:crypto';
import { rfc5322Date } from '../smtp/server/received.js';
import { deliveryStatusPart, needsGlobal } from './delivery-status.js';
import type { DsnKind } from './dsn-policy.js';
import { foldField, hasEightBit, pickBoundary, serializePart } from './mime-text.js';
import { notificationPart } from './notification-text.js';
import { headerSection, originalMessageId, returnedPart } from './original.js';

/** One recipient's outcome, as the queue knows it. */
export interface DsnRecipient {
  finalRecipient: string; // the address we tried
  originalRecipient?: string; // the ORCPT value "type;addr", when given
  action: 'failed' | 'delayed' | 'delivered' | 'relayed';
  status: string; // e.g. "5.1.1", "4.4.7", "2.0.0"; anything else becomes x.0.0
  remoteMta?: string; // the MX host name (or IP) that answered
  /** remote: the peer's reply (text without the codes); otherwise our own reason. */
  diagnostic?: { code: number; enhanced?: string; text: string; remote: boolean };
  lastAttemptAt?: number; // ms since epoch
  willRetryUntil?: number; // for delayed
}

/** Everything a DSN is made of: one report for one message and one event. */
export interface DsnInput {
  reportingMta: string; // our host name
  originalSender: string; // where the DSN goes
  envid?: string; // xtext-decoded
  ret?: 'FULL' | 'HDRS';
  arrivalDate: number; // when we accepted the original
  recipients: DsnRecipient[]; // all of one kind: failed, delayed, or delivered/relayed
  original: Buffer; // the original message as stored (headers + body, CRLF)
  smtputf8: boolean; // the original needed SMTPUTF8
  now?: number; // for tests
  messageId?: string; // for tests
  maxOriginalBytes?: number; // default 10 MiB: above it only the headers are returned
}

/** The composed DSN and how to send it. */
export interface ComposedDsn {
  message: Buffer;
  bodyType: '7BIT' | '8BITMIME';
  smtputf8: boolean; // the DSN's own header section is UTF-8 (a non-ASCII sender)
  subject: string;
}

const DEFAULT_MAX_ORIGINAL = 10 * 1024 * 1024;

const KIND: Record<DsnRecipient['action'], DsnKind> = {
  failed: 'failure',
  delayed: 'delay',
  delivered: 'success',
  relayed: 'success',
};

const SUBJECT: Record<DsnKind, string> = {
  failure: 'Undelivered Mail Returned to Sender',
  delay: 'Delayed Mail (still being retried)',
  success: 'Successful Mail Delivery Report',
};

/** The one kind of event all recipients report. */
function reportKind(recipients: DsnRecipient[]): DsnKind {
  const kinds = new Set(recipients.map((r) => KIND[r.action]));
  const [kind] = kinds;
  if (kind === undefined || kinds.size > 1) {
    throw new RangeError(`composeDsn: need recipients of one kind, got [${[...kinds].join(', ')}]`);
  }
  return kind;
}

/**
 * A complete DSN: explanation, message/delivery-status (message/global-delivery-status for non-ASCII
 * addresses after SMTPUTF8) and the original or its header. The message is 7-bit unless the returned
 * content or the global report carries 8-bit octets (bodyType 8BITMIME).
 * @example composeDsn({ reportingMta: 'mx.example.com', originalSender: 'a@example.com', arrivalDate: t,
 *   recipients: [{ finalRecipient: 'b@example.net', action: 'failed', status: '5.1.1' }],
 *   original, smtputf8: false })
 */
export function composeDsn(input: DsnInput): ComposedDsn {
  const kind = reportKind(input.recipients);
  const { part: returned, full } = returnedPart({
    original: input.original,
    ret: input.ret,
    maxOriginalBytes: input.maxOriginalBytes ?? DEFAULT_MAX_ORIGINAL,
    smtputf8: input.smtputf8,
    failure: kind === 'failure',
  });
  const parts = [notificationPart(input, kind, full), deliveryStatusPart(input), returned].map((p) => ({
    ...p,
    bytes: serializePart(p),
  }));
  const boundary = pickBoundary(parts.map((p) => p.bytes));
  const eightBit = parts.some((p) => p.encoding === '8bit');
  const reportType = needsGlobal(input) ? 'global-delivery-status' : 'delivery-status';
  const head = topHeaders(input, kind, { boundary, reportType, eightBit });
  const body = parts.flatMap((p) => [Buffer.from(`\r\n--${boundary}\r\n`), p.bytes]);
  const message = Buffer.concat([
    Buffer.from(head + '\r\nThis is a MIME-formatted delivery status notification.\r\n'),
    ...body,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { message, bodyType: eightBit ? '8BITMIME' : '7BIT', smtputf8: hasEightBit(head), subject: SUBJECT[kind] };
}

interface Framing {
  boundary: string;
  reportType: string;
  eightBit: boolean;
}

/** The DSN's header section (RFC 5322, RFC 3834 Auto-Submitted), ending in CRLF before the blank line. */
function topHeaders(input: DsnInput, kind: DsnKind, f: Framing): string {
  const now = input.now ?? Date.now();
  const host = input.reportingMta;
  const fields: [string, string][] = [
    ['From', `Mail Delivery System <MAILER-DAEMON@${host}>`],
    ['To', `<${input.originalSender}>`],
    ['Subject', SUBJECT[kind]],
    ['Date', rfc5322Date(now)],
    ['Message-ID', messageId(input.messageId, now, host)],
  ];
  const replyTo = kind === 'success' ? undefined : originalMessageId(headerSection(input.original));
  if (replyTo !== undefined) fields.push(['In-Reply-To', replyTo], ['References', replyTo]);
  fields.push(
    ['Auto-Submitted', 'auto-replied'],
    ['MIME-Version', '1.0'],
    ['Content-Type', `multipart/report; report-type=${f.reportType}; boundary="${f.boundary}"`],
    ['Content-Transfer-Encoding', f.eightBit ? '8bit' : '7bit'],
  );
  return fields.map(([name, value]) => foldField(name, value)).join('');
}

function messageId(given: string | undefined, now: number, host: string): string {
  if (given !== undefined) return given.startsWith('<') ? given : `<${given}>`;
  return `<${now.toString(36)}.${randomBytes(8).toString('hex')}@${host}>`;
}
