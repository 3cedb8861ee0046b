// The suppression list, the event log and the stats as an operator meets them through the built CLI:
// suppress add/list/remove/import/export, events list/tail and stats, on a data directory of their own.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EventStore } from '../../src/events/store.js';
import type { NewEvent } from '../../src/events/types.js';
import { openDatabase } from '../../src/store/db.js';
import { MAIN, runCli } from '../kit/petrel.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'petrel-suppress-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function ok(args: string[]): Promise<string> {
  const r = await runCli(dir, args);
  assert.equal(r.code, 0, `petrel ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

async function fails(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const r = await runCli(dir, args);
  assert.match(r.stderr, /^petrel: /, 'a message on stderr');
  return r;
}

interface ListedEntry {
  address: string;
  scope: string;
  reason: string;
  detail: string | null;
  expiresAt: string | null;
}

const listJson = async (...args: string[]) => JSON.parse(await ok(['suppress', 'list', '--json', ...args])) as ListedEntry[];

/** Append events straight to the database, as the server would. */
function appendEvents(events: NewEvent[]): number {
  const db = openDatabase(join(dir, 'petrel.db'));
  try {
    const store = new EventStore(db);
    const before = store.lastId();
    store.append(events);
    return before;
  } finally {
    db.close();
  }
}

describe('petrel suppress', () => {
  test('add, list and remove, globally and per sending domain', async () => {
    const added = await ok(['suppress', 'add', 'Alice@Example.TEST', 'bob@example.test', '--note', 'asked, by phone']);
    assert.match(added, /^suppressed alice@example\.test \(global, manual, permanent\)$/m);
    await ok(['suppress', 'add', 'carol@example.test', '--scope', 'Shop.Test', '--reason', 'unsubscribe']);
    await ok(['suppress', 'add', 'dave@example.test', '--expires', '30d']);
    const kept = await ok(['suppress', 'add', 'alice@example.test', '--expires', '2d']);
    assert.match(kept, /^kept alice@example\.test .*not weakened/);

    const all = await listJson();
    assert.deepEqual(all.map((e) => [e.address, e.scope, e.reason]), [
      ['alice@example.test', '', 'manual'],
      ['bob@example.test', '', 'manual'],
      ['carol@example.test', 'shop.test', 'unsubscribe'],
      ['dave@example.test', '', 'manual'],
    ]);
    assert.equal(all[0]!.detail, 'asked, by phone');
    assert.equal(all[0]!.expiresAt, null);
    const expires = Date.parse(all[3]!.expiresAt!);
    assert.ok(Math.abs(expires - (Date.now() + 30 * 86_400_000)) < 60_000, all[3]!.expiresAt!);
    assert.deepEqual((await listJson('--scope', 'shop.test')).map((e) => e.address), ['carol@example.test']);
    assert.deepEqual((await listJson('--reason', 'unsubscribe')).map((e) => e.address), ['carol@example.test']);
    assert.deepEqual((await listJson('--search', 'bo', '--limit', '1')).map((e) => e.address), ['bob@example.test']);
    assert.match(await ok(['suppress', 'list']), /^ADDRESS +SCOPE +REASON +CREATED +EXPIRES +DETAIL\nalice@example\.test +global +manual /);

    assert.equal(await ok(['suppress', 'remove', 'BOB@example.test']), 'removed bob@example.test\n');
    const missing = await fails(['suppress', 'remove', 'carol@example.test']);
    assert.equal(missing.code, 1, 'carol is only suppressed for shop.test');
    await ok(['suppress', 'remove', 'carol@example.test', '--scope', 'shop.test']);
    assert.deepEqual((await listJson()).map((e) => e.address), ['alice@example.test', 'dave@example.test']);
  });

  test('add --reason unsubscribe appends an unsubscribed event; manual adds append none', async () => {
    const before = appendEvents([]);
    await ok(['suppress', 'add', 'leaver@example.test', '--reason', 'unsubscribe', '--scope', 'news.test']);
    await ok(['suppress', 'add', 'quiet@example.test']);
    const lines = (await ok(['events', 'list', '--json'])).trim().split('\n').map((l) => JSON.parse(l) as { id: number; type: string; recipient: string; sendingDomain: string });
    const fresh = lines.filter((e) => e.id > before);
    assert.deepEqual(fresh.map((e) => [e.type, e.recipient, e.sendingDomain]), [['unsubscribed', 'leaver@example.test', 'news.test']]);
  });

  test('usage errors exit 2, with nothing added', async () => {
    assert.equal((await fails(['suppress', 'add', 'not an address'])).code, 2);
    assert.equal((await fails(['suppress', 'add', 'x@example.test', '--reason', 'grudge'])).code, 2);
    assert.equal((await fails(['suppress', 'add', 'x@example.test', '--scope', 'bad scope!'])).code, 2);
    assert.equal((await fails(['suppress', 'add', 'x@example.test', '--reason', 'complaint', '--expires', '1d'])).code, 2);
    assert.equal((await fails(['suppress', 'add', 'x@example.test', '--expires', 'soon'])).code, 2);
    assert.equal((await fails(['suppress', 'add', 'ok@example.test', 'bad'])).code, 2);
    assert.equal((await fails(['suppress', 'list', '--limit', '0'])).code, 2);
    assert.equal((await listJson('--search', 'ok@')).length, 0, 'the whole add was refused');
  });

  test('export to a file and import it elsewhere; import of a plain list with bad rows', async () => {
    await ok(['suppress', 'add', 'quoted@example.test', '--note', 'said "stop", twice']);
    const file = join(dir, 'out.csv');
    assert.equal(await ok(['suppress', 'export', file]), '');
    const csv = readFileSync(file, 'utf8');
    assert.equal(csv, await ok(['suppress', 'export']), 'the same on stdout');
    assert.match(csv, /^address,scope,reason,detail,source_message,created_at,expires_at\r\n/);
    assert.match(csv, /^quoted@example\.test,,manual,"said ""stop"", twice",,\d{4}-[^,]+Z,\r$/m);

    const other = mkdtempSync(join(tmpdir(), 'petrel-suppress-copy-'));
    try {
      const r = await runCli(other, ['suppress', 'import', file]);
      assert.equal(r.code, 0, r.stderr);
      const copied = await runCli(other, ['suppress', 'export']);
      assert.equal(copied.stdout, csv);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }

    const list = join(dir, 'list.csv');
    writeFileSync(list, 'email\nnew1@example.test\nnot-an-address\nNEW2@example.test\n');
    const r = await runCli(dir, ['suppress', 'import', list, '--reason', 'unsubscribe', '--scope', 'shop.test']);
    assert.equal(r.code, 1, 'a bad row is reported');
    assert.match(r.stderr, /list\.csv:3: invalid address/);
    assert.match(r.stdout, /^imported 2 \(2 new/);
    assert.deepEqual((await listJson('--scope', 'shop.test')).map((e) => [e.address, e.reason]), [
      ['new1@example.test', 'unsubscribe'],
      ['new2@example.test', 'unsubscribe'],
    ]);
    assert.equal((await fails(['suppress', 'import', join(dir, 'no-such.csv')])).code, 1);
  });
});

describe('petrel events and stats', () => {
  const now = Date.now();
  const HOUR = 3_600_000;
  let firstId = 0;
  before(() => {
    firstId = appendEvents([
      { at: now - 3 * HOUR, type: 'delivered', messageId: 'OLD1', recipient: 'r1@far.test', sendingDomain: 'stats.test', sourceIp: '192.0.2.7' },
      { at: now - 30 * 60_000, type: 'delivered', messageId: 'M1', recipient: 'r1@far.test', sendingDomain: 'stats.test', sourceIp: '192.0.2.7', mx: 'mx.far.test', code: 250, enhanced: '2.0.0', text: 'ok queued' },
      { at: now - 20 * 60_000, type: 'bounced', messageId: 'M1', recipient: 'r2@far.test', sendingDomain: 'stats.test', sourceIp: '192.0.2.7', code: 550, enhanced: '5.1.1', text: 'no such user', class: 'hard', reason: 'userunknown' },
      { at: now - 10 * 60_000, type: 'deferred', messageId: 'M2', recipient: 'r3@near.test', sendingDomain: 'other.test', sourceIp: '192.0.2.8', code: 451, text: 'try later', class: 'soft', reason: 'systemerror' },
      { at: now - 5 * 60_000, type: 'complained', messageId: 'M1', recipient: 'r1@far.test', sendingDomain: 'stats.test', class: 'complaint', reason: 'feedback' },
    ]);
  });

  const jsonLines = (text: string) => text.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

  test('events list: a table, JSON lines, and the filters', async () => {
    const table = await ok(['events', 'list', '--message', 'M1']);
    assert.match(table, /^TIME +TYPE +RECIPIENT +MESSAGE +CLASS +REPLY\n/);
    assert.match(table, /bounced +r2@far\.test +M1 +hard\/userunknown +550 5\.1\.1 no such user\n/);

    const m1 = jsonLines(await ok(['events', 'list', '--message', 'M1', '--json']));
    assert.deepEqual(m1.map((e) => e['type']), ['delivered', 'bounced', 'complained']);
    assert.deepEqual(m1[1]!['reply'], { code: 550, enhanced: '5.1.1', text: 'no such user' });
    assert.equal(m1[1]!['id'], firstId + 3);
    assert.equal(m1[1]!['at'], new Date(now - 20 * 60_000).toISOString());

    const types = (args: string[]) => ok(['events', 'list', '--json', ...args]).then((t) => jsonLines(t).filter((e) => (e['id'] as number) > firstId).map((e) => e['type']));
    assert.deepEqual(await types(['--type', 'bounced,deferred']), ['bounced', 'deferred']);
    assert.deepEqual(await types(['--since', '1h', '--domain', 'stats.test']), ['delivered', 'bounced', 'complained']);
    assert.deepEqual(await types(['--since', new Date(now - 15 * 60_000).toISOString()]), ['deferred', 'complained']);
    assert.deepEqual(await types(['--recipient', 'R1@far.test', '--limit', '2']), ['delivered', 'complained']);
    assert.equal(await ok(['events', 'list', '--message', 'none']), 'no matching events\n');
    assert.equal((await fails(['events', 'list', '--type', 'exploded'])).code, 2);
    assert.equal((await fails(['events', 'list', '--since', 'yesterday'])).code, 2);
  });

  test('events tail --max prints the events committed after --from, then exits', async () => {
    const from = appendEvents([]);
    const child = spawn(process.execPath, [MAIN, 'events', 'tail', '--json', '--type', 'delivered', '--from', String(from), '--max', '2', '--data-dir', dir]);
    let stdout = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    appendEvents([{ at: Date.now(), type: 'bounced', recipient: 'a@t.test' }]);
    await new Promise((resolve) => setTimeout(resolve, 600));
    appendEvents([{ at: Date.now(), type: 'delivered', recipient: 'b@t.test' }, { at: Date.now(), type: 'delivered', recipient: 'c@t.test' }, { at: Date.now(), type: 'delivered', recipient: 'd@t.test' }]);
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    assert.equal(await exited, 0);
    clearTimeout(timer);
    assert.deepEqual(jsonLines(stdout).map((e) => e['recipient']), ['b@t.test', 'c@t.test']);
  });

  test('events tail runs until SIGTERM and exits cleanly', async () => {
    const from = appendEvents([{ at: Date.now(), type: 'expired', recipient: 'late@t.test', messageId: 'M9' }]);
    const child = spawn(process.execPath, [MAIN, 'events', 'tail', '--from', String(from), '--data-dir', dir]);
    let stdout = '';
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    // Once the first event is out, it is polling.
    await new Promise<void>((resolve) => child.stdout.on('data', (b: Buffer) => ((stdout += b.toString()), resolve())));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.match(stdout, /expired +late@t\.test +M9 /);
  });

  test('stats --json: figures and rates per domain and source IP', async () => {
    const report = JSON.parse(await ok(['stats', '--json', '--window', '1h'])) as {
      domains: Array<Record<string, unknown>>;
      sourceIps: Array<Record<string, unknown>>;
    };
    const stats = report.domains.find((d) => d['domain'] === 'stats.test')!;
    assert.deepEqual([stats['delivered'], stats['bounced'], stats['hardBounced'], stats['complained']], [1, 1, 1, 1]);
    assert.equal(stats['bounceRate'], 0.5);
    assert.equal(stats['complaintRate'], 1);
    assert.deepEqual(report.sourceIps.map((s) => [s['ip'], s['delivered'], s['deferred']]), [
      ['192.0.2.7', 1, 0],
      ['192.0.2.8', 0, 1],
    ]);
    const wide = JSON.parse(await ok(['stats', '--json', '--window', '1d', '--domain', 'stats.test'])) as { domains: Array<Record<string, unknown>> };
    assert.deepEqual(wide.domains.map((d) => [d['domain'], d['delivered']]), [['stats.test', 2]]);
    assert.match(await ok(['stats']), /^SENDING DOMAIN +ACCEPTED/m);
    assert.equal((await fails(['stats', '--window', 'forever'])).code, 2);
  });
});
