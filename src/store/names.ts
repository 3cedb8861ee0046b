// Canonical forms of domain names, addresses, user names and allow-from patterns.
// Every function returns null for input it cannot canonicalise; none of them throws.
import { domainToASCII } from 'node:url';

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
// Dot-atom-ish local parts: anything printable except the characters that need quoting.
const LOCAL_PART = /^[^\s\p{Cc}@<>()[\]\\,;:"]{1,64}$/u;
const PLAIN_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/**
 * Lower-case A-label form of a domain (IDN converted), or null when it is not a valid host name.
 * @example normalizeDomain('Bücher.DE.') // 'xn--bcher-kva.de'
 */
export function normalizeDomain(input: string): string | null {
  const withoutRoot = input.endsWith('.') ? input.slice(0, -1) : input;
  if (withoutRoot.length === 0 || withoutRoot.length > 1024) return null;
  const ascii = domainToASCII(withoutRoot.toLowerCase());
  if (ascii.length === 0 || ascii.length > 253) return null;
  const labels = ascii.split('.');
  if (!labels.every((label) => LABEL.test(label))) return null;
  // An all-numeric last label would make the name look like an IP address.
  return /^\d+$/.test(labels[labels.length - 1]!) ? null : ascii;
}

/** Split at the last "@", lower-casing the local part and canonicalising the domain. */
export function splitAddress(address: string): { local: string; domain: string } | null {
  const at = address.lastIndexOf('@');
  if (at <= 0) return null;
  const domain = normalizeDomain(address.slice(at + 1));
  return domain === null ? null : { local: address.slice(0, at).toLowerCase(), domain };
}

/** A strictly valid `local@domain` in canonical form, or null. */
export function normalizeAddress(input: string): string | null {
  const parts = splitAddress(input);
  if (parts === null || !LOCAL_PART.test(parts.local)) return null;
  return `${parts.local}@${parts.domain}`;
}

/** User names are lower-cased addresses or plain names like `alice`. */
export function normalizeUserName(input: string): string | null {
  if (input.includes('@')) return normalizeAddress(input);
  const lower = input.toLowerCase();
  return PLAIN_NAME.test(lower) ? lower : null;
}

/** Allow-from patterns: `*@domain` or an exact address. */
export function normalizePattern(input: string): string | null {
  // "*" is legal in a local part, but `info*@x` would read as a wildcard it is not.
  if (!input.startsWith('*@')) return input.includes('*') ? null : normalizeAddress(input);
  const domain = normalizeDomain(input.slice(2));
  return domain === null ? null : `*@${domain}`;
}

/** Does a canonical pattern cover this (already split) address? */
export function patternMatches(pattern: string, address: { local: string; domain: string }): boolean {
  if (pattern.startsWith('*@')) return pattern.slice(2) === address.domain;
  return pattern === `${address.local}@${address.domain}`;
}

/** Default allow-from: the whole domain of an address-shaped user name, nothing for plain names. */
export function defaultAllowFrom(userName: string): string[] {
  const parts = splitAddress(userName);
  return parts === null ? [] : [`*@${parts.domain}`];
}
