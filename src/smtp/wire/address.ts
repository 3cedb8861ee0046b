// RFC 5321 §4.1.2 paths (`<>`, `<local@domain>`, source routes) with RFC 6531 UTF-8, parsed strictly.
// Relay tricks are parsed, not refused: they are reported as flags so each role decides (src/smtp/server).

import { domainToASCII } from 'node:url';

/** Tricks that ask a host to relay onward; refused on the MX role. */
export interface PathFlags {
  sourceRoute: boolean; // <@a,@b:u@c>
  percentHack: boolean; // <u%other@local>
  bangPath: boolean; // <other!u@local>
  quotedAt: boolean; // <"u@other"@local>
  trailingDot: boolean; // <u@local.>
  addressLiteral: boolean; // <u@[192.0.2.1]>
}

export type Path =
  | { kind: 'null' }
  | { kind: 'postmaster' } // RCPT TO:<Postmaster> with no domain (RFC 5321 §4.1.1.3)
  | { kind: 'mailbox'; local: string; domain: string; address: string; utf8: boolean; flags: PathFlags };

export type PathError = 'syntax' | 'too-long' | 'bad-domain' | 'utf8-not-allowed';

export type PathResult = { ok: true; path: Path; end: number } | { ok: false; error: PathError };

const ATEXT = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~\u0080-\u{10FFFF}]+$/u;
const QTEXT = /^(?:[\x20\x21\x23-\x5b\x5d-\x7e\u0080-\u{10FFFF}]|\\[\x20-\x7e])*$/u;
const LABEL = /^(?!-)[A-Za-z0-9\-\u0080-\u{10FFFF}]{1,63}(?<!-)$/u;
const NON_ASCII = /[^\x00-\x7f]/;

/** Find the `>` that closes the path starting at `start` (a `<`), skipping quoted strings. */
export function closingBracket(s: string, start: number): number {
  let quoted = false;
  for (let i = start + 1; i < s.length; i++) {
    const c = s[i];
    if (quoted && c === '\\') i++;
    else if (c === '"') quoted = !quoted;
    else if (c === '>' && !quoted) return i;
  }
  return -1;
}

/** Parse the path that starts at `s[start] === '<'`. */
export function parsePath(s: string, start: number, opts: { smtputf8: boolean }): PathResult {
  if (s[start] !== '<') return { ok: false, error: 'syntax' };
  const end = closingBracket(s, start);
  if (end < 0) return { ok: false, error: 'syntax' };
  const inner = s.slice(start + 1, end);
  if (NON_ASCII.test(inner) && !opts.smtputf8) return { ok: false, error: 'utf8-not-allowed' };
  if (Buffer.byteLength(inner) > 254) return { ok: false, error: 'too-long' };
  if (inner === '') return { ok: true, path: { kind: 'null' }, end: end + 1 };
  if (inner.toLowerCase() === 'postmaster') return { ok: true, path: { kind: 'postmaster' }, end: end + 1 };
  const parsed = parseRoutedMailbox(inner);
  return typeof parsed === 'string' ? { ok: false, error: parsed } : { ok: true, path: parsed, end: end + 1 };
}

function parseRoutedMailbox(inner: string): Path | PathError {
  let sourceRoute = false;
  let rest = inner;
  if (rest.startsWith('@')) {
    const colon = rest.indexOf(':');
    if (colon < 0) return 'syntax';
    const hops = rest.slice(0, colon).split(',');
    if (!hops.every((h) => h.startsWith('@') && parseDomain(h.slice(1)) !== null)) return 'syntax';
    sourceRoute = true;
    rest = rest.slice(colon + 1);
  }
  const at = rest.lastIndexOf('@');
  if (at <= 0) return 'syntax';
  const localText = rest.slice(0, at);
  const domainText = rest.slice(at + 1);
  const local = parseLocal(localText);
  if (local === null) return 'syntax';
  if (Buffer.byteLength(localText) > 64) return 'too-long';
  const domain = parseDomainOrLiteral(domainText);
  if (typeof domain === 'string') return domain;
  const flags: PathFlags = {
    sourceRoute,
    percentHack: !local.quoted && localText.includes('%'),
    bangPath: !local.quoted && localText.includes('!'),
    quotedAt: local.quoted && /[@%!]/.test(localText),
    trailingDot: domain.trailingDot,
    addressLiteral: domain.literal,
  };
  const address = `${localText}@${domain.name}`;
  return { kind: 'mailbox', local: localText, domain: domain.name, address, utf8: NON_ASCII.test(inner), flags };
}

function parseLocal(text: string): { quoted: boolean } | null {
  if (text.startsWith('"')) {
    return text.length >= 2 && text.endsWith('"') && QTEXT.test(text.slice(1, -1)) ? { quoted: true } : null;
  }
  return text.split('.').every((atom) => ATEXT.test(atom)) ? { quoted: false } : null;
}

type ParsedDomain = { name: string; literal: boolean; trailingDot: boolean };

function parseDomainOrLiteral(text: string): ParsedDomain | PathError {
  if (text.startsWith('[')) {
    return /^\[(?:[0-9.]{7,15}|IPv6:[0-9A-Fa-f:.]{2,45}|[A-Za-z0-9-]*[A-Za-z0-9]:[\x21-\x5a\x5e-\x7e]+)\]$/.test(text)
      ? { name: text, literal: true, trailingDot: false }
      : 'syntax';
  }
  const trailingDot = text.endsWith('.') && text.length > 1;
  const name = parseDomain(trailingDot ? text.slice(0, -1) : text);
  if (name === null) return 'syntax';
  if (name === '') return 'bad-domain';
  return { name, literal: false, trailingDot };
}

/**
 * Validate a domain and return it lower-cased in A-label form; '' when IDNA conversion fails,
 * null when it is not a domain at all.
 */
export function parseDomain(text: string): string | null {
  if (text.length === 0 || Buffer.byteLength(text) > 255) return null;
  // An A-label (xn--) is left to the IDNA conversion, which reports a bad one as ''.
  if (!text.split('.').every((label) => LABEL.test(label) || /^xn--/i.test(label))) return null;
  return domainToASCII(text.toLowerCase());
}
