// Classifies an SMTP reply or a bounce report's diagnostic into a sisimai reason, a class (what the
// sender should do) and an enhanced status. Text first, since it names the cause more precisely than
// codes do (and a blocklist hit under "550 5.1.1" must not suppress a good address); then the enhanced
// code, the reply code, and the DSN's action. Pure and synchronous; all patterns are precompiled.

import type { BounceClass, Classification } from '../classes.js';
import { localReason } from './petrel.js';
import { reasonFromProviderCode } from './rhost.js';
import { classWithSeverity } from './reasons.js';
import { inferStatus, reasonFromStatus, statusInText, validStatus } from './status.js';
import { normalize, reasonFromText } from './text.js';

export { classOf } from './reasons.js';

/**
 * From a bounce report: status (e.g. "5.1.1" or ""), reply code ("550" or ""), the diagnostic text, the
 * SMTP command it answered, the DSN action, and the service that wrote the report when the parser
 * recognised one ('googlegroups'): its reason applies when the (often localized) words name none.
 */
export function classify(input: { status?: string; replyCode?: string; text: string; command?: string; action?: string; provider?: string }): Classification & { status: string } {
  const raw = input.text.slice(0, 8192).trim();
  const text = normalize(raw);
  const action = (input.action ?? '').trim().toLowerCase();
  const replyCode = /^[245]\d\d$/.test(input.replyCode ?? '') ? input.replyCode! : (/^([245]\d\d)[\s-]/.exec(raw)?.[1] ?? '');
  const given = validStatus(input.status) || statusInText(raw);
  const command = (input.command ?? '').toUpperCase() || commandInText(text);
  const reason = pickReason(text, given, replyCode, command, action, input.provider ?? '');
  const status = inferStatus(given, reason, replyCode, text);
  return { class: finalClass(reason, status, replyCode), reason, status };
}

/** A synchronous delivery result from Petrel's own SMTP client/router. remote=false when the text is Petrel's (DNS failure, timeout, TLS, expiry). */
export function classifyReply(reply: { code: number; enhanced: string; text: string; remote: boolean; phase?: string }): Classification {
  const code = String(reply.code);
  if (code[0] === '2') return { class: 'success', reason: 'delivered' };
  const own = reply.remote ? '' : localReason(reply.enhanced, reply.text);
  if (own) return { class: finalClass(own, reply.enhanced, code), reason: own };
  const c = classify({ status: reply.enhanced, replyCode: code, text: reply.text, command: phaseCommand(reply.phase) });
  return { class: finalClass(c.reason, reply.enhanced, code), reason: c.reason };
}

/** Whether a classification should put the address on the suppression list (hard bounces only; complaints are handled separately). */
export function suppresses(c: Classification): boolean {
  return c.class === 'hard';
}

/** Text, then the enhanced code, then the reply code, then what the report's shape implies. */
function pickReason(text: string, status: string, replyCode: string, command: string, action: string, provider: string): string {
  if (/^(?:delivered|relayed|expanded)/.test(action)) return 'delivered';
  if (status.startsWith('2.') && !/^(?:failed|delayed)/.test(action)) return 'delivered'; // a 2.x.x beside "failed" is a stray
  if (action.startsWith('expired')) return 'expired';
  const reason = reasonFromProviderCode(text) || refine(text, reasonFromText(text), status, command) || reasonFromStatus(status);
  // A report about a 4xx network failure comes from a queue that retried it: it gave up, or is still trying.
  if (reason === 'networkerror' && replyCode[0] === '4' && /^(?:failed|delayed)/.test(action)) return 'expired';
  if (reason) return command === 'MAIL' && SENDER_SIDE.has(reason) ? 'rejected' : reason;
  if (PROVIDER_REASON[provider]) return PROVIDER_REASON[provider]!;
  if (action.startsWith('delayed')) return 'expired';
  if (command === 'EHLO' || command === 'HELO' || command === 'CONNECT') return 'blocked';
  if (command === 'MAIL') return 'rejected';
  if (command === 'STARTTLS') return 'failedstarttls';
  if (command === 'AUTH') return 'securityerror';
  if (/^\d\.7\./.test(status)) return 'securityerror';
  if (/^\d\.6\./.test(status)) return 'contenterror';
  if (replyCode === '552') return 'mailboxfull';
  if (/^50[0-4]$/.test(replyCode)) return 'syntaxerror';
  if (replyCode[0] === '4' || status[0] === '4') return 'systemerror';
  return /\p{L}{2}/u.test(text) ? 'onhold' : 'undefined'; // words we could not place, or none at all
}

