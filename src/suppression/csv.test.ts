import { strict as assert } from 'node:assert';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { makeTempStore, type TempStore } from '../store/testkit.js';
import { boundedLines, csvField, CSV_HEADER, entryToCsv, importSuppressions, parseCsvRecord } from './csv.js';
import { SuppressionStore } from './store.js';

const T = Date.parse('2026-01-02T03:04:05.678Z');

async function* chunks(...parts: string[]): AsyncGenerator<Buffer> {
  for (const part of parts) yield Buffer.from(part);
}

async function collect<T>(gen: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of gen) out.push(item);
  return out;
}

describe('CSV fields and records', () => {
  it('quotes only what needs it', () => {
    assert.equal(csvField('plain'), 'plain');
    assert.equal(csvField('a,b'), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField('two\nlines'), '"two\nlines"');
    assert.equal(csvField(' padded'), '" padded"');
  });

  it('parses quoted, empty and open records', () => {
    assert.deepEqual(parseCsvRecord('a,"b,c",,"d ""e"""'), { fields: ['a', 'b,c', '', 'd "e"'] });
    assert.deepEqual(parseCsvRecord(''), { fields: [''] });
    assert.deepEqual(parseCsvRecord('a,"open'), { open: true });
    assert.ok('error' in parseCsvRecord('a,"b"x'));
    assert.ok('error' in parseCsvRecord('a,b"c'));
  });

  it('splits lines across chunks, strips CR and flags lines over the limit', async () => {
    const lines = await collect(boundedLines(chunks('one\r\ntw', 'o\n', 'x'.repeat(10), 'y\nlast'), 8));
    assert.deepEqual(lines.map((l) => [l.number, l.text, l.tooLong]), [
      [1, 'one', false],
      [2, 'two', false],
      [3, 'xxxxxxxxx', true],
      [4, 'last', false],
    ]);
    const exact = await collect(boundedLines(chunks('12345678\r\n12345678\n'), 8));
    assert.deepEqual(exact.map((l) => l.tooLong), [false, false], 'exactly at the limit, with or without CR');
  });
});

describe('import and export', () => {
  let store: TempStore;
  let s: SuppressionStore;
  beforeEach(() => {
    store = makeTempStore();
    s = new SuppressionStore(store.db);
  });
  afterEach(() => store.cleanup());

  const exportAll = () => CSV_HEADER + [...s.iterate()].map(entryToCsv).join('');

  it('round-trips entries with commas, quotes and newlines', async () => {
    s.addMany([
      { address: 'a@x.test', reason: 'hard-bounce', detail: 'userunknown 5.1.1 "no such user", sorry', sourceMessage: 'Q1', at: T },
      { address: 'b@x.test', scope: 'shop.test', reason: 'manual', detail: 'line one\nline two', expiresAt: T + 1000, at: T },
      { address: 'c@x.test', reason: 'unsubscribe', at: T },
    ]);
    const csv = exportAll();
    assert.equal(csv.split('\r\n')[0], 'address,scope,reason,detail,source_message,created_at,expires_at');
    assert.match(csv, /^a@x\.test,,hard-bounce,"userunknown 5\.1\.1 ""no such user"", sorry",Q1,2026-01-02T03:04:05\.678Z,\r$/m);
    const before = s.list({ limit: 10 });
    const copy = makeTempStore();
    try {
      const other = new SuppressionStore(copy.db);
      const result = await importSuppressions(other, chunks(csv.slice(0, 50), csv.slice(50)));
      assert.deepEqual(result, { added: 3, updated: 0, kept: 0, errors: [] });
      assert.deepEqual(other.list({ limit: 10 }), before);
    } finally {
      copy.cleanup();
    }
  });

  it('imports a list of addresses, header optional, with defaults from the caller', async () => {
    const plain = await importSuppressions(s, chunks('one@x.test\nTWO@x.test\n\n'), { scope: 'shop.test', reason: 'unsubscribe' }, T);
    assert.equal(plain.added, 2);
    const titled = await importSuppressions(s, chunks('\uFEFFEmail\r\nthree@x.test\r\n'), {}, T);
    assert.equal(titled.added, 1);
    assert.deepEqual(s.list({ limit: 10 }).map((e) => [e.address, e.scope, e.reason, e.createdAt]), [
      ['one@x.test', 'shop.test', 'unsubscribe', T],
      ['three@x.test', '', 'manual', T],
      ['two@x.test', 'shop.test', 'unsubscribe', T],
    ]);
  });

  it('takes the columns a header names, in its order; absent ones take the defaults', async () => {
    const csv = 'reason,address\ncomplaint,a@x.test\n,b@x.test\n';
    await assert.rejects(importSuppressions(s, chunks('address,colour\na@x.test,red\n')), /unknown CSV column "colour"/);
    const result = await importSuppressions(s, chunks(csv), { scope: 'd.test' });
    assert.equal(result.added, 2);
    assert.deepEqual(s.list({ limit: 10 }).map((e) => [e.address, e.reason, e.scope]), [
      ['a@x.test', 'complaint', 'd.test'],
      ['b@x.test', 'manual', 'd.test'],
    ]);
  });

  it('reports bad rows by line and imports the good ones', async () => {
    const csv = [
      CSV_HEADER.trimEnd(),
      'good@x.test,,manual,,,,',
      'not-an-address,,manual,,,,',
      'g2@x.test,,angry,,,,',
      'g3@x.test,,manual,"multi',
      'line",,,',
      'g4@x.test,,manual,,,yesterday,',
      `${'x'.repeat(5000)}@x.test`,
      'g5@x.test,bad scope!,manual,,,,',
      'g6@x.test,,manual,,,,,extra',
      'g7@x.test,,manual,"never closed',
    ].join('\n');
    const result = await importSuppressions(s, chunks(csv), {}, T);
    assert.deepEqual(result.errors.map((e) => e.line), [3, 4, 7, 8, 9, 10, 11]);
    assert.match(result.errors[0]!.message, /invalid address/);
    assert.match(result.errors[1]!.message, /invalid reason "angry"/);
    assert.match(result.errors[2]!.message, /invalid created_at/);
    assert.match(result.errors[3]!.message, /longer than 4096 bytes/);
    assert.match(result.errors[6]!.message, /unterminated/);
    assert.deepEqual(s.list({ limit: 10 }).map((e) => [e.address, e.detail]), [
      ['g3@x.test', 'multi\nline'],
      ['good@x.test', null],
    ]);
  });
});
