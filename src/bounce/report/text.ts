// Reads the free-text bounces of MTAs that send no delivery-status part (Postfix text, Exim, qmail,
// Sendmail, Gmail, Exchange, ...): finds the lines that name a failed recipient and takes the text
// that follows each, up to the next recipient or the returned message, as its diagnostic.

import { findReplyCode, findStatus } from './codes.js';
import { cleanAddress } from './fields.js';
import { draft, type Draft } from './recipient.js';

const MAX_LINES = 4000;
const MAX_LINE = 1000;
const MAX_BLOCK_LINES = 60; // a diagnostic is a few lines; the rest is boilerplate
const ADDR = String.raw`[^\s<>"'(),;:@\[\]]{1,128}@[A-Za-z0-9][A-Za-z0-9.-]{0,200}[A-Za-z0-9]`;

/** Shapes of a line that names a recipient (group 1). All anchored, on lines of at most MAX_LINE. */
const HEADS: RegExp[] = [
  new RegExp(String.raw`^(?:In:\s+|>>>\s*)?RCPT TO:\s*<(${ADDR})>(.*)$`, 'i'),
  new RegExp(String.raw`^(?:RCPT TO:|Recipient address:|Original-Recipient:\s*rfc822;)?\s*["'<]?(${ADDR})[>"']?\s*:?()$`, 'i'),
  new RegExp(String.raw`^<(${ADDR})>(?:\s*\((?:expanded|generated) from [^)]{0,300}\))?\s*:\s*(.*)$`, 'i'),
  new RegExp(String.raw`^<?(${ADDR})>?\s*\.\.\.\s*(.*)$`, 'i'),
  new RegExp(String.raw`^(${ADDR})\s*:\s+(.*)$`, 'i'),
  new RegExp(String.raw`^["'](${ADDR})["']\s+on\s+(.*)$`, 'i'),
  // Weakest: a line that starts with the address and goes on to say why.
  new RegExp(String.raw`^<?(${ADDR})>?[,:]?\s+(\S.*)$`, 'i'),
];

/** Sendmail's transcript summary `554 <addr>... reason`: the dialogue before it is the cause. */
const TRANSCRIPT_HEAD = new RegExp(String.raw`^[245]\d\d(?:[ -][245]\.\d{1,3}\.\d{1,3})?\s+<(${ADDR})>\.\.\.\s*(.*)$`, 'i');

/** Where the returned message starts in a text bounce. */
const CUT = [
  /^\s*-{2,}.{0,40}\b(original|returned|copy of|below this line|unsent|headers? of|rejected message|message header)/i,
  /^\s*Content-Type:\s*message\/(rfc822|global)/i,
  /^\s*(Return-Path|Received|DKIM-Signature|X-Received):\s?/i,
  /^\s*(message headers follow|original message( follows|:)|headers of the original message|below is a copy)/i,
];

export interface ScanOptions {
  exclude: ReadonlySet<string>; // addresses that cannot be a failed recipient (the bounce's From)
  sender: string; // the bounce's To: named in prose it is rather the original sender than a recipient
  action: string; // failed or delayed, from the wording of the whole report
}

/** The notification lines: capped in number and length, ended where the returned message begins. */
export function notificationLines(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split(/\r?\n/, MAX_LINES)) {
    if (out.length > 2 && CUT.some((re) => re.test(line))) break;
    out.push(line.slice(0, MAX_LINE));
  }
  return out;
}

