// Finds the failed (or delayed) recipients of a delivery report: delivery-status fields first, then the
// MTA's text, the X-Failed-Recipients header, a bounce forwarded inside the report, the original's To.
// Pure; returns no recipients for a mail that neither carries status fields nor looks like a bounce.

import { findCommand } from './codes.js';
import { hasStatusFields, parseDeliveryStatus } from './dsn.js';
import { cleanAddress, decodeWords, field, type Field } from './fields.js';
import type { Part } from './mime.js';
import { notificationText, outerParts } from './notification.js';
import { draft, type Draft } from './recipient.js';
import { notificationLines, scanText } from './text.js';

const STATUS_PARTS = new Set(['message/delivery-status', 'message/global-delivery-status']);
const BOUNCE_SUBJECT = /undeliver|delivery (status|fail|notification|report|problem)|returned mail|failure notice|failed|non-?delivery|could not be delivered|not delivered|delivery has failed|warning: could not|delayed mail|mail system error|rejected|returned to sender/i;
const BOUNCE_TEXT = /could not be delivered|undeliverable|delivery (has )?failed|permanent (error|failure)|failed permanently|not a member|mailbox is full|user unknown|no such user|loop alert|error message below|delivery to the following|unable to deliver/i;
const DELAYED = /\b(has been delayed|delivery (is|has been) delayed|not (yet )?been delivered|will (be retried|retry|continue trying|keep trying)|still trying|warning message only|delay(ed)? notification|temporarily deferred)\b/i;

/**
 * Recipients of a delivery report: delivery-status fields, else the text, else X-Failed-Recipients, else
 * a bounce forwarded inside the report, else (for a mail that looks like a bounce) the original's To.
 */
export function bounceDrafts(top: Part, parts: readonly Part[], text: string, original: Field[], bounceLike: boolean): Draft[] {
  const hasStatus = parts.some((p) => STATUS_PARTS.has(p.type)) || hasStatusFields(text);
  if (!hasStatus && !bounceLike) return [];
  const own = ownDrafts(top, parts, text);
  if (own.length > 0) return own;
  const inner = parts.find((p) => p !== top && p.children[0] !== undefined && looksLikeBounce(p.children[0], ''))?.children[0];
  if (inner !== undefined) {
    const innerParts = outerParts(inner);
    const drafts = ownDrafts(inner, innerParts, notificationText(inner, innerParts));
    if (drafts.length > 0) return drafts;
  }
  const to = cleanAddress(field(original, 'to'));
  return to !== '' && bounceLike ? [draft(to, { diagnostic: notificationLines(text).join(' '), action: actionOf(top, text) })] : [];
}

function actionOf(top: Part, text: string): string {
  return DELAYED.test(`${decodeWords(field(top.fields, 'subject'))}\n${text.slice(0, 20000)}`) ? 'delayed' : 'failed';
}

function ownDrafts(top: Part, parts: readonly Part[], text: string): Draft[] {
  const statusText = parts.filter((p) => STATUS_PARTS.has(p.type)).map((p) => p.text).join('\n\n');
  const fromFields = parseDeliveryStatus(statusText || (hasStatusFields(text) ? text : ''));
  const exclude = new Set([cleanAddress(field(top.fields, 'from')).toLowerCase()]);
  const sender = cleanAddress(field(top.fields, 'to')).toLowerCase();
  const action = actionOf(top, text);
  const fromText = scanText(text, { exclude, sender, action });
  if (fromFields.length > 0) {
    const byAddress = new Map(fromText.map((d) => [d.address.toLowerCase(), d]));
    return fromFields.map((d) => withTextDiagnostic(d, byAddress.get(d.address.toLowerCase())));
  }
  const failed = failedRecipients(top);
  if (failed.length === 0) return fromText;
  // The header is the MTA's own list: it decides who failed; the text only explains why.
  const fallback = fromText.length === 1 ? fromText[0]!.diagnostic : notificationLines(text).join(' ');
  return failed.map((address) => fromText.find((d) => d.address.toLowerCase() === address.toLowerCase())
    ?? draft(address, { diagnostic: fallback, action }));
}

/**
 * A DSN group borrows from what the text said about the same address: the diagnostic when it has
 * none, and the SMTP command (transcripts and Postfix's "in reply to" say it, Diagnostic-Code rarely).
 */
function withTextDiagnostic(d: Draft, same: Draft | undefined): Draft {
  if (same === undefined) return d;
  const diagnostic = d.diagnostic || same.diagnostic;
  return { ...d, diagnostic, command: d.command || findCommand(diagnostic) || findCommand(same.diagnostic) };
}

function failedRecipients(top: Part): string[] {
  const value = field(top.fields, 'x-failed-recipients');
  return [...new Set(value.split(',').map(cleanAddress).filter((a) => a !== ''))];
}

/** Whether the sender, the headers or the first words of the text say this is a delivery report. */
export function looksLikeBounce(top: Part, text: string): boolean {
  const from = field(top.fields, 'from');
  return /mailer-daemon|postmaster|post_master|mail delivery|-admin@/i.test(from) || top.type === 'multipart/report'
    || field(top.fields, 'x-failed-recipients') !== '' || BOUNCE_SUBJECT.test(decodeWords(field(top.fields, 'subject')))
    || BOUNCE_TEXT.test(text.slice(0, 5000));
}

