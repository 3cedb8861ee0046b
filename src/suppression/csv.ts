// CSV export and import of the suppression list (RFC 4180 quoting, ISO times). Import streams its
// input line by line, rejects physical lines over 4 KiB, and reports bad rows by line number.
import { StoreError } from '../store/errors.js';
import {
  isSuppressionReason,
  requireScope,
  requireSuppressionAddress,
  type NewSuppression,
  type SuppressionEntry,
  type SuppressionReason,
  type SuppressionStore,
} from './store.js';

export const CSV_COLUMNS = ['address', 'scope', 'reason', 'detail', 'source_message', 'created_at', 'expires_at'] as const;
type Column = (typeof CSV_COLUMNS)[number];

export const MAX_LINE_BYTES = 4096;
/** A record may span lines (quoted newlines); it is bounded as a whole too. */
const MAX_RECORD_CHARS = 4 * MAX_LINE_BYTES;

/** One field, quoted when it holds a comma, quote, CR or LF, or spaces at either end. */
export function csvField(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function csvRow(fields: readonly string[]): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}

export const CSV_HEADER = csvRow(CSV_COLUMNS);

const iso = (ms: number | null) => (ms === null ? '' : new Date(ms).toISOString());

export function entryToCsv(e: SuppressionEntry): string {
  return csvRow([e.address, e.scope, e.reason, e.detail ?? '', e.sourceMessage ?? '', iso(e.createdAt), iso(e.expiresAt)]);
}

export type RecordParse = { fields: string[] } | { open: true } | { error: string };

/** Parse one record's text (quoted newlines as \n); `open` when a quoted field is still unterminated. */
export function parseCsvRecord(text: string): RecordParse {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (text[i] === '"') {
      let value = '';
      let j = i + 1;
      for (;;) {
        const q = text.indexOf('"', j);
        if (q < 0) return { open: true };
        value += text.slice(j, q);
        if (text[q + 1] !== '"') {
          j = q + 1;
          break;
        }
        value += '"';
        j = q + 2;
      }
      if (j < text.length && text[j] !== ',') return { error: 'text after a closing quote' };
      fields.push(value);
      i = j;
    } else {
      const comma = text.indexOf(',', i);
      const end = comma < 0 ? text.length : comma;
      const value = text.slice(i, end);
      if (value.includes('"')) return { error: 'a quote inside an unquoted field' };
      fields.push(value);
      i = end;
    }
    if (i >= text.length) return { fields };
    i++; // the comma
  }
}

export interface Line {
  number: number;
  text: string;
  tooLong: boolean;
}

/** Physical lines of a byte stream (LF or CRLF), each cut off at `max` bytes and flagged when longer. */
export async function* boundedLines(input: AsyncIterable<Buffer | string>, max = MAX_LINE_BYTES): AsyncGenerator<Line> {
  let parts: Buffer[] = [];
  let kept = 0; // bytes held, at most max + 1 (room for a CR)
  let seen = 0; // bytes of the line so far
  let number = 0;
  const finish = (): Line => {
    const bytes = Buffer.concat(parts);
    const cr = bytes.at(-1) === 0x0d;
    const line = { number: ++number, text: bytes.subarray(0, cr ? -1 : undefined).toString('utf8'), tooLong: seen - Number(cr) > max };
    parts = [];
    kept = seen = 0;
    return line;
  };
  for await (const chunk of input) {
    let bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    for (;;) {
      const nl = bytes.indexOf(0x0a);
      const piece = nl < 0 ? bytes : bytes.subarray(0, nl);
      seen += piece.length;
      const room = max + 1 - kept;
      if (room > 0 && piece.length > 0) (parts.push(piece.subarray(0, room)), (kept += Math.min(room, piece.length)));
      if (nl < 0) break;
      yield finish();
      bytes = bytes.subarray(nl + 1);
    }
  }
  if (seen > 0) yield finish();
}

export type CsvRecord = { line: number; fields: string[] } | { line: number; error: string };

