// Contact import: validate every row (syntax, duplicate in the file, suppressed, MX) and write the good
// ones to a list in one transaction. Bad rows are reported by line; a bad header throws CsvHeaderError.
import type { Resolver } from '../dns/types.js';
import type { SuppressionStore } from '../suppression/store.js';
import { CsvHeaderError, csvRecords, parseHeader } from './csv.js';
import { MxChecker, type MxVerdict } from './mx-check.js';
import { OrgDomains, parseContactAddress, recordToRow, type ContactRow, type Skipped } from './rows.js';
import { requireListName, type ContactStore, type NewContact } from './store.js';

export interface ImportWarning {
  line?: number;
  domain?: string;
  detail: string;
}

export interface ImportResult {
  list: string;
  /** Data rows read (the header not counted). */
  rows: number;
  /** New contacts. */
  imported: number;
  /** Contacts that existed: fields merged, added to the list. */
  updated: number;
  skipped: Skipped[];
  warnings: ImportWarning[];
}

export interface ImportOptions {
  list: string;
  /** The resolver for MX checks; null skips them (--no-mx-check). */
  resolver: Resolver | null;
  /** Called every `progressEvery` rows read with the count so far. */
  onProgress?: (rows: number) => void;
  progressEvery?: number;
  /** Concurrent DNS lookups. */
  concurrency?: number;
  now?: number;
}

export interface ImportStores {
  contacts: ContactStore;
  suppressions: SuppressionStore;
}

type RowItem = ContactRow | Skipped;

/** Import a CSV byte stream (header row with an email column first). */
export async function importCsv(stores: ImportStores, input: AsyncIterable<Buffer | string> | Iterable<Buffer | string>, options: ImportOptions): Promise<ImportResult> {
  requireListName(options.list); // before reading a byte: a usage error
  return importRows(stores, csvRows(input), options);
}

async function* csvRows(input: AsyncIterable<Buffer | string> | Iterable<Buffer | string>): AsyncGenerator<RowItem> {
  let header: ReturnType<typeof parseHeader> | null = null;
  for await (const record of csvRecords(input)) {
    if (header !== null) yield recordToRow(header, record);
    else if ('error' in record) throw new CsvHeaderError(`line ${record.line}: the header row is malformed: ${record.error}`);
    else header = parseHeader(record.fields);
  }
  if (header === null) throw new CsvHeaderError('the file is empty: it needs a header row with an email column');
}

interface Candidate {
  line: number;
  contact: NewContact;
  domain: string;
}

/** Validate `rows` and write the good ones; the rows of an API request come here directly. */
export async function importRows(stores: ImportStores, rows: AsyncIterable<RowItem> | Iterable<RowItem>, options: ImportOptions): Promise<ImportResult> {
  const list = requireListName(options.list);
  const now = options.now ?? Date.now();
  const checker = options.resolver === null ? null : new MxChecker(options.resolver, options.concurrency);
  const result: ImportResult = { list, rows: 0, imported: 0, updated: 0, skipped: [], warnings: [] };
  const candidates = await screen(stores.suppressions, rows, checker, result, options, now);
  const good = checker === null ? candidates : await withMx(candidates, checker, result);
  const written = stores.contacts.upsertMany(list, good.map((c) => c.contact), now);
  result.imported = written.created;
  result.updated = written.updated;
  result.skipped.sort((a, b) => a.line - b.line);
  result.warnings.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  return result;
}

/** The checks that need no DNS, row by row; each good row's domain lookup is started here. */
async function screen(
  suppressions: SuppressionStore, rows: AsyncIterable<RowItem> | Iterable<RowItem>, checker: MxChecker | null,
  result: ImportResult, options: ImportOptions, now: number,
): Promise<Candidate[]> {
  const seen = new Map<string, number>();
  const orgs = new OrgDomains();
  const candidates: Candidate[] = [];
  const every = options.progressEvery ?? 1000;
  for await (const row of rows) {
    if (++result.rows % every === 0) options.onProgress?.(result.rows);
    if ('reason' in row) {
      result.skipped.push(row);
      continue;
    }
    const parsed = parseContactAddress(row.address);
    const skip = (reason: Skipped['reason'], detail: string) => result.skipped.push({ line: row.line, email: row.address.trim(), reason, detail });
    if ('detail' in parsed) {
      skip('syntax', parsed.detail);
      continue;
    }
    const first = seen.get(parsed.email);
    if (first !== undefined) {
      skip('duplicate', `the same address as line ${first}`);
      continue;
    }
    seen.set(parsed.email, row.line);
    const suppressed = suppressionOf(suppressions, parsed.email, now);
    if (suppressed.skip) {
      skip('suppressed', suppressed.detail);
      continue;
    }
    if (suppressed.detail) result.warnings.push({ line: row.line, detail: `${parsed.email}: ${suppressed.detail}` });
    void checker?.check(parsed.domain);
    const contact = { email: parsed.email, address: parsed.address, fields: row.fields, orgDomain: orgs.of(parsed.domain) };
    candidates.push({ line: row.line, contact, domain: parsed.domain });
  }
  return candidates;
}

/**
 * Globally suppressed: skipped. Suppressed for some sending domains only: imported with a warning,
 * since other domains may still write (the campaign checks suppression again at send time).
 */
function suppressionOf(suppressions: SuppressionStore, email: string, now: number): { skip: true; detail: string } | { skip: false; detail: string | null } {
  const entries = suppressions.liveEntries(email, now);
  const global = entries.find((e) => e.scope === '');
  if (global !== undefined) return { skip: true, detail: `suppressed globally (${global.reason})` };
  if (entries.length === 0) return { skip: false, detail: null };
  return { skip: false, detail: `suppressed for ${entries.map((e) => `${e.scope} (${e.reason})`).join(', ')} only; imported` };
}

/** Drop the candidates whose domain cannot receive mail; a DNS failure warns once per domain. */
async function withMx(candidates: Candidate[], checker: MxChecker, result: ImportResult): Promise<Candidate[]> {
  const good: Candidate[] = [];
  const warned = new Set<string>();
  for (const c of candidates) {
    const verdict: MxVerdict = await checker.check(c.domain);
    if (verdict.kind === 'ok') good.push(c);
    else if (verdict.kind === 'unknown') {
      good.push(c);
      if (!warned.has(c.domain)) result.warnings.push({ line: c.line, domain: c.domain, detail: verdict.detail });
      warned.add(c.domain);
    } else result.skipped.push({ line: c.line, email: c.contact.address, reason: verdict.kind, detail: verdict.detail });
  }
  return good;
}
