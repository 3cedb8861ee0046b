// One contact row from a CSV record or an API object: the address parsed as RFC 5321 does, the other
// columns as named fields. Pure; a row that cannot be used is returned as the reason, never thrown.
import { organizationalDomain } from '../auth/org-domain.js';
import { parsePath } from '../smtp/wire/address.js';
import { fieldName, type CsvRecord, type Header } from './csv.js';

/** Why a row was not imported. `csv`: the record itself is malformed (quotes, field count, size). */
export const SKIP_REASONS = ['csv', 'syntax', 'duplicate', 'suppressed', 'no-mx', 'null-mx'] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

export interface Skipped {
  line: number;
  email: string;
  reason: SkipReason;
  detail: string;
}

/** A row before validation: `line` is its CSV line (or its 1-based position in an API request). */
export interface ContactRow {
  line: number;
  address: string;
  fields: Record<string, string>;
}

export interface ParsedAddress {
  /** Lower-cased: the contact's key. */
  email: string;
  /** As given, with the domain in canonical A-label form. */
  address: string;
  domain: string;
}

const PATH_ERRORS: Record<string, string> = {
  syntax: 'not an address (local@domain)',
  'too-long': 'the address or its local part is too long',
  'bad-domain': 'the domain is not a valid (internationalised) name',
  'utf8-not-allowed': 'not an address (local@domain)',
};

/** The address of a row, or why it is not one. @example parseContactAddress('Bob@Example.COM').email === 'bob@example.com' */
export function parseContactAddress(text: string): ParsedAddress | { detail: string } {
  const trimmed = text.trim();
  if (trimmed === '') return { detail: 'no address' };
  const parsed = parsePath(`<${trimmed}>`, 0, { smtputf8: true });
  if (!parsed.ok) return { detail: PATH_ERRORS[parsed.error] ?? 'not an address' };
  if (parsed.end !== trimmed.length + 2 || parsed.path.kind !== 'mailbox') return { detail: PATH_ERRORS['syntax']! };
  const { flags, domain, address } = parsed.path;
  if (flags.sourceRoute) return { detail: 'source routes are not addresses to import' };
  if (flags.addressLiteral) return { detail: 'address literals ([1.2.3.4]) cannot be checked or mailed reliably' };
  if (!domain.includes('.')) return { detail: `${domain} is not a domain on the internet` };
  return { email: address.toLowerCase(), address, domain };
}

/** Non-empty values under normalised names; the address column (and any field named email) left out. */
export function cleanFields(entries: Iterable<[string, string]>): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [name, raw] of entries) {
    const key = fieldName(name);
    const value = raw.trim();
    if (key !== '' && key !== 'email' && value !== '') fields[key] = value;
  }
  return fields;
}

/** A CSV record as a row under `header`; a malformed record or too many fields is a `csv` skip. */
export function recordToRow(header: Header, record: CsvRecord): ContactRow | Skipped {
  if ('error' in record) return { line: record.line, email: '', reason: 'csv', detail: record.error };
  const { fields, line } = record;
  if (fields.length > header.names.length) {
    return { line, email: (fields[header.email] ?? '').trim(), reason: 'csv', detail: `${fields.length} fields; the header has ${header.names.length}` };
  }
  return { line, address: fields[header.email] ?? '', fields: cleanFields(header.names.map((name, i) => [name, fields[i] ?? ''])) };
}

/** Organisational domains, computed once per domain of an import. */
export class OrgDomains {
  private readonly known = new Map<string, string>();

  of(domain: string): string {
    let org = this.known.get(domain);
    if (org === undefined) {
      org = organizationalDomain(domain) ?? domain; // a public suffix (or odd name) stands for itself
      this.known.set(domain, org);
    }
    return org;
  }
}
