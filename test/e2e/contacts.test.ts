// Contacts and lists against a started Petrel: `petrel contacts` on its data directory (MX checks asking
// the test DNS server: MX, null MX, NXDOMAIN) and the /v1/contacts and /v1/lists API through curl.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { apiOf, type Api } from '../kit/api.js';
import { startDnsServer, type TestDnsServer } from '../kit/dns-server.js';
import { curl } from '../kit/peers.js';
import { startPetrel, type Petrel } from '../kit/petrel.js';

const ZONE = {
  'good.test': { MX: [{ preference: 10, exchange: 'mx.good.test' }] },
  'other.test': { MX: [{ preference: 10, exchange: 'mx.other.test' }] },
  'nullmx.test': { MX: [{ preference: 0, exchange: '.' }] },
  // nowhere.test is not in the zone: NXDOMAIN
};

const CSV = [
  'Email,First Name,Company',
  'ann@good.test,Ann,"Acme, Inc."', // 2
  'bob@@good.test,Bob,', // 3: syntax
  'Carol@Other.test,Carol,"Quote ""Q"" Ltd"', // 4
  'ANN@good.test,Ann twice,', // 5: duplicate
  'gone@good.test,Gone,', // 6: suppressed
  'x@nullmx.test,X,', // 7: null MX
  'y@nowhere.test,Y,', // 8: NXDOMAIN
  'dave@good.test,Dave,', // 9
].join('\r\n');

interface ContactJson {
  email: string;
  address: string;
  fields: Record<string, string>;
  lists: string[];
  orgDomain: string;
  createdAt: string;
}