/** One draft per recipient named in the text; the same address twice adds to its diagnostic. */
export function scanText(text: string, opts: ScanOptions): Draft[] {
  const lines = notificationLines(text);
  const found = new Map<string, string[]>();
  const preamble: string[] = [];
  let current: string[] | null = null;
  let pending = { lines: [] as string[], given: 0 }; // lines since the last head; how many went to it
  for (const line of lines) {
    const head = headOf(line.trim(), opts.exclude);
    if (head === null) {
      pending.lines.push(line);
      const target = current ?? preamble;
      if (target.length >= MAX_BLOCK_LINES) continue;
      target.push(line);
      if (current !== null) pending.given++;
      continue;
    }
    const block = found.get(head.address) ?? [];
    if (head.causeBefore) {
      // A Sendmail transcript names the address after the dialogue that failed it.
      current?.splice(current.length - pending.given, pending.given);
      block.push(...pending.lines.slice(-MAX_BLOCK_LINES));
    }
    block.push(head.rest);
    found.set(head.address, block);
    current = block;
    pending = { lines: [], given: 0 };
  }
  if (found.size === 0) {
    return mentioned(lines, new Set([...opts.exclude, opts.sender]), opts.action) ?? mentioned(lines, opts.exclude, opts.action) ?? [];
  }
  return [...found].map(([address, block]) => draft(address, { diagnostic: withPreamble(block, preamble), action: opts.action }));
}

/**
 * A block without any code is likely the address list only: the reply was quoted before it. A block
 * with no words at all follows its reason (Domino, au): then the last lines before the list explain it.
 */
function withPreamble(block: readonly string[], preamble: readonly string[]): string {
  const own = block.join(' ');
  if (findStatus(own) !== '' || findReplyCode(own) !== '') return own;
  if (own.trim() === '') return preamble.filter((l) => /[\p{L}\p{N}]/u.test(l) && !/^\s*-{3,}/.test(l)).slice(-3).join(' '); // any script: a Japanese reason has no \w
  const before = preamble.slice(-30).join(' ');
  return findStatus(before) !== '' || findReplyCode(before) !== '' ? `${before} ${own}` : own;
}

function headOf(line: string, exclude: ReadonlySet<string>): { address: string; rest: string; causeBefore: boolean } | null {
  if (!line.includes('@')) return null;
  for (const re of [TRANSCRIPT_HEAD, ...HEADS]) {
    const m = re.exec(line);
    if (m === null) continue;
    const address = cleanAddress(m[1]!);
    if (address === '' || exclude.has(address.toLowerCase())) return null;
    // The whole line minus the address: a reply that names the recipient keeps its codes.
    const rest = line.replace(m[1]!, '').replace(/^[\s<>:.]+/, '');
    return { address, rest, causeBefore: re === TRANSCRIPT_HEAD };
  }
  return null;
}

/** The weaker reading: the first address named anywhere in a sentence, with the text around it. */
function mentioned(lines: readonly string[], exclude: ReadonlySet<string>, action: string): Draft[] | null {
  for (let i = 0; i < lines.length; i++) {
    for (const { address, start, end } of addressesIn(lines[i]!)) {
      if (exclude.has(address.toLowerCase())) continue;
      const line = lines[i]!;
      const diagnostic = [line.slice(0, start) + line.slice(end), ...lines.slice(i + 1, i + MAX_BLOCK_LINES)].join(' ');
      return [draft(address, { diagnostic, action })];
    }
  }
  return null;
}

const LOCAL_CHAR = /[^\s<>"'(),;:@[\]]/;
const DOMAIN_CHAR = /[A-Za-z0-9.-]/;

/** Addresses around each '@' of a line, found by scanning outwards: linear, unlike an unanchored regex. */
export function addressesIn(line: string): { address: string; start: number; end: number }[] {
  const out: { address: string; start: number; end: number }[] = [];
  for (let at = line.indexOf('@'); at >= 0 && out.length < 20; at = line.indexOf('@', at + 1)) {
    let start = at;
    while (start > 0 && at - start < 128 && LOCAL_CHAR.test(line[start - 1]!)) start--;
    let end = at + 1;
    while (end < line.length && end - at < 255 && DOMAIN_CHAR.test(line[end]!)) end++;
    const address = cleanAddress(line.slice(start, end).replace(/\.+$/, ''));
    if (address !== '' && start < at) out.push({ address, start, end });
  }
  return out;
}
