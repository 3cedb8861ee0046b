// The contacts CSV reader: RFC 4180 quoting, line numbers, CRLF/LF, BOM, split chunks, bounded
// records; and the header rules.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CsvHeaderError, CsvParser, csvRecords, fieldName, parseHeader, type CsvRecord } from './csv.js';

async function read(chunks: (string | Buffer)[], max?: number): Promise<CsvRecord[]> {
  const out: CsvRecord[] = [];
  for await (const r of csvRecords((async function* () { yield* chunks; })(), max)) out.push(r);
  return out;
}

/** Every way of cutting `text` in two must give the same records. */
function splitEverywhere(text: string): CsvRecord[] {
  let expected: CsvRecord[] | null = null;
  for (let cut = 0; cut <= text.length; cut++) {
    const p = new CsvParser();
    p.feed(text.slice(0, cut));
    p.feed(text.slice(cut));
    p.end();
    const got = p.take();
    if (expected === null) expected = got;
    else assert.deepEqual(got, expected, `cut at ${cut}`);
  }
  return expected!;
}

describe('csvRecords', () => {
  test('quoted fields, "" escapes, quoted newlines and line numbers', async () => {
    const text = 'email,name\r\na@x.test,"Smith, ""Al"""\r\n"b@x.test","two\r\nlines"\r\n\r\nc@x.test,\r\n';
    assert.deepEqual(await read([text]), [
      { line: 1, fields: ['email', 'name'] },
      { line: 2, fields: ['a@x.test', 'Smith, "Al"'] },
      { line: 3, fields: ['b@x.test', 'two\r\nlines'] },
      { line: 6, fields: ['c@x.test', ''] },
    ]);
    assert.deepEqual(splitEverywhere(text), await read([text]));
  });

  test('LF line ends, no final newline, and a BOM', async () => {
    assert.deepEqual(await read(['\uFEFFemail\na@x.test\nb@x.test']), [
      { line: 1, fields: ['email'] },
      { line: 2, fields: ['a@x.test'] },
      { line: 3, fields: ['b@x.test'] },
    ]);
    // A BOM and a multi-byte character split across chunks as bytes.
    const bytes = Buffer.from('\uFEFFemail,name\nz@x.test,Zoë\n');
    assert.deepEqual(await read([bytes.subarray(0, 2), bytes.subarray(2, 24), bytes.subarray(24)]), [
      { line: 1, fields: ['email', 'name'] },
      { line: 2, fields: ['z@x.test', 'Zoë'] },
    ]);
  });

  test('malformed records are errors at their first line; the next record is read', async () => {
    const records = await read(['email,n\na"b@x.test,1\n"c@x.test"x,2\nok@x.test,3\n"open@x.test,4\nmore\n']);
    assert.deepEqual(records, [
      { line: 1, fields: ['email', 'n'] },
      { line: 2, error: 'a quote inside an unquoted field' },
      { line: 3, error: 'text after a closing quote' },
      { line: 4, fields: ['ok@x.test', '3'] },
      { line: 5, error: 'unterminated quoted field' },
    ]);
  });

  test('an over-long record is one error, and reading goes on after it', async () => {
    const long = `big@x.test,"${'x'.repeat(300)}\n${'y'.repeat(300)}"`;
    const records = await read([`email,n\n${long}\nnext@x.test,2\n`], 256);
    assert.deepEqual(records, [
      { line: 1, fields: ['email', 'n'] },
      { line: 2, error: 'record longer than 256 characters' },
      { line: 4, fields: ['next@x.test', '2'] },
    ]);
  });
});

describe('parseHeader', () => {
  test('normalises names and finds the email column under its accepted names', () => {
    assert.equal(fieldName(' First Name '), 'first_name');
    assert.equal(fieldName('Time-Zone'), 'time_zone');
    assert.deepEqual(parseHeader(['First Name', 'E-Mail', 'company']), { email: 1, names: ['first_name', 'email', 'company'] });
    assert.equal(parseHeader(['Email_Address']).email, 0);
    assert.equal(parseHeader(['EMAIL']).email, 0);
  });

  test('refuses a header without an email column, with an empty title or a duplicate', () => {
    assert.throws(() => parseHeader(['name', 'company']), (e) => e instanceof CsvHeaderError && /no email column/.test(e.message));
    assert.throws(() => parseHeader(['email', ' ', 'x']), /column 2 of the header has no name/);
    assert.throws(() => parseHeader(['email', 'First Name', 'first-name']), /"first_name" twice/);
    assert.throws(() => parseHeader(['email', 'e-mail']), /2 email columns/);
  });
});