/**
 * What a known service's report means when its words name no reason. Google Groups answers a post to a
 * group that does not exist or that the sender may not post to with one localized text: the post was
 * refused (sisimai's 'rejected'), which says nothing about the sender's other mail.
 */
const PROVIDER_REASON: Readonly<Record<string, string>> = { googlegroups: 'rejected' };

/** Reasons that, answered to MAIL FROM, are about the sender rather than the recipient. */
const SENDER_SIDE = new Set(['userunknown', 'hostunknown', 'filtered', 'onhold']);

/** Lets an exact enhanced code settle what the words leave open. */
function refine(text: string, reason: string, status: string, command: string): string {
  const detail = status.slice(2);
  if (reason === 'userunknown') return unknownOrFiltered(text, status, command);
  if (reason === 'mesgtoobig' || reason === 'exceedlimit') return detail === '2.3' ? 'exceedlimit' : detail === '3.4' ? 'mesgtoobig' : reason;
  if ((detail === '1.7' || detail === '1.8') && reason === 'hostunknown') return 'rejected'; // the sender's domain
  if (reason === 'networkerror' && (detail === '4.1' || detail === '4.7')) return 'expired'; // retried until it gave up
  return reason;
}

/** Providers that say "no such user" only after DATA, by design (Yahoo, Gmail, Microsoft). */
const UNAMBIGUOUS_UNKNOWN = /this user doesn't have a \S+ account|account that you tried to reach does not exist|recipientnotfound|recipient not found by smtp address lookup/;

/**
 * "User unknown" is only trusted as such when the code or the command agrees: answered to RCPT, or
 * without a contradicting code. After DATA (unless the code says X.1.x), or under X.2.x ("mailbox
 * disabled"), it is how content filters disguise a rejection, so it is 'filtered' and the address kept.
 */
function unknownOrFiltered(text: string, status: string, command: string): string {
  if (command === 'RCPT' || UNAMBIGUOUS_UNKNOWN.test(text)) return 'userunknown';
  const detail = status.slice(2);
  if (detail.startsWith('2.')) return 'filtered'; // X.2.x is "mailbox status": a filter, not a missing user
  if (command === 'DATA' && !detail.startsWith('1.')) return 'filtered';
  return 'userunknown';
}

/** The reason's class, with temporary failures (4xx or 4.x.x) never hard. */
function finalClass(reason: string, status: string, replyCode: string): BounceClass {
  return classWithSeverity(reason, replyCode[0] === '4' || status[0] === '4' ? '4' : '5');
}

/** The command a reply answered when the text says so: Postfix's "(in reply to ...)", sendmail's ">>> X". */
function commandInText(text: string): string {
  const m = /in reply to (?:end of )?(rcpt|mail|data|helo|ehlo)\b|>>> (rcpt|mail|data|helo|ehlo)\b|\[(rcpt|mail)_to\]/.exec(text);
  if (m) return (m[1] ?? m[2] ?? m[3] ?? '').toUpperCase();
  return /does not like recipient/.test(text) ? 'RCPT' : ''; // qmail's words for a refused RCPT
}

/** The SMTP command a client phase answered, for the command-based fallbacks. */
function phaseCommand(phase: string | undefined): string {
  const p = (phase ?? '').toLowerCase();
  if (p === 'connect' || p === 'greeting') return 'CONNECT';
  if (p === 'helo') return 'EHLO';
  return p.startsWith('data') ? 'DATA' : p.toUpperCase(); // ehlo, starttls, auth, mail, rcpt
}
