// Plans one transaction from the peer's extensions and the message: the MAIL and RCPT lines with
// their parameters, and what must be refused before anything is sent. Pure; never throws.
import { parsePath } from '../wire/address.js';
import { encodeXtext } from '../wire/xtext.js';
import { local } from './outcomes.js';
import type { OutgoingMessage, OutgoingRecipient, Outcome } from './types.js';

/** What one transaction will send, and what it refuses before sending anything. */
export interface Plan {
  /** Set when the whole message must be refused: every recipient gets it and nothing is sent. */
  refusal: Outcome | null;
  mail: string; // the MAIL command, without CRLF
  rcpts: Array<{ index: number; line: string }>; // RCPT commands to send, by recipient index
  refused: Array<{ index: number; outcome: Outcome }>; // recipients refused here
  bdat: boolean; // send the body with BDAT (CHUNKING offered)
  pipelining: boolean;
}

/** The peer's EHLO keywords (upper case) with their parameters. */
export type Extensions = ReadonlyMap<string, readonly string[]>;

/** Control characters (C0 and DEL): never allowed in anything we put on a command line. */
export const CONTROL = /[\x00-\x1f\x7f]/;
const NON_ASCII = /[^\x00-\x7f]/;
const NOTIFY = new Set(['SUCCESS', 'FAILURE', 'DELAY']);

/** @example planTransaction(session.info.extensions, message).refusal === null */
export function planTransaction(ext: Extensions, msg: OutgoingMessage): Plan {
  const addresses = [msg.sender, ...msg.recipients.map((r) => r.address)];
  // SMTPUTF8 when offered and either the message says so or an address needs it (RFC 6531 §3.4).
  const utf8 = ext.has('SMTPUTF8') && (msg.smtputf8 || addresses.some((a) => NON_ASCII.test(a)));
  const refusal = messageRefusal(ext, msg);
  const plan: Plan = { refusal, mail: '', rcpts: [], refused: [], bdat: ext.has('CHUNKING'), pipelining: ext.has('PIPELINING') };
  if (plan.refusal) return plan;
  plan.mail = `MAIL FROM:<${msg.sender}>${mailParams(ext, msg, utf8).map((p) => ` ${p}`).join('')}`;
  msg.recipients.forEach((r, index) => {
    const line = rcptLine(ext, r, utf8);
    if (typeof line === 'string') plan.rcpts.push({ index, line });
    else plan.refused.push({ index, outcome: line });
  });
  return plan;
}

/** Why an address cannot go on the wire, or null; "" (the null path) only where `allowNull`. */
export function addressProblem(address: string, allowNull: boolean): string | null {
  if (CONTROL.test(address)) return 'control characters in the address';
  if (address === '') return allowNull ? null : 'empty address';
  const p = parsePath(`<${address}>`, 0, { smtputf8: true });
  return p.ok && p.end === address.length + 2 ? null : 'invalid address syntax';
}

/** The refusal every recipient gets, checked in a fixed order, or null. */
function messageRefusal(ext: Extensions, msg: OutgoingMessage): Outcome | null {
  const sender = addressProblem(msg.sender, true);
  if (sender) return local(553, '5.1.7', `bad sender address ${JSON.stringify(msg.sender)}: ${sender}`, 'mail');
  if (msg.envid !== undefined && (CONTROL.test(msg.envid) || msg.envid.length > 100)) {
    return local(554, '5.5.4', 'bad ENVID: control characters or longer than 100 characters', 'mail');
  }
  const body = bodyRefusal(ext, msg.bodyType);
  if (body) return local(554, '5.6.3', body, 'mail');
  if ((msg.smtputf8 || NON_ASCII.test(msg.sender)) && !ext.has('SMTPUTF8')) {
    return local(554, '5.6.7', 'the message needs SMTPUTF8, which the host does not offer', 'mail');
  }
  const limit = sizeLimit(ext);
  if (limit !== null && msg.size > limit) {
    return local(552, '5.3.4', `message too big for host: ${msg.size} bytes, the host accepts ${limit}`, 'mail');
  }
  return null;
}

/** We never downgrade 8-bit to 7-bit (no MIME conversion): a peer without the extension refuses it. */
function bodyRefusal(ext: Extensions, bodyType: OutgoingMessage['bodyType']): string | null {
  if (bodyType === '8BITMIME' && !ext.has('8BITMIME')) return 'the message has 8-bit content and the host does not offer 8BITMIME';
  if (bodyType === 'BINARYMIME' && !(ext.has('BINARYMIME') && ext.has('CHUNKING'))) {
    return 'the message has binary content and the host does not offer BINARYMIME with CHUNKING';
  }
  return null;
}

/** The peer's SIZE limit (RFC 1870), or null when it states none (absent or 0). */
export function sizeLimit(ext: Extensions): number | null {
  const n = Number(ext.get('SIZE')?.[0] ?? '0');
  return Number.isSafeInteger(n) && n > 0 ? n : null;
}

function mailParams(ext: Extensions, msg: OutgoingMessage, utf8: boolean): string[] {
  const out: string[] = [];
  if (ext.has('SIZE') && Number.isSafeInteger(msg.size) && msg.size >= 0) out.push(`SIZE=${msg.size}`);
  if (msg.bodyType !== '7BIT') out.push(`BODY=${msg.bodyType}`);
  if (utf8) out.push('SMTPUTF8');
  if (ext.has('DSN')) {
    if (msg.ret) out.push(`RET=${msg.ret}`);
    if (msg.envid !== undefined && msg.envid !== '') out.push(`ENVID=${encodeXtext(msg.envid)}`);
  }
  return out;
}

/** The RCPT line, or the recipient's refusal. */
function rcptLine(ext: Extensions, r: OutgoingRecipient, utf8: boolean): string | Outcome {
  const problem = addressProblem(r.address, false);
  if (problem) return local(553, '5.1.3', `bad recipient address ${JSON.stringify(r.address)}: ${problem}`, 'rcpt');
  if (NON_ASCII.test(r.address) && !utf8) {
    return local(553, '5.6.7', 'the recipient address needs SMTPUTF8, which the host does not offer', 'rcpt');
  }
  const dsn = dsnParams(r);
  if (!Array.isArray(dsn)) return dsn;
  return `RCPT TO:<${r.address}>${ext.has('DSN') ? dsn.map((p) => ` ${p}`).join('') : ''}`;
}

/** NOTIFY and ORCPT (RFC 3461 §4.1, §4.2), validated even when the peer lacks DSN. */
function dsnParams(r: OutgoingRecipient): string[] | Outcome {
  const out: string[] = [];
  if (r.notify && r.notify.length > 0) {
    const items = r.notify.map((n) => n.toUpperCase());
    const ok = (items.length === 1 && items[0] === 'NEVER') || (items.every((i) => NOTIFY.has(i)) && new Set(items).size === items.length);
    if (!ok) return local(555, '5.5.4', `bad NOTIFY ${JSON.stringify(r.notify.join(','))}`, 'rcpt');
    out.push(`NOTIFY=${items.join(',')}`);
  }
  if (r.orcpt !== undefined) {
    if (CONTROL.test(r.orcpt)) return local(553, '5.1.3', 'bad ORCPT: control characters', 'rcpt');
    const m = /^([A-Za-z0-9-]+);(.*)$/s.exec(r.orcpt); // "type;address"; a bare address is rfc822
    const [type, addr] = m ? [m[1]!, m[2]!] : ['rfc822', r.orcpt];
    if (addr !== '') out.push(`ORCPT=${type};${encodeXtext(addr)}`);
  }
  return out;
}
