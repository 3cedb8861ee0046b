// The placement test on a real database, the delivery left out: a test queues one message per IMAP seed
// (pool members without IMAP are no seeds), the handler records the copies it is given (INBOX → inbox,
// Junk → spam, with the Authentication-Results), takes them from the inbox, ignores re-reads and other mail;
// finishing turns the silent seed into missing and emits placement.finished.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import type { PetrelConfig } from '../config/schema.js';
import { buildIdentity } from '../identities/create.js';
import { PoolStore } from '../identities/pools.js';
import { IdentityStore } from '../identities/store.js';
import type { MailDeps } from '../mailboxes/deps.js';
import type { ArrivedMail, MailboxActions } from '../mailboxes/types.js';
import type { QueueWriter } from '../queue/writer.js';
import { openDatabase, type Db } from '../store/db.js';
import { createCampaign } from '../campaigns/testkit.js';
import { placementHandler } from './handler.js';
import { contentOf, finishPlacementTest, startPlacementTest, type SeedMessage } from './run.js';
import { PlacementStore } from './store.js';

const NOW = 1_800_000_000_000;

function setup(db: Db): void {
  const identities = new IdentityStore(db, Buffer.alloc(32, 7)); // seals the seeds' IMAP passwords
  identities.add(buildIdentity({ name: 'ana', from: 'ana@outreach.test', via: 'relay', relayHost: 'smtp.outreach.test' }), NOW);
  for (const name of ['gmail1', 'outlook1', 'yahoo1']) {
    identities.add(buildIdentity({ name, from: `${name}@seeds.test`, via: 'relay', relayHost: 'smtp.seeds.test', imapHost: '127.0.0.1', imapPassword: 'pw' }), NOW);
  }
  identities.add(buildIdentity({ name: 'noimap', from: 'noimap@seeds.test', via: 'relay', relayHost: 'smtp.seeds.test' }), NOW);
  new PoolStore(db).put('seeds', ['gmail1', 'outlook1', 'yahoo1', 'noimap'].map((identity) => ({ identity, weight: 1 })), NOW);
}

const deps = (db: Db): MailDeps => ({
  db, config: {} as PetrelConfig, log: pino({ level: 'silent' }), clock: () => NOW, secretKey: Buffer.alloc(32),
  queue: {} as QueueWriter, wakeDelivery: () => {}, wakeCampaigns: () => {},
});

const actions: MailboxActions = { moveToInbox: async () => assert.fail('placement mail stays where it landed'), addFlags: async () => {} };

function arrived(identity: string, raw: Buffer, junk: boolean, uid: number): ArrivedMail {
  return {
    identity, address: `${identity}@seeds.test`, folder: junk ? 'Junk' : 'INBOX', junk, uidValidity: 1, uid, flags: [],
    internalDate: NOW + uid, raw, truncated: false,
  };
}

const stamped = (stamp: string, m: SeedMessage) => Buffer.concat([Buffer.from(`Authentication-Results: ${stamp}\r\n`), m.bytes]);

