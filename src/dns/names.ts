// Query names: checks and lower-cases a domain before it goes on the wire, and builds reverse names.
// Both throw DnsError FORMERR for input that cannot be a valid query, so nothing bad is ever sent.
import { isIP } from 'node:net';
import { DnsError } from './types.js';

const MAX_NAME = 253;
const MAX_LABEL = 63;
const LABEL = /^[\x20-\x2d\x2f-\x7e]+$/; // printable ASCII and space (SPF macros can expand to it), not the dot

/** "Example.COM." → "example.com"; FORMERR for empty labels, over-long labels or names. */
export function normalizeName(name: string, type: string): string {
  const lower = name.toLowerCase();
  const bare = lower.endsWith('.') ? lower.slice(0, -1) : lower;
  const bad = (why: string) => new DnsError('FORMERR', name, type, `${type} ${JSON.stringify(name)}: ${why}`);
  if (bare.length === 0) throw bad('empty name');
  if (bare.length > MAX_NAME) throw bad(`longer than ${MAX_NAME} characters`);
  for (const label of bare.split('.')) {
    if (label.length === 0) throw bad('empty label');
    if (label.length > MAX_LABEL) throw bad(`label longer than ${MAX_LABEL} characters`);
    if (!LABEL.test(label)) throw bad('invalid character');
  }
  return bare;
}

/** "192.0.2.1" → "1.2.0.192.in-addr.arpa"; "2001:db8::1" → "1.0.0.…8.b.d.0.1.0.0.2.ip6.arpa". */
export function reverseName(address: string): string {
  const ip = address.replace(/%.*$/, ''); // a zone index (fe80::1%eth0) is not part of the address
  const family = isIP(ip);
  if (family === 4) return `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
  if (family === 6) return `${[...ipv6Hex(ip)].reverse().join('.')}.ip6.arpa`;
  throw new DnsError('FORMERR', address, 'PTR', `PTR ${JSON.stringify(address)}: not an IP address`);
}

/** The 32 hex digits of a valid IPv6 address, with "::" expanded and a trailing IPv4 part converted. */
function ipv6Hex(ip: string): string {
  let text = ip.toLowerCase();
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].map((group) => group.padStart(4, '0')).join('');
}