/** Records of a CSV stream with the line each starts on; a bad line becomes an error record. */
export async function* csvRecords(input: AsyncIterable<Buffer | string>): AsyncGenerator<CsvRecord> {
  let pending: { line: number; text: string } | null = null;
  for await (const line of boundedLines(input)) {
    if (line.tooLong) {
      yield { line: pending?.line ?? line.number, error: `line ${line.number} is longer than ${MAX_LINE_BYTES} bytes` };
      pending = null;
      continue;
    }
    // A spreadsheet's export may start with a byte order mark.
    const text = line.number === 1 ? line.text.replace(/^\uFEFF/, '') : line.text;
    const record: { line: number; text: string } = pending === null
      ? { line: line.number, text }
      : { line: pending.line, text: `${pending.text}\n${line.text}` };
    const parsed = parseCsvRecord(record.text);
    pending = null;
    if ('open' in parsed) {
      if (record.text.length > MAX_RECORD_CHARS) yield { line: record.line, error: 'quoted field too long' };
      else pending = record;
    } else if ('error' in parsed) yield { line: record.line, error: parsed.error };
    else if (parsed.fields.length > 1 || parsed.fields[0]!.trim() !== '') yield { line: record.line, fields: parsed.fields };
  }
  if (pending !== null) yield { line: pending.line, error: 'unterminated quoted field' };
}

export interface ImportDefaults {
  scope?: string;
  reason?: SuppressionReason;
}

export interface ImportResult {
  added: number;
  updated: number;
  kept: number;
  errors: { line: number; message: string }[];
}

/**
 * Import a CSV: the export format (a header row names the columns, in any order) or a list of
 * addresses, one a line, header optional. Columns a row lacks take `defaults` (reason: manual).
 * Good rows are added in one transaction; bad rows are reported and skipped.
 */
export async function importSuppressions(
  store: SuppressionStore,
  input: AsyncIterable<Buffer | string>,
  defaults: ImportDefaults = {},
  now = Date.now(),
): Promise<ImportResult> {
  const entries: NewSuppression[] = [];
  const errors: ImportResult['errors'] = [];
  let columns: readonly string[] | null = null;
  for await (const record of csvRecords(input)) {
    if ('error' in record) {
      errors.push({ line: record.line, message: record.error });
      continue;
    }
    if (columns === null) {
      columns = headerOf(record.fields);
      if (columns !== null) continue;
      columns = CSV_COLUMNS;
    }
    try {
      entries.push(rowToEntry(columns, record.fields, defaults, now));
    } catch (err) {
      errors.push({ line: record.line, message: err instanceof Error ? err.message : String(err) });
    }
  }
  const result: ImportResult = { added: 0, updated: 0, kept: 0, errors };
  for (const { outcome } of store.addMany(entries, now)) result[outcome]++;
  return result;
}

/** The column names when `fields` is a header row, else null; StoreError for unknown names. */
function headerOf(fields: readonly string[]): readonly string[] | null {
  const names = fields.map((f) => f.trim().toLowerCase());
  // A one-column list may start with any title ("email", "Address") that is not an address.
  if (names.length === 1 && !names[0]!.includes('@')) return ['address'];
  if (!names.includes('address')) return null;
  const unknown = names.find((name) => !(CSV_COLUMNS as readonly string[]).includes(name));
  if (unknown !== undefined) throw new StoreError('invalid', `unknown CSV column ${JSON.stringify(unknown)}`);
  return names;
}

function rowToEntry(columns: readonly string[], fields: readonly string[], defaults: ImportDefaults, now: number): NewSuppression {
  if (fields.length > columns.length) throw new Error(`${fields.length} fields, expected at most ${columns.length}`);
  const get = (name: Column): string | undefined => {
    const i = columns.indexOf(name);
    return i < 0 || i >= fields.length ? undefined : fields[i]!.trim();
  };
  const reason = get('reason') || defaults.reason || 'manual';
  if (!isSuppressionReason(reason)) throw new Error(`invalid reason ${JSON.stringify(reason)}`);
  return {
    address: requireSuppressionAddress(get('address') ?? ''),
    scope: requireScope(get('scope') ?? defaults.scope),
    reason,
    detail: get('detail') || null,
    sourceMessage: get('source_message') || null,
    at: parseTime(get('created_at'), 'created_at') ?? now,
    expiresAt: parseTime(get('expires_at'), 'expires_at'),
  };
}

function parseTime(text: string | undefined, name: string): number | null {
  if (!text) return null;
  const ms = /^\d{4}-\d\d-\d\d/.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(ms)) throw new Error(`invalid ${name} ${JSON.stringify(text)} (expected an ISO time)`);
  return ms;
}
