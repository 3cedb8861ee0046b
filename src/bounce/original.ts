// The original message as a DSN returns it: its header section (up to the first CRLFCRLF), its
// Message-ID, and the third part of the report (RFC 3461 §4.3, RFC 6522, RFC 6533). Pure; never throws.

import { hasEightBit, isLineSafe, quotedPrintable, type MimePart } from './mime-text.js';

const CRLF = Buffer.from('\r\n');
const BLANK = Buffer.from('\r\n\r\n');
const MAX_MSGID = 900; // a msg-id cannot be folded; keep "References: <id>" within 998 octets

/** What the third part should hold and whether it fits the limits. */
export interface ReturnRequest {
  original: Buffer;
  ret?: 'FULL' | 'HDRS';
  maxOriginalBytes: number;
  smtputf8: boolean;
  failure: boolean; // the DSN reports failed recipients
}

/** The header section including the CRLF that ends its last field; "" when the message starts with a blank line. */
export function headerSection(original: Buffer): Buffer {
  if (original.subarray(0, 2).equals(CRLF)) return Buffer.alloc(0);
  const end = original.indexOf(BLANK);
  if (end >= 0) return original.subarray(0, end + 2);
  // No body: all of it is header; make sure the last field ends its line.
  const ends = original.length === 0 || original.subarray(-2).equals(CRLF);
  return ends ? original : Buffer.concat([original, CRLF]);
}

/** The "<id>" of the original's Message-ID field, when it has a usable one. */
export function originalMessageId(headers: Buffer): string | undefined {
  const text = headers.toString('utf8').replace(/\r\n(?=[ \t])/g, '');
  const field = /^message-id[ \t]*:(.*)$/im.exec(text)?.[1];
  const id = field === undefined ? undefined : /<[^<>\s]+>/.exec(field)?.[0];
  return id !== undefined && id.length <= MAX_MSGID ? id : undefined;
}

/** Cuts a header section longer than `max` octets after its last whole line that fits. */
function capHeaders(headers: Buffer, max: number): Buffer {
  if (headers.length <= max) return headers;
  const end = headers.lastIndexOf(CRLF, max - 2);
  return end < 0 ? Buffer.alloc(0) : headers.subarray(0, end + 2);
}

/**
 * The third part. The whole message (message/rfc822, or message/global after SMTPUTF8) only in a failure
 * report, without RET=HDRS, within `maxOriginalBytes`, and fit to travel unencoded (RFC 2046 §5.2.1
 * forbids encoding message/rfc822). Otherwise only the headers: RFC 3461 §4.3 says a DSN without
 * failures (delayed, delivered, relayed) SHOULD return only the headers.
 */
export function returnedPart(req: ReturnRequest): { part: MimePart; full: boolean } {
  const { original } = req;
  const full = req.failure && req.ret !== 'HDRS' && original.length <= req.maxOriginalBytes && isLineSafe(original);
  if (full) {
    const part: MimePart = {
      contentType: req.smtputf8 ? 'message/global' : 'message/rfc822',
      encoding: hasEightBit(original) ? '8bit' : '7bit',
      description: 'Undelivered message',
      body: original,
    };
    return { part, full };
  }
  return { part: headersPart(capHeaders(headerSection(original), req.maxOriginalBytes), req.smtputf8), full };
}

/** text/rfc822-headers, or message/global-headers (RFC 6533) after SMTPUTF8; broken headers go QP. */
function headersPart(headers: Buffer, smtputf8: boolean): MimePart {
  const safe = isLineSafe(headers);
  return {
    contentType: smtputf8 ? 'message/global-headers' : 'text/rfc822-headers',
    encoding: !safe ? 'quoted-printable' : hasEightBit(headers) ? '8bit' : '7bit',
    description: 'Message headers',
    body: safe ? headers : Buffer.from(quotedPrintable(headers), 'ascii'),
  };
}
