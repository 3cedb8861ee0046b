// Parses a returned mail (DSN, MTA text bounce, ARF complaint, SES notification or auto-reply) into
// one entry per recipient with status, reply code and classification. Never throws: anything it cannot
// read becomes kind 'other' with no recipients. Bounded: only the first MiBs of the input are examined.

import type { ParsedReport, ReportKind } from '../report-types.js';
import { appleUnsubscribe, isArf, parseArf } from './arf.js';
import { isAutoReply } from './autoreply.js';
import { bounceDrafts, looksLikeBounce } from './bounce.js';
import { cleanAddress, decodeWords, field, type Field } from './fields.js';
import { parseMessage, type Part } from './mime.js';
import { notificationText, outerParts } from './notification.js';
import { emptyOriginal, originalFields, toOriginal } from './original.js';
import { draft, finish } from './recipient.js';
import { parseSes } from './ses.js';

const MAX_INPUT = 4 * 1024 * 1024;
const MAX_RECIPIENTS = 1000;

export async function parseReport(raw: Buffer): Promise<ParsedReport> {
  try {
    const reports = splitMbox(raw.subarray(0, MAX_INPUT).toString('latin1')).map(parseBounded);
    return merge(reports);
  } catch {
    return { kind: 'other', recipients: [], feedbackType: '', original: emptyOriginal() };
  }
}

/**
 * An mbox file holds several messages, each after a `From sender date` line that follows a blank line
 * or a closing MIME boundary (a quoted one inside a forwarded text does not split). At most 20 are read.
 */
function splitMbox(raw: string): string[] {
  const starts = [0];
  for (const m of raw.matchAll(/\n(?=From \S{1,255} {1,2}[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d )/g)) {
    const before = raw.slice(Math.max(0, m.index - 200), m.index).split('\n').pop() ?? '';
    if (starts.length < 20 && (before.trim() === '' || /^--[^-\s]\S*--\s*$/.test(before))) starts.push(m.index + 1);
  }
  return starts.map((start, i) => raw.slice(start, starts[i + 1]).replace(/^From [^\n]{0,1000}\n/, ''));
}

/** One report for the file: the first message's kind and original, every message's recipients. */
function merge(reports: ParsedReport[]): ParsedReport {
  const first = reports.find((r) => r.kind !== 'other') ?? reports[0]!;
  const recipients = reports.filter((r) => r.kind === first.kind).flatMap((r) => r.recipients).slice(0, MAX_RECIPIENTS);
  return { ...first, recipients };
}

function parseBounded(raw: string): ParsedReport {
  const top = parseMessage(raw);
  const parts = outerParts(top);
  const text = notificationText(top, parts);
  const original = originalFields(parts, text);
  const ses = text.includes('"notificationType"') ? parseSes(text) : null;
  if (ses !== null) {
    const fixed = ses.kind === 'complaint' ? { reason: 'feedback', class: 'complaint' as const } : undefined;
    const recipients = ses.drafts.map((d) => finish(d, fixed));
    const kind = recipients.length > 0 ? ses.kind : 'other';
    return { kind, recipients, feedbackType: ses.feedbackType, original: { ...toOriginal(original), ...ses.original } };
  }
  const unsubscribe = appleUnsubscribe(top);
  if (unsubscribe !== null || isArf(top, parts)) {
    const arf = unsubscribe ?? parseArf(parts, original, text);
    const recipients = arf.drafts.map((d) => finish(d, { reason: 'feedback', class: 'complaint' }));
    return report(recipients.length > 0 ? 'complaint' : 'other', recipients, original, arf.feedbackType);
  }
  const bounceLike = looksLikeBounce(top, text);
  if (isAutoReply(top.fields) && !bounceLike) return autoReply(top, original);
  const drafts = bounceDrafts(top, parts, text, original, bounceLike);
  const reporter = cleanAddress(field(top.fields, 'from'));
  if (drafts.length > 0) return report('bounce', drafts.slice(0, MAX_RECIPIENTS).map((d) => finish(d, undefined, reporter)), original);
  return report('other', [], original);
}

function report(kind: ReportKind, recipients: ParsedReport['recipients'], original: Field[], feedbackType = ''): ParsedReport {
  return { kind, recipients, feedbackType, original: toOriginal(original) };
}

/** The auto-replier is the one recipient: the From of the reply. */
function autoReply(top: Part, original: Field[]): ParsedReport {
  const address = cleanAddress(field(top.fields, 'from'));
  if (address === '') return report('other', [], original);
  const d = draft(address, { diagnostic: decodeWords(field(top.fields, 'subject')) });
  return report('auto-reply', [finish(d, { reason: 'vacation', class: 'auto-reply' })], original);
}
