// Parses one SPF record (RFC 7208 §4.6, §12) into terms: mechanisms with qualifiers and modifiers.
// Pure; a syntax problem comes back as an error string naming the offending term, never a throw.

export type Qualifier = '+' | '-' | '~' | '?';

export type SpfTerm =
  | { kind: 'mechanism'; qualifier: Qualifier; name: string; value: string | undefined }
  | { kind: 'modifier'; name: string; value: string };

export interface SpfRecord {
  terms: SpfTerm[];
}

/** Mechanisms that cost a DNS lookup (§4.6.4); the redirect modifier costs one too. */
export const LOOKUP_MECHANISMS = new Set(['include', 'a', 'mx', 'ptr', 'exists']);

const MECHANISMS = new Set(['all', 'include', 'a', 'mx', 'ptr', 'ip4', 'ip6', 'exists']);
const NEEDS_VALUE = new Set(['include', 'ip4', 'ip6', 'exists']);
const NO_VALUE = new Set(['all']);
const MODIFIER = /^([a-z][a-z0-9_.-]*)=(.*)$/i;
const MECHANISM = /^([+~?-]?)([a-z][a-z0-9_.-]*)(?:([:/])(.*))?$/i;
const IP4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/;
const DUAL_CIDR = /^(?:\/(\d{1,2}))?(?:\/\/(\d{1,3}))?$/;

/**
 * Parse "v=spf1 …"; the result is the terms or an error message.
 * @example parseSpf('v=spf1 ip4:192.0.2.0/24 -all') // { terms: [ip4 …, all …] }
 */
export function parseSpf(text: string): SpfRecord | string {
  const words = text.trim().split(/ +/);
  if (words[0]?.toLowerCase() !== 'v=spf1') return 'record does not start with "v=spf1"';
  const terms: SpfTerm[] = [];
  const seen = new Set<string>();
  for (const word of words.slice(1)) {
    const term = parseTerm(word);
    if (typeof term === 'string') return term;
    if (term.kind === 'modifier' && (term.name === 'redirect' || term.name === 'exp')) {
      if (seen.has(term.name)) return `"${term.name}" appears more than once`;
      seen.add(term.name);
    }
    terms.push(term);
  }
  return { terms };
}

function parseTerm(word: string): SpfTerm | string {
  const modifier = MODIFIER.exec(word);
  if (modifier && !MECHANISMS.has(modifier[1]!.toLowerCase())) {
    const name = modifier[1]!.toLowerCase();
    if ((name === 'redirect' || name === 'exp') && !validDomainSpec(modifier[2]!)) return `bad domain in "${word}"`;
    return { kind: 'modifier', name, value: modifier[2]! };
  }
  const m = MECHANISM.exec(word);
  const name = m?.[2]?.toLowerCase();
  if (!m || !name || !MECHANISMS.has(name)) return `unknown term "${word}"`;
  const qualifier = (m[1] || '+') as Qualifier;
  const value = m[3] === undefined ? undefined : m[3] === '/' ? `/${m[4] ?? ''}` : m[4] ?? '';
  const problem = checkValue(name, value);
  return problem ? `${problem} in "${word}"` : { kind: 'mechanism', qualifier, name, value };
}

/** What is wrong with a mechanism's argument, or null. */
function checkValue(name: string, value: string | undefined): string | null {
  if (value === undefined) return NEEDS_VALUE.has(name) ? 'missing argument' : null;
  if (NO_VALUE.has(name)) return 'unexpected argument';
  if (name === 'ip4') return validIp4(value) ? null : 'bad IPv4 address or prefix';
  if (name === 'ip6') return validIp6(value) ? null : 'bad IPv6 address or prefix';
  const [domain, cidr = ''] = splitCidr(value);
  if (cidr !== '' && (name === 'include' || name === 'exists' || name === 'ptr')) return 'unexpected prefix length';
  if (!DUAL_CIDR.test(cidr)) return 'bad prefix length';
  if (domain === '' ? NEEDS_VALUE.has(name) || !value.startsWith('/') : !validDomainSpec(domain)) return 'bad domain';
  return null;
}

/** Domain part and "/nn//nn" part of an a or mx argument. */
export function splitCidr(value: string): [string, string] {
  const slash = value.indexOf('/');
  return slash < 0 ? [value, ''] : [value.slice(0, slash), value.slice(slash)];
}

function validIp4(value: string): boolean {
  const m = IP4_CIDR.exec(value);
  if (!m) return false;
  const octets = m.slice(1, 5).map(Number);
  return octets.every((o) => o <= 255) && (m[5] === undefined || Number(m[5]) <= 32);
}

function validIp6(value: string): boolean {
  const [address = '', prefix, extra] = value.split('/');
  if (extra !== undefined || !/^[0-9a-f:.]+$/i.test(address) || !address.includes(':')) return false;
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= 128);
}

/** A domain-spec: labels and macros (%{…}); at least one dot unless it ends in a macro. */
function validDomainSpec(spec: string): boolean {
  if (spec === '' || /\s/.test(spec)) return false;
  if (spec.includes('%')) return /^(?:[\x21-\x24\x26-\x7e]|%\{[slodiphcrtv]\d*r?[.+,/_=-]*\}|%[%_-])+$/i.test(spec);
  return /^[a-z0-9_-]+(?:\.[a-z0-9_-]+)+\.?$/i.test(spec);
}

/** The `all` mechanism, if any. */
export function allTerm(record: SpfRecord): Extract<SpfTerm, { kind: 'mechanism' }> | undefined {
  return record.terms.find((t): t is Extract<SpfTerm, { kind: 'mechanism' }> => t.kind === 'mechanism' && t.name === 'all');
}

/** The redirect modifier's target, if any. */
export function redirectOf(record: SpfRecord): string | undefined {
  return record.terms.find((t) => t.kind === 'modifier' && t.name === 'redirect')?.value;
}
