// The machine-readable part of a DSN (RFC 3464 §2): per-message fields, then one block per recipient,
// as 7-bit message/delivery-status or, for non-ASCII addresses after SMTPUTF8, message/global-delivery-status
// (RFC 6533). Pure; never throws: bad values are replaced (status) or escaped (non-ASCII in 7-bit).

import { isIP } from 'node:net';
import { rfc5322Date } from '../smtp/server/received.js';
import type { DsnInput, DsnRecipient } from './dsn.js';
import { foldField, hasEightBit, oneLine, type MimePart } from './mime-text.js';

const STATUS = /^[245]\.\d{1,3}\.\d{1,3}$/;
const FALLBACK_STATUS: Record<DsnRecipient['action'], string> = {
  failed: '5.0.0',
  delayed: '4.0.0',
  delivered: '2.0.0',
  relayed: '2.0.0',
};

/** True when the report must be message/global-delivery-status: SMTPUTF8 and a non-ASCII address. */
export function needsGlobal(input: Pick<DsnInput, 'smtputf8' | 'recipients'>): boolean {
  const addresses = input.recipients.flatMap((r) => [r.finalRecipient, r.originalRecipient ?? '']);
  return input.smtputf8 && addresses.some((a) => hasEightBit(a));
}

/** RFC 6533 EmbeddedUnicodeChar: "\x{HEX}" for each character that `escape` selects. */
function escapeChars(text: string, escape: (ch: string) => boolean): string {
  let out = '';
  for (const ch of text) out += escape(ch) ? `\\x{${ch.codePointAt(0)!.toString(16).toUpperCase()}}` : ch;
  return out;
}

const nonAscii = (ch: string) => ch.codePointAt(0)! > 127;

/** Free text on one line; in the 7-bit report with its non-ASCII characters escaped. */
const plain = (text: string, global: boolean) => (global ? oneLine(text) : escapeChars(oneLine(text), nonAscii));

/**
 * "type; address". A non-ASCII address is of type utf-8 (RFC 6533 §3): as is in the global report,
 * otherwise in its 7-bit form, where "\", "+", "=" and non-ASCII characters become \x{HEX}.
 */
export function typedAddress(type: string, address: string, global: boolean): string {
  const addr = oneLine(address);
  if (!hasEightBit(addr)) return `${oneLine(type)}; ${addr}`;
  if (global) return `utf-8; ${addr}`;
  return `utf-8; ${escapeChars(addr, (ch) => nonAscii(ch) || '\\+='.includes(ch))}`;
}

/** The ORCPT value ("type;address") as an Original-Recipient value (RFC 3464 §2.3.1). */
export function originalRecipientValue(orcpt: string, global: boolean): string {
  const semi = orcpt.indexOf(';');
  const type = semi > 0 ? orcpt.slice(0, semi).trim() : 'rfc822';
  return typedAddress(type, orcpt.slice(semi + 1).trim(), global);
}

/** "dns; host", with an IP address as an address literal. */
function mtaValue(host: string, global: boolean): string {
  const name = plain(host, global);
  const ip = isIP(name);
  return `dns; ${ip === 4 ? `[${name}]` : ip === 6 ? `[IPv6:${name}]` : name}`;
}

/** "smtp; 550 5.1.1 text" for the peer's reply, "X-Petrel; text" for a reason of our own. */
export function diagnosticValue(d: NonNullable<DsnRecipient['diagnostic']>, global: boolean): string {
  const text = plain(d.text, global);
  if (!d.remote) return `X-Petrel; ${text}`;
  return ['smtp;', String(d.code), d.enhanced, text].filter((s) => s !== undefined && s !== '').join(' ');
}

type Field = [string, string];

/** No field when the value is absent. */
const opt = <T>(value: T | undefined, field: (v: T) => Field): Field[] => (value === undefined ? [] : [field(value)]);

function perMessage(input: DsnInput, global: boolean): Field[] {
  return [
    // RFC 3464 §2.2 puts Original-Envelope-Id first; the ENVID is already xtext-decoded.
    ...opt(input.envid, (id) => ['Original-Envelope-Id', plain(id, global)]),
    ['Reporting-MTA', mtaValue(input.reportingMta, global)],
    ['Arrival-Date', rfc5322Date(input.arrivalDate)],
  ];
}

function perRecipient(r: DsnRecipient, global: boolean): Field[] {
  return [
    ...opt(r.originalRecipient, (o) => ['Original-Recipient', originalRecipientValue(o, global)]),
    ['Final-Recipient', typedAddress('rfc822', r.finalRecipient, global)],
    ['Action', r.action],
    ['Status', STATUS.test(r.status) ? r.status : FALLBACK_STATUS[r.action]],
    ...opt(r.remoteMta, (host) => ['Remote-MTA', mtaValue(host, global)]),
    ...opt(r.diagnostic, (d) => ['Diagnostic-Code', diagnosticValue(d, global)]),
    ...opt(r.lastAttemptAt, (t) => ['Last-Attempt-Date', rfc5322Date(t)]),
    ...opt(r.action === 'delayed' ? r.willRetryUntil : undefined, (t) => ['Will-Retry-Until', rfc5322Date(t)]),
  ];
}

const block = (fields: Field[]) => fields.map(([name, value]) => foldField(name, value)).join('');

/** The delivery-status text: per-message fields, then a blank line before each recipient's block. */
export function deliveryStatusText(input: DsnInput, global: boolean): string {
  const recipients = input.recipients.map((r) => block(perRecipient(r, global)));
  return [block(perMessage(input, global)), ...recipients].join('\r\n');
}

/** The second part of the report; 8bit only when the global form carries UTF-8. */
export function deliveryStatusPart(input: DsnInput): MimePart {
  const global = needsGlobal(input);
  const text = deliveryStatusText(input, global);
  return {
    contentType: global ? 'message/global-delivery-status' : 'message/delivery-status',
    encoding: hasEightBit(text) ? '8bit' : '7bit',
    description: 'Delivery report',
    body: Buffer.from(text, 'utf8'),
  };
}
