// Contact import on a temporary database with a fake resolver: every skip reason by line, DNS once per
// domain with bounded concurrency, temporary failures as warnings, merges; and the store's reads.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { DnsError, type MxRecord, type Resolver } from '../dns/types.js';
import { makeTempStore, type TempStore } from '../store/testkit.js';
import { SuppressionStore } from '../suppression/store.js';
import { CsvHeaderError } from './csv.js';
import { importCsv, importRows, type ImportResult } from './import.js';
import { ContactStore } from './store.js';

type Answer = MxRecord[] | string[] | DnsError['code'];
/** Answers by "TYPE name"; anything not listed is NXDOMAIN. Counts lookups and the most run at once. */
class FakeResolver implements Resolver {
  calls: string[] = [];
  running = 0;
  most = 0;
  constructor(private readonly answers: Record<string, Answer>) {}
  private async ask<T>(type: string, name: string): Promise<T> {
    this.calls.push(`${type} ${name}`);
    this.most = Math.max(this.most, ++this.running);
    await new Promise((r) => setTimeout(r, 2));
    this.running--;
    const a = this.answers[`${type} ${name}`] ?? (this.answers[`MX ${name}`] === undefined ? 'NXDOMAIN' : 'NODATA');
    if (typeof a === 'string') throw new DnsError(a, name, type);
    return a as T;
  }
  mx = (n: string) => this.ask<MxRecord[]>('MX', n);
  a = (n: string) => this.ask<string[]>('A', n);
  aaaa = (n: string) => this.ask<string[]>('AAAA', n);
  txt = (n: string) => this.ask<string[]>('TXT', n);
  ptr = (n: string) => this.ask<string[]>('PTR', n);
}

const GOOD_MX = [{ preference: 10, exchange: 'mx.good.test' }];
const ZONE: Record<string, Answer> = {
  'MX good.test': GOOD_MX,
  'MX other.test': GOOD_MX,
  'MX nullmx.test': [{ preference: 0, exchange: '' }],
  'MX hostonly.test': 'NODATA',
  'A hostonly.test': ['192.0.2.1'],
  'MX bare.test': 'NODATA',
  'MX flaky.test': 'SERVFAIL',
};

let t: TempStore;
let contacts: ContactStore;
let suppressions: SuppressionStore;
beforeEach(() => {
  t = makeTempStore();
  contacts = new ContactStore(t.db);
  suppressions = new SuppressionStore(t.db);
});
afterEach(() => t.cleanup());

const stores = () => ({ contacts, suppressions });
const csv = (text: string, list = 'leads', resolver: Resolver | null = new FakeResolver(ZONE)) =>
  importCsv(stores(), (async function* () { yield text; })(), { list, resolver });
const reasons = (r: ImportResult) => r.skipped.map((s) => [s.line, s.email, s.reason]);

