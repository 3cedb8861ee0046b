// Turns what a parser extracted for one recipient into a ReportRecipient: fills status and reply code
// from the diagnostic when the report gave none, then asks the classifier for reason and class.

import type { BounceClass } from '../classes.js';
import { classify } from '../classify/index.js';
import type { ReportRecipient } from '../report-types.js';
import { findCommand, findReplyCode, findStatus, isGeneric } from './codes.js';

/** One recipient as a parser sees it, before classification. */
export type Draft = Omit<ReportRecipient, 'class' | 'reason'>;

export function draft(address: string, over: Partial<Draft> = {}): Draft {
  return { address, status: '', replyCode: '', diagnostic: '', action: '', remoteMta: '', command: '', ...over };
}

/** Whitespace collapsed to single spaces, capped, so the diagnostic is one readable line. */
export function oneLine(text: string, max = 1000): string {
  return text.slice(0, max * 4).replace(/\s+/g, ' ').trim().slice(0, max);
}

/** Completes codes from the diagnostic text: a specific status there beats a missing or x.0.0 one. */
export function complete(d: Draft): Draft {
  const diagnostic = oneLine(d.diagnostic);
  const inText = failureCode(diagnostic, findStatus);
  const status = isGeneric(d.status) && inText !== '' && inText[0] === (d.status[0] ?? inText[0]) ? inText : d.status;
  const replyCode = d.replyCode || failureCode(diagnostic, findReplyCode);
  const command = d.command || findCommand(diagnostic);
  return { ...d, diagnostic, status, replyCode, command };
}

/** In a transcript the failure is what matters: the first 4xx/5xx code, else the first code. */
function failureCode(text: string, find: (t: string) => string): string {
  const first = find(text);
  if (first === '' || first[0] !== '2') return first;
  const failure = /(?<![\w.])[45]\d\d(?![\w])|(?<![\w.])[45]\.\d{1,3}\.\d{1,3}/.exec(text);
  return failure === null ? first : find(text.slice(failure.index)) || first;
}

/**
 * Which known service wrote the report, when its words alone may not say why (they are localized):
 * Google's mailer-daemon answering for a googlegroups.com address is Google Groups refusing a post.
 */
function providerOf(reporter: string, address: string): string {
  if (/@google(?:mail)?\.com$/i.test(reporter) && /@googlegroups\.com$/i.test(address)) return 'googlegroups';
  return '';
}

/** The finished recipient: fixed reason and class for complaints, auto-replies and successes. `reporter` is the report's From. */
export function finish(d: Draft, fixed?: { reason: string; class: BounceClass }, reporter = ''): ReportRecipient {
  // Complaints and auto-replies carry no status: digits in their text are not codes.
  if (fixed !== undefined) return { ...d, diagnostic: oneLine(d.diagnostic), ...fixed };
  const c = complete(d);
  if (c.action === 'delivered' || c.action === 'relayed' || c.action === 'expanded') {
    return { ...c, reason: 'delivered', class: 'success' };
  }
  // Addresses are masked: a local part such as "mailboxfull" must not read as a reason.
  const text = c.diagnostic.replace(/[^\s<>"'(),;:@]{1,128}@[A-Za-z0-9.-]{1,255}/g, 'address@example');
  const provider = providerOf(reporter, c.address);
  const got = classify({ status: c.status, replyCode: c.replyCode, text, command: c.command, action: c.action, provider });
  return { ...c, status: got.status || c.status, reason: got.reason, class: got.class };
}