describe('contacts and lists', () => {
  let p: Petrel;
  let dns: TestDnsServer;
  let api: Api;
  let adminKey: string;

  before(async () => {
    dns = await startDnsServer(ZONE);
    p = await startPetrel({ dns: { servers: [dns.server], timeoutMs: 500, attempts: 1 } });
    api = await apiOf(p);
    const r = await p.cli(['apikey', 'create', 'csv-admin', '--scope', 'admin']);
    assert.equal(r.code, 0, r.stderr);
    adminKey = r.stdout.trim();
  });
  after(async () => {
    await p?.dispose();
    await dns?.close();
  });

  async function ok(args: string[]): Promise<string> {
    const r = await p.cli(args);
    assert.equal(r.code, 0, `petrel ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  }

  test('import reports exactly the bad lines; list, show, lists and remove', async () => {
    await ok(['suppress', 'add', 'gone@good.test']);
    const file = join(p.dataDir, 'leads.csv');
    writeFileSync(file, CSV);
    const human = await ok(['contacts', 'import', file, '--list', 'leads']);
    assert.equal(human.split('\n')[0], 'imported 3, updated 0, skipped 5 (8 rows, list leads)');
    assert.deepEqual(human.trim().split('\n').slice(1).map((l) => l.split(': ').slice(0, 2).join(': ')), [
      'line 3: bob@@good.test', 'line 5: ANN@good.test', 'line 6: gone@good.test', 'line 7: x@nullmx.test', 'line 8: y@nowhere.test',
    ]);
    assert.match(human, /^line 3: bob@@good\.test: syntax: /m);
    assert.match(human, /^line 5: ANN@good\.test: duplicate: the same address as line 2$/m);
    assert.match(human, /^line 6: gone@good\.test: suppressed: suppressed globally \(manual\)$/m);
    assert.match(human, /^line 7: x@nullmx\.test: null-mx: /m);
    assert.match(human, /^line 8: y@nowhere\.test: no-mx: nowhere\.test does not exist \(NXDOMAIN\)$/m);

    const listed = JSON.parse(await ok(['contacts', 'list', '--list', 'leads', '--json'])) as ContactJson[];
    const byEmail = Object.fromEntries(listed.map((c) => [c.email, c]));
    assert.deepEqual(Object.keys(byEmail).sort(), ['ann@good.test', 'carol@other.test', 'dave@good.test']);
    assert.deepEqual(byEmail['ann@good.test']!.fields, { first_name: 'Ann', company: 'Acme, Inc.' });
    assert.deepEqual(byEmail['carol@other.test']!.fields, { first_name: 'Carol', company: 'Quote "Q" Ltd' });
    assert.equal(byEmail['carol@other.test']!.address, 'Carol@other.test');
    assert.deepEqual(byEmail['dave@good.test']!.lists, ['leads']);

    const shown = JSON.parse(await ok(['contacts', 'show', 'CAROL@other.test', '--json'])) as ContactJson;
    assert.deepEqual([shown.email, shown.orgDomain, shown.lists], ['carol@other.test', 'other.test', ['leads']]);
    assert.match(await ok(['contacts', 'show', 'ann@good.test']), /^ {2}company: +Acme, Inc\.$/m);

    // --json: the result object; a second list; --no-mx-check lets the NXDOMAIN row in.
    writeFileSync(file, 'e-mail,title\nann@good.test,CEO\ny@nowhere.test,\n');
    const result = JSON.parse(await ok(['contacts', 'import', file, '--list', 'vip', '--json', '--no-mx-check']));
    assert.deepEqual(result, { list: 'vip', rows: 2, imported: 1, updated: 1, skipped: [], warnings: [] });
    assert.deepEqual((JSON.parse(await ok(['contacts', 'show', 'ann@good.test', '--json'])) as ContactJson).fields, {
      first_name: 'Ann', company: 'Acme, Inc.', title: 'CEO',
    });
    const lists = JSON.parse(await ok(['contacts', 'lists', '--json'])) as { name: string; members: number }[];
    assert.deepEqual(lists.map((l) => [l.name, l.members]), [['leads', 3], ['vip', 2]]);

    assert.equal(await ok(['contacts', 'remove', 'ann@good.test', '--list', 'vip']), 'removed ann@good.test from vip\n');
    assert.deepEqual((JSON.parse(await ok(['contacts', 'show', 'ann@good.test', '--json'])) as ContactJson).lists, ['leads']);
    assert.equal(await ok(['contacts', 'remove', 'Y@nowhere.test']), 'removed y@nowhere.test\n');
    const gone = await p.cli(['contacts', 'show', 'y@nowhere.test']);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /^petrel: no contact y@nowhere\.test/);
  });

  test('exit statuses: 1 for an unreadable file or no email column, 2 for usage errors', async () => {
    const file = join(p.dataDir, 'names.csv');
    writeFileSync(file, 'name,company\nann,Acme\n');
    const noEmail = await p.cli(['contacts', 'import', file, '--list', 'x']);
    assert.equal(noEmail.code, 1);
    assert.match(noEmail.stderr, /no email column/);
    assert.equal((await p.cli(['contacts', 'import', join(p.dataDir, 'missing.csv'), '--list', 'x'])).code, 1);
    assert.equal((await p.cli(['contacts', 'import', file])).code, 2, '--list is required');
    assert.equal((await p.cli(['contacts', 'import', file, '--list', 'bad name'])).code, 2);
    assert.equal((await p.cli(['contacts', 'list', '--limit', '0'])).code, 2);
    assert.equal((await p.cli(['contacts', 'remove', 'nobody@good.test'])).code, 1);
    const lists = JSON.parse(await ok(['contacts', 'lists', '--json'])) as { name: string }[];
    assert.ok(!lists.some((l) => l.name === 'x'), 'a refused import creates no list');
  });

  test('API: upload CSV and JSON, list with a cursor, get, delete', async () => {
    const upload = async (path: string, body: string, key = adminKey) => {
      const r = await curl(['-s', '-w', '\n%{http_code}', '-X', 'POST', '-H', `Authorization: Bearer ${key}`, '-H', 'Content-Type: text/csv',
        '--data-binary', '@-', `http://127.0.0.1:${p.ports.http}${path}`], body);
      const cut = r.stdout.lastIndexOf('\n');
      return { status: Number(r.stdout.slice(cut + 1)), body: JSON.parse(r.stdout.slice(0, cut)) };
    };
    const csv = await upload('/v1/lists/api-csv/contacts', 'email,city\nerin@good.test,Oslo\nbad@@x\nz@nullmx.test,\n');
    assert.equal(csv.status, 200, JSON.stringify(csv.body));
    assert.deepEqual(csv.body.skipped.map((s: { line: number; reason: string }) => [s.line, s.reason]), [[3, 'syntax'], [4, 'null-mx']]);
    assert.equal(csv.body.imported, 1);
    assert.equal((await upload('/v1/lists/api-csv/contacts', 'city\nOslo\n')).status, 400);

    const json = await api.call('POST', '/v1/lists/api-json/contacts', {
      body: { contacts: [{ email: 'Fred@Good.test', fields: { 'First Name': 'Fred' } }, { email: 'q@nowhere.test' }] },
    });
    assert.equal(json.status, 200, json.text);
    assert.deepEqual([json.body.imported, json.body.skipped[0]?.line, json.body.skipped[0]?.reason], [1, 2, 'no-mx']);
    assert.equal((await api.call('POST', '/v1/lists/api-json/contacts', { as: 'read', body: { contacts: [] } })).status, 403);

    const fred = await api.call('GET', '/v1/contacts/fred@good.test', { as: 'read' });
    assert.equal(fred.status, 200);
    assert.deepEqual([fred.body.address, fred.body.fields, fred.body.lists], ['Fred@good.test', { first_name: 'Fred' }, ['api-json']]);

    const first = await api.call('GET', '/v1/contacts?limit=1', { as: 'read' });
    assert.equal(first.body.data.length, 1);
    assert.equal(first.body.data[0].email, 'fred@good.test', 'newest first');
    const second = await api.call('GET', `/v1/contacts?limit=1&cursor=${first.body.nextCursor}`, { as: 'read' });
    assert.equal(second.body.data[0].email, 'erin@good.test');
    const onList = await api.call('GET', '/v1/contacts?list=api-csv', { as: 'read' });
    assert.deepEqual(onList.body.data.map((c: ContactJson) => c.email), ['erin@good.test']);

    const lists = await api.call('GET', '/v1/lists', { as: 'read' });
    assert.deepEqual(lists.body.data.filter((l: { name: string }) => l.name.startsWith('api-')).map((l: { name: string; members: number }) => [l.name, l.members]), [['api-csv', 1], ['api-json', 1]]);

    assert.equal((await api.call('DELETE', '/v1/contacts/fred@good.test', { as: 'read' })).status, 403);
    assert.equal((await api.call('DELETE', '/v1/contacts/fred@good.test?list=api-csv')).status, 404);
    assert.equal((await api.call('DELETE', '/v1/contacts/fred@good.test')).status, 204);
    assert.equal((await api.call('GET', '/v1/contacts/fred@good.test', { as: 'read' })).status, 404);
    assert.equal((await api.call('DELETE', '/v1/lists/api-csv')).status, 204);
    assert.equal((await api.call('DELETE', '/v1/lists/api-csv')).status, 404);
    const erin = await api.call('GET', '/v1/contacts/erin@good.test', { as: 'read' });
    assert.deepEqual(erin.body.lists, [], 'members of a deleted list stay as contacts');
  });
});
