// A streaming RFC 4180 reader for contact files (quoted fields, "" escapes, CRLF or LF, quoted newlines,
// a BOM) and the header rules. A bad or over-long record becomes an error record at its first line.
import { StringDecoder } from 'node:string_decoder';

/** A record is bounded as a whole (quoted newlines included), so one bad quote cannot eat the memory. */
export const MAX_RECORD_CHARS = 64 * 1024;

export type CsvRecord = { line: number; fields: string[] } | { line: number; error: string };

/** A header row that cannot be used: the file is refused as a whole. */
export class CsvHeaderError extends Error {
  override name = 'CsvHeaderError';
}

const enum State {
  FieldStart,
  Unquoted,
  Quoted,
  QuoteInQuoted, // a quote seen inside a quoted field: an escape ("") or the closing quote
  CarriageReturn, // a CR outside quotes: only LF may follow
}

/**
 * The byte-free core: feed() text, take() the records it completed, end() at EOF. Used by csvRecords;
 * exported for tests that feed awkward splits.
 */
export class CsvParser {
  private state = State.FieldStart;
  private fields: string[] = [];
  private field = '';
  private size = 0;
  private error: string | null = null;
  private line = 1;
  private start = 1;
  private out: CsvRecord[] = [];

  constructor(private readonly maxChars = MAX_RECORD_CHARS) {}

  feed(text: string): void {
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      if (++this.size > this.maxChars && this.error === null) this.fail(`record longer than ${this.maxChars} characters`);
      this.step(c);
      if (c === '\n') this.line++;
    }
  }

  end(): void {
    if (this.state === State.Quoted) this.fail('unterminated quoted field');
    if (this.size > 0) this.finishRecord();
  }

  take(): CsvRecord[] {
    const records = this.out;
    this.out = [];
    return records;
  }

  private step(c: string): void {
    switch (this.state) {
      case State.FieldStart:
        if (c === '"') return void (this.state = State.Quoted);
        this.state = State.Unquoted;
        return this.unquoted(c);
      case State.Unquoted:
        return this.unquoted(c);
      case State.Quoted:
        if (c === '"') this.state = State.QuoteInQuoted;
        else this.keep(c);
        return;
      case State.QuoteInQuoted:
        if (c === '"') return void ((this.state = State.Quoted), this.keep(c));
        this.state = State.Unquoted;
        if (c !== ',' && c !== '\n' && c !== '\r') this.fail('text after a closing quote');
        return this.unquoted(c);
      case State.CarriageReturn:
        if (c === '\n') return this.finishRecord();
        this.fail('a CR not followed by LF');
        this.state = State.Unquoted;
        return this.unquoted(c);
    }
  }

  private unquoted(c: string): void {
    if (c === ',') {
      if (this.error === null) this.fields.push(this.field);
      this.field = '';
      this.state = State.FieldStart;
    } else if (c === '\n') this.finishRecord();
    else if (c === '\r') this.state = State.CarriageReturn;
    else {
      if (c === '"') this.fail('a quote inside an unquoted field');
      this.keep(c);
    }
  }

  private keep(c: string): void {
    if (this.error === null) this.field += c; // a failed record keeps nothing, however long it goes on
  }

  private fail(message: string): void {
    this.error ??= message;
    this.field = '';
  }

  private finishRecord(): void {
    this.fields.push(this.field);
    const blank = this.fields.length === 1 && this.fields[0]!.trim() === '';
    if (this.error !== null) this.out.push({ line: this.start, error: this.error });
    else if (!blank) this.out.push({ line: this.start, fields: this.fields });
    this.fields = [];
    this.field = '';
    this.error = null;
    this.size = 0;
    this.state = State.FieldStart;
    // The next record starts on the line after this record's LF (counted once feed() sees it).
    this.start = this.line + 1;
  }
}

/** Records of a CSV byte stream (UTF-8, a leading BOM dropped), each with the line it starts on. */
export async function* csvRecords(input: AsyncIterable<Buffer | string> | Iterable<Buffer | string>, maxChars = MAX_RECORD_CHARS): AsyncGenerator<CsvRecord> {
  const parser = new CsvParser(maxChars);
  const decoder = new StringDecoder('utf8');
  let first = true;
  for await (const chunk of input) {
    let text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
    if (first && text.length > 0) {
      text = text.replace(/^\uFEFF/, '');
      first = false;
    }
    parser.feed(text);
    yield* parser.take();
  }
  parser.feed(decoder.end());
  parser.end();
  yield* parser.take();
}

/** The names an address column may have (after normalisation). */
const EMAIL_NAMES = new Set(['email', 'e_mail', 'email_address']);

/**
 * A column title as a field name: trimmed, lower-cased, spaces and dashes as `_`.
 * @example fieldName(' First Name ') === 'first_name'
 */
export function fieldName(title: string): string {
  return title.trim().toLowerCase().replace(/[\s-]+/g, '_');
}

export interface Header {
  /** Index of the address column. */
  email: number;
  /** Field name of every column; the address column's is 'email'. */
  names: string[];
}

/** Read the header row; CsvHeaderError when it has no address column, an empty title or a duplicate. */
export function parseHeader(titles: readonly string[]): Header {
  const names = titles.map(fieldName);
  const empty = names.indexOf('');
  if (empty >= 0) throw new CsvHeaderError(`column ${empty + 1} of the header has no name`);
  const emails = names.flatMap((n, i) => (EMAIL_NAMES.has(n) ? [i] : []));
  if (emails.length === 0) throw new CsvHeaderError('the header has no email column (email, e-mail or email_address)');
  if (emails.length > 1) throw new CsvHeaderError(`the header has ${emails.length} email columns; keep one`);
  const email = emails[0]!;
  names[email] = 'email';
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw new CsvHeaderError(`the header names column "${name}" twice`);
    seen.add(name);
  }
  return { email, names };
}