async function withDb(work: (db: Db) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'petrel-placement-'));
  const db = openDatabase(join(dir, 'petrel.db'));
  try {
    await work(db);
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('placement handler', () => {
  it('records inbox and spam with the auth results, takes the copies, and finishes with the silent seed missing', () => withDb(async (db) => {
    setup(db);
    const sent: SeedMessage[] = [];
    const id = await startPlacementTest(db, { identity: 'ana', seeds: 'seeds' }, async (identity, m) => {
      assert.equal(identity, 'ana');
      sent.push(m);
      return `q${sent.length}`;
    }, NOW);
    assert.deepEqual(sent.map((m) => m.seed.seed), ['gmail1', 'outlook1', 'yahoo1'], 'one per IMAP seed');
    assert.match(sent[0]!.bytes.toString(), new RegExp(`^X-Petrel-Placement: ${id}\\r$`, 'm'));

    const handler = placementHandler(deps(db));
    const gmail = arrived('gmail1', stamped('mx.google.com; dkim=pass header.i=@outreach.test; spf=pass smtp.mailfrom=ana@outreach.test; dmarc=pass (p=NONE) header.from=outreach.test', sent[0]!), false, 7);
    assert.equal(await handler.handle(gmail, actions), true);
    const outlook = arrived('outlook1', stamped('spf=softfail (sender IP is 192.0.2.1) smtp.mailfrom=outreach.test; dkim=none; dmarc=fail action=quarantine', sent[1]!), true, 3);
    assert.equal(await handler.handle(outlook, actions), true);
    assert.equal(await handler.handle({ ...gmail, folder: 'Junk', junk: true }, actions), true, 'a re-read is still ours');

    const report = finishPlacementTest(db, id, NOW + 10);
    assert.equal(report.state, 'finished');
    assert.deepEqual(report.summary, { total: 3, inbox: 1, spam: 1, missing: 1, pending: 0 });
    const bySeed = Object.fromEntries(report.results.map((r) => [r.seed, r]));
    assert.deepEqual([bySeed['gmail1']!.result, bySeed['gmail1']!.folder, bySeed['gmail1']!.spf, bySeed['gmail1']!.dkim, bySeed['gmail1']!.dmarc], ['inbox', 'INBOX', 'pass', 'pass', 'pass']);
    assert.equal(bySeed['gmail1']!.arrivedAt, NOW + 7);
    assert.deepEqual([bySeed['outlook1']!.result, bySeed['outlook1']!.folder, bySeed['outlook1']!.spf, bySeed['outlook1']!.dkim, bySeed['outlook1']!.dmarc], ['spam', 'Junk', 'softfail', 'none', 'fail']);
    assert.match(bySeed['outlook1']!.authResults ?? '', /^spf=softfail/);
    assert.deepEqual([bySeed['yahoo1']!.result, bySeed['yahoo1']!.messageId], ['missing', 'q3']);
    const event = db.prepare(`SELECT type, data FROM events WHERE type = 'placement.finished'`).get() as { type: string; data: string };
    assert.deepEqual(JSON.parse(event.data), { test: id, identity: 'ana', seeds: 'seeds', total: 3, inbox: 1, spam: 1, missing: 1, pending: 0 });

    const late = arrived('yahoo1', stamped('yahoo.com; spf=pass', sent[2]!), false, 9);
    assert.equal(await handler.handle(late, actions), true, 'a late copy is taken but changes nothing');
    assert.equal(new PlacementStore(db).results(id).find((r) => r.seed === 'yahoo1')!.result, 'missing');
  }));

  it('leaves other mail, and copies naming an unknown test, to the next handler', () => withDb(async (db) => {
    setup(db);
    const handler = placementHandler(deps(db));
    const plain = Buffer.from('From: a@b.test\r\nSubject: hello\r\n\r\nX-Petrel-Placement: pt-abc\r\n');
    assert.equal(await handler.handle(arrived('gmail1', plain, false, 1), actions), false);
    const foreign = Buffer.from('X-Petrel-Placement: pt-000000000000\r\nSubject: x\r\n\r\nbody\r\n');
    assert.equal(await handler.handle(arrived('gmail1', foreign, false, 2), actions), false);
  }));

  it('refuses unknown names and a pool without IMAP seeds before creating anything', () => withDb(async (db) => {
    setup(db);
    new PoolStore(db).put('dry', [{ identity: 'noimap', weight: 1 }], NOW);
    const never = async () => assert.fail('nothing is queued');
    await assert.rejects(startPlacementTest(db, { identity: 'nobody', seeds: 'seeds' }, never, NOW), /no identity nobody/);
    await assert.rejects(startPlacementTest(db, { identity: 'ana', seeds: 'nopool' }, never, NOW), /no pool nopool/);
    await assert.rejects(startPlacementTest(db, { identity: 'ana', seeds: 'dry' }, never, NOW), /pool dry has no identity with IMAP/);
    await assert.rejects(startPlacementTest(db, { identity: 'ana', seeds: 'seeds', campaign: 'nope' }, never, NOW), /campaign nope/);
    assert.deepEqual(new PlacementStore(db).list(), []);
  }));
  it('renders a campaign step for each seed, a follow-up in the thread of step 1', () => withDb(async (db) => {
    setup(db);
    createCampaign(db, { pool: 'seeds', fromName: 'Ana from Outreach' });
    const seed = { seed: 'gmail1', address: 'gmail1@seeds.test' };
    const one = contentOf(db, { identity: 'ana', seeds: 'seeds', campaign: 'spring' }, seed, 'pt-1');
    assert.deepEqual([one.fromName, one.subject, one.text.trim()], ['Ana from Outreach', 'Hi there', 'Hello.']);
    const two = contentOf(db, { identity: 'ana', seeds: 'seeds', campaign: 'spring', step: 2 }, seed, 'pt-1');
    assert.deepEqual([two.subject, two.text.trim()], ['Re: Hi there', 'Following up.']);
    assert.throws(() => contentOf(db, { identity: 'ana', seeds: 'seeds', campaign: 'spring', step: 3 }, seed, 'pt-1'), /--step 3: campaign spring has steps 1 to 2/);
  }));
});
