// The human-readable first part of a DSN: what happened to each recipient, quoting the remote reply.
// 7-bit when the text is ASCII, quoted-printable otherwise, so the DSN stays 7-bit where it can. Pure.

import { rfc5322Date } from '../smtp/server/received.js';
import type { DsnInput, DsnRecipient } from './dsn.js';
import type { DsnKind } from './dsn-policy.js';
import { hasEightBit, oneLine, quotedPrintable, wrap, type MimePart } from './mime-text.js';

const WIDTH = 76;
const INDENT = '    ';

const INTRO: Record<DsnKind, string> = {
  failure:
    'Your message could not be delivered to the recipients listed below, and the mail system has ' +
    'stopped trying. Each recipient is followed by the reason.',
  delay:
    'Your message has not yet been delivered to the recipients listed below. The mail system is still ' +
    'trying, so there is no need to send it again. You will be told if it finally fails.',
  success: 'You asked to be told when your message was delivered. It has reached the recipients listed below.',
};

/** The closing sentence names what the third part holds. */
function outro(kind: DsnKind, full: boolean): string {
  if (full) return 'Your original message is attached.';
  return `The header of your ${kind === 'failure' ? 'original ' : ''}message is attached.`;
}

/** What was said, by whom: the peer's reply quoted, or our own reason. */
function reasonLine(r: DsnRecipient): string | undefined {
  const d = r.diagnostic;
  if (d === undefined) return undefined;
  if (!d.remote) return `Reason: ${oneLine(d.text)}`;
  const reply = [String(d.code), d.enhanced, oneLine(d.text)].filter((s) => s !== undefined && s !== '').join(' ');
  const who = r.remoteMta === undefined ? 'The remote mail system' : `The mail system at ${oneLine(r.remoteMta)}`;
  return `${who} said: ${reply}`;
}

/** What became of a delivered or relayed recipient, or until when a delayed one is retried. */
function outcomeLine(r: DsnRecipient): string | undefined {
  const at = r.remoteMta === undefined ? '' : ` to ${oneLine(r.remoteMta)}`;
  if (r.action === 'delivered') return `Delivered${at}.`;
  if (r.action === 'relayed') {
    return `Passed on${at}, which does not send delivery reports: there will be no further report for this recipient.`;
  }
  if (r.action === 'delayed' && r.willRetryUntil !== undefined) {
    return `The mail system will keep trying until ${rfc5322Date(r.willRetryUntil)}.`;
  }
  return undefined;
}

/** The ORCPT address, when it differs from the address we tried. */
function originally(r: DsnRecipient): string {
  const orig = r.originalRecipient?.slice(r.originalRecipient.indexOf(';') + 1).trim();
  if (orig === undefined || orig === '' || orig.toLowerCase() === r.finalRecipient.toLowerCase()) return '';
  return ` (originally addressed to <${oneLine(orig)}>)`;
}

function recipientLines(r: DsnRecipient): string[] {
  const lines = wrap(`<${oneLine(r.finalRecipient)}>${originally(r)}`, WIDTH);
  for (const sentence of [reasonLine(r), outcomeLine(r)]) {
    if (sentence !== undefined) lines.push(...wrap(sentence, WIDTH, INDENT));
  }
  return lines;
}

/** The explanation text, CRLF line ends. */
export function notificationText(input: DsnInput, kind: DsnKind, full: boolean): string {
  const lines = [`This is the mail system at ${oneLine(input.reportingMta)}.`, '', ...wrap(INTRO[kind], WIDTH), ''];
  for (const r of input.recipients) lines.push(...recipientLines(r), '');
  lines.push(...wrap(outro(kind, full), WIDTH));
  return lines.join('\r\n') + '\r\n';
}

/** The first part: text/plain in UTF-8, quoted-printable only when it is not ASCII. */
export function notificationPart(input: DsnInput, kind: DsnKind, full: boolean): MimePart {
  const text = notificationText(input, kind, full);
  const qp = hasEightBit(text);
  return {
    contentType: 'text/plain; charset=utf-8',
    encoding: qp ? 'quoted-printable' : '7bit',
    description: 'Notification',
    body: Buffer.from(qp ? quotedPrintable(text) : text, 'utf8'),
  };
}