describe('importCsv', () => {
  test('reports every bad row by line and reason and imports the rest', async () => {
    suppressions.add({ address: 'gone@good.test', reason: 'unsubscribe' });
    suppressions.add({ address: 'shop-only@good.test', scope: 'shop.test', reason: 'manual' });
    const resolver = new FakeResolver(ZONE);
    const result = await csv([
      'Email,First Name,Company',
      'ann@good.test,Ann,Acme', // 2
      'bob@@good.test,Bob,', // 3
      'ANN@good.test,Ann again,', // 4
      'gone@good.test,,', // 5
      'x@nullmx.test,,', // 6
      'y@nowhere.test,,', // 7
      'z@bare.test,,', // 8
      'h@hostonly.test,Host,', // 9
      'f@flaky.test,,', // 10
      'f2@flaky.test,,', // 11
      'shop-only@good.test,,', // 12
      'extra@good.test,a,b,c', // 13
    ].join('\n'), 'leads', resolver);
    assert.deepEqual(reasons(result), [
      [3, 'bob@@good.test', 'syntax'],
      [4, 'ANN@good.test', 'duplicate'],
      [5, 'gone@good.test', 'suppressed'],
      [6, 'x@nullmx.test', 'null-mx'],
      [7, 'y@nowhere.test', 'no-mx'],
      [8, 'z@bare.test', 'no-mx'],
      [13, 'extra@good.test', 'csv'],
    ]);
    assert.match(result.skipped[1]!.detail, /line 2/);
    assert.match(result.skipped[2]!.detail, /globally \(unsubscribe\)/);
    assert.equal(result.rows, 12);
    assert.equal(result.imported, 5);
    assert.deepEqual(result.warnings.map((w) => [w.line, w.domain]), [[10, 'flaky.test'], [12, undefined]]);
    assert.match(result.warnings[0]!.detail, /SERVFAIL/);
    // One MX lookup per distinct domain of a row that got that far.
    const mxCalls = resolver.calls.filter((c) => c.startsWith('MX '));
    assert.deepEqual(mxCalls.sort(), ['MX bare.test', 'MX flaky.test', 'MX good.test', 'MX hostonly.test', 'MX nowhere.test', 'MX nullmx.test']);
    assert.deepEqual(contacts.list({ list: 'leads', limit: 10, order: 'email' }).map((c) => c.email), [
      'ann@good.test', 'f2@flaky.test', 'f@flaky.test', 'h@hostonly.test', 'shop-only@good.test',
    ]);
    const ann = contacts.get('Ann@Good.test')!;
    assert.deepEqual(ann.fields, { first_name: 'Ann', company: 'Acme' });
    assert.equal(ann.orgDomain, 'good.test');
    assert.deepEqual(ann.lists, ['leads']);
  });

  test('a re-import merges fields (new values win, empty cells keep old ones) and adds memberships', async () => {
    await csv('email,first_name,company\nann@good.test,Ann,Acme\n', 'a', null);
    const r = await csv('email,company,title\nAnn@good.test,Acme Corp,\nnew@good.test,,\n', 'b', null);
    assert.deepEqual([r.imported, r.updated], [1, 1]);
    const ann = contacts.get('ann@good.test')!;
    assert.deepEqual(ann.fields, { first_name: 'Ann', company: 'Acme Corp' });
    assert.equal(ann.address, 'Ann@good.test');
    assert.deepEqual(ann.lists, ['a', 'b']);
    assert.deepEqual(contacts.lists().map((l) => [l.name, l.members]), [['a', 1], ['b', 2]]);
  });

  test('without MX checks no lookup is made; a bad header or list name fails before anything is written', async () => {
    const resolver = new FakeResolver(ZONE);
    const r = await importCsv(stores(), [Buffer.from('email\nq@nowhere.test\n')], { list: 'l', resolver: null });
    assert.equal(r.imported, 1);
    assert.deepEqual(resolver.calls, []);
    await assert.rejects(csv('name\nx@good.test\n'), CsvHeaderError);
    await assert.rejects(csv(''), /empty/);
    await assert.rejects(csv('email\nx@good.test\n', 'bad name!'), /invalid list name/);
    assert.equal(contacts.count(), 1);
  });

  test('DNS lookups run at most `concurrency` at a time, once per domain', async () => {
    const zone: Record<string, Answer> = {};
    const rows = [];
    for (let i = 0; i < 200; i++) {
      zone[`MX d${i % 50}.test`] = GOOD_MX;
      rows.push({ line: i + 1, address: `u${i}@d${i % 50}.test`, fields: {} });
    }
    const resolver = new FakeResolver(zone);
    const r = await importRows(stores(), rows, { list: 'many', resolver, concurrency: 8 });
    assert.equal(r.imported, 200);
    assert.equal(resolver.calls.length, 50);
    assert.ok(resolver.most <= 8 && resolver.most > 1, `at most 8 at once, saw ${resolver.most}`);
  });
});

describe('ContactStore', () => {
  const add = (list: string, emails: string[], now: number) =>
    contacts.upsertMany(list, emails.map((email) => ({ email, address: email, fields: {}, orgDomain: 'x.test' })), now);

  test('pages newest first with a cursor, or by email; counts; removes from a list or entirely', () => {
    add('one', ['a@x.test', 'b@x.test'], 1000);
    add('two', ['c@x.test', 'a@x.test'], 2000);
    const first = contacts.list({ limit: 2 });
    assert.deepEqual(first.map((c) => c.email), ['c@x.test', 'b@x.test']);
    const last = first[1]!;
    assert.deepEqual(contacts.list({ limit: 2, after: { createdAt: last.createdAt, email: last.email } }).map((c) => c.email), ['a@x.test']);
    assert.deepEqual(contacts.list({ list: 'two', limit: 10, order: 'email' }).map((c) => c.email), ['a@x.test', 'c@x.test']);
    assert.deepEqual([contacts.count(), contacts.count('one'), contacts.count('two')], [3, 2, 2]);
    assert.deepEqual(contacts.get('a@x.test')!.lists, ['one', 'two']);

    assert.equal(contacts.remove('A@x.test', 'one'), true);
    assert.equal(contacts.remove('a@x.test', 'one'), false);
    assert.deepEqual(contacts.get('a@x.test')!.lists, ['two']);
    assert.equal(contacts.removeList('two'), true);
    assert.equal(contacts.removeList('two'), false);
    assert.deepEqual(contacts.get('a@x.test')!.lists, [], 'members stay as contacts');
    assert.equal(contacts.remove('a@x.test'), true);
    assert.equal(contacts.get('a@x.test'), null);
    assert.deepEqual(contacts.lists().map((l) => [l.name, l.members]), [['one', 1]]);
  });
});
