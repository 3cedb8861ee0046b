// Turns answer records into the typed results of the Resolver interface. Pure and total: records of
// another type are skipped, so callers decide what an empty result means.
import type { Answer, TxtData } from 'dns-packet';
import { bareName } from './message.js';
import type { MxRecord } from './types.js';

/** MX records by preference, ties in server order; the null MX "." becomes exchange "". */
export function mxRecords(records: Answer[]): MxRecord[] {
  const mx = records.flatMap((r) => (r.type === 'MX' ? [{ preference: r.data.preference ?? 0, exchange: hostOf(r.data.exchange) }] : []));
  return mx.sort((x, y) => x.preference - y.preference); // Array.prototype.sort is stable
}

/** Addresses (A or AAAA) or names (PTR, without the trailing dot) carried as strings. */
export function stringRecords(records: Answer[], type: 'A' | 'AAAA' | 'PTR'): string[] {
  return records.flatMap((r) => (r.type === type && typeof r.data === 'string' ? [type === 'PTR' ? stripDot(r.data) : r.data] : []));
}

/** One string per TXT record: its character-strings joined without separator, decoded as UTF-8. */
export function txtRecords(records: Answer[]): string[] {
  return records.flatMap((r) => (r.type === 'TXT' ? [joinTxt(r.data)] : []));
}

function joinTxt(data: TxtData): string {
  const parts = Array.isArray(data) ? data : [data];
  return parts.map((part) => (typeof part === 'string' ? part : part.toString('utf8'))).join('');
}

function hostOf(exchange: string): string {
  const host = bareName(exchange);
  return host === '.' ? '' : host;
}

function stripDot(name: string): string {
  return name.endsWith('.') && name.length > 1 ? name.slice(0, -1) : name;
}
