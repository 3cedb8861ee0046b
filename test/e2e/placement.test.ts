// Placement tests end to end: `petrel placement test` queues one message per seed through a relay
// identity; the real `petrel serve` relays them to an smtp-sink standing in for the providers; the test
// plays the providers, appending each copy with an Authentication-Results header into the seed's real
// Dovecot mailbox (one INBOX, one Junk, one never); the watcher reads the seeds, and the command's JSON
// and GET /v1/placement/:id say inbox / spam / missing with spf, dkim and dmarc read back.
import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { apiOf, type Api } from '../kit/api.js';
import { eventually } from '../kit/delivery.js';
import { startDovecot, type Dovecot } from '../kit/dovecot.js';
import { FAST_MAILBOXES, foldersOf } from '../kit/mailboxes.js';
import { cliOk, relayIdentity } from '../kit/identities.js';
import { startPetrel, STANDARD_SETUP, type Petrel } from '../kit/petrel.js';
import { freePorts } from '../kit/ports.js';
import { startSink, type Sink, type SinkMessage } from '../kit/sink.js';

const SEEDS = ['gmail1', 'outlook1', 'yahoo1'] as const;
/** A fourth mailbox on the same Dovecot, watched but not in the seed pool: it gets no test mail. */
const BYSTANDER = 'other1';
const PASSWORD = 'seed-Secret-1';
const address = (seed: string) => `${seed}@seeds.test`;

const STAMPS: Record<string, string> = {
  gmail1: 'mx.google.com;\r\n       dkim=pass header.i=@outreach.test header.s=s1;\r\n       spf=pass (google.com: domain of ana@outreach.test designates 127.0.0.1 as permitted sender) smtp.mailfrom=ana@outreach.test;\r\n       dmarc=pass (p=NONE sp=NONE dis=NONE) header.from=outreach.test',
  outlook1: 'spf=softfail (sender IP is 127.0.0.1)\r\n smtp.mailfrom=outreach.test; dkim=none (message not signed)\r\n header.d=none;dmarc=fail action=quarantine header.from=outreach.test;compauth=fail reason=001',
};

/** The copy a provider would store: its Authentication-Results on top, CRLF line ends. */
const stamped = (m: SinkMessage, seed: string) => `Authentication-Results: ${STAMPS[seed]}\r\n${m.content.replace(/\r?\n/g, '\r\n')}`;
const recipientOf = (m: SinkMessage) => /<([^>]*)>/.exec(m.rcptArgs[0] ?? '')?.[1];

describe('placement tests: inbox, spam and missing at seed mailboxes', () => {
  let p: Petrel;
  let api: Api;
  let sink: Sink;
  let dovecot: Dovecot;

  before(async () => {
    const [sinkPort] = await freePorts(1);
    sink = await startSink('127.0.0.1', sinkPort!);
    dovecot = await startDovecot({ users: [...SEEDS, BYSTANDER].map((s) => ({ user: address(s), password: PASSWORD })), idle: false });
    p = await startPetrel({
      delivery: { enabled: true, pollIntervalMs: 100, mtaSts: { enabled: false } },
      sending: { jitter: 0 },
      mailboxes: FAST_MAILBOXES,
      setup: [...STANDARD_SETUP, { args: ['domain', 'add', 'outreach.test', '--sending'] }],
    });
    api = await apiOf(p);
    await relayIdentity(p, 'ana', sink, ['--min-gap-seconds', '0']);
    for (const seed of [...SEEDS, BYSTANDER]) {
      await cliOk(p, ['identity', 'add', seed, '--from', address(seed), '--via', 'relay', '--relay-host', sink.address, '--relay-port', String(sink.port),
        '--relay-tls', 'none', '--relay-password-stdin', '--imap-host', dovecot.host, '--imap-port', String(dovecot.port), '--imap-tls', 'none'], `${PASSWORD}\n`);
    }
    await cliOk(p, ['pool', 'add', 'seeds', ...SEEDS.flatMap((s) => ['--identity', s])]);
    // The watcher reads what arrives after it first opened a folder: wait until every seed's INBOX and Junk are open.
    await eventually(() => [...SEEDS, BYSTANDER].every((s) => foldersOf(p, s)['INBOX'] && foldersOf(p, s)['Junk']), () => JSON.stringify(SEEDS.map((s) => foldersOf(p, s))), 60_000);
  });
  after(async () => {
    await p?.dispose();
    await Promise.allSettled([sink?.stop(), dovecot?.stop()]);
  });

  test('each seed reports inbox, spam or missing with the provider\'s auth results; the API agrees', async () => {
    const run = p.cli(['placement', 'test', '--identity', 'ana', '--seeds', 'seeds', '--wait', '20', '--json']);
    const copies = await sink.waitFor(3);
    const bySeed = new Map(copies.map((m) => [recipientOf(m)!.split('@')[0]!, m]));
    assert.deepEqual([...bySeed.keys()].sort(), [...SEEDS].sort());
    assert.match(bySeed.get('gmail1')!.content, /^X-Petrel-Placement: pt-[0-9a-f]+$/m);
    await dovecot.deliver(address('gmail1'), stamped(bySeed.get('gmail1')!, 'gmail1'), 'INBOX');
    await dovecot.deliver(address('outlook1'), stamped(bySeed.get('outlook1')!, 'outlook1'), 'Junk');
    // yahoo1 never gets its copy.

    const r = await run;
    assert.equal(r.code, 0, r.stderr);
    assert.equal(sink.messages().length, 3, 'one copy per seed of the pool, none to the mailbox outside it');
    const report = JSON.parse(r.stdout) as { id: string; identity: string; seeds: string; state: string; results: Array<Record<string, string | null>> };
    assert.deepEqual([report.identity, report.seeds, report.state], ['ana', 'seeds', 'finished']);
    const pick = (x: Record<string, unknown>) => [x['seed'], x['address'], x['result'], x['folder'], x['spf'], x['dkim'], x['dmarc']];
    const expected = [
      ['gmail1', address('gmail1'), 'inbox', 'INBOX', 'pass', 'pass', 'pass'],
      ['outlook1', address('outlook1'), 'spam', 'Junk', 'softfail', 'none', 'fail'],
      ['yahoo1', address('yahoo1'), 'missing', null, null, null, null],
    ];
    assert.deepEqual(report.results.map(pick), expected);
    assert.match(report.results[0]!['authResults'] ?? '', /^mx\.google\.com; dkim=pass/);

    const detail = await api.call('GET', `/v1/placement/${report.id}`, { as: 'read' });
    assert.equal(detail.status, 200, detail.text);
    assert.deepEqual(detail.body.results.map(pick), expected);
    assert.deepEqual(detail.body.summary, { total: 3, inbox: 1, spam: 1, missing: 1, pending: 0 });
    const list = await api.call('GET', '/v1/placement', { as: 'read' });
    assert.equal(list.body.data[0].id, report.id);

    const listed = await cliOk(p, ['placement', 'list']);
    assert.match(listed, new RegExp(`^${report.id} .* ana +seeds +finished +1 of 3 in the inbox, 1 in spam, 1 missing$`, 'm'));
    const shown = await cliOk(p, ['placement', 'show', report.id]);
    assert.match(shown, /^outlook1 +outlook1@seeds\.test +spam +Junk +softfail +none +fail$/m);

    const db = new Database(join(p.dataDir, 'petrel.db'), { readonly: true });
    try {
      assert.equal(db.prepare('SELECT count(*) FROM inbox_messages').pluck().get(), 0, 'placement copies stay out of the unified inbox');
    } finally {
      db.close();
    }
  });

  test('unknown names exit 1; bad flags exit 2', async () => {
    const unknownIdentity = await p.cli(['placement', 'test', '--identity', 'nobody', '--seeds', 'seeds']);
    assert.equal(unknownIdentity.code, 1);
    assert.match(unknownIdentity.stderr, /no identity nobody/);
    const unknownPool = await p.cli(['placement', 'test', '--identity', 'ana', '--seeds', 'nopool']);
    assert.equal(unknownPool.code, 1);
    await cliOk(p, ['pool', 'add', 'dry', '--identity', 'ana']);
    const dry = await p.cli(['placement', 'test', '--identity', 'ana', '--seeds', 'dry']);
    assert.equal(dry.code, 1);
    assert.match(dry.stderr, /no identity with IMAP/);
    for (const args of [['--wait', 'soon'], ['--step', '2'], []]) {
      const bad = await p.cli(['placement', 'test', ...(args.length ? ['--identity', 'ana', '--seeds', 'seeds'] : ['--identity', 'ana']), ...args]);
      assert.equal(bad.code, 2, `${args.join(' ')}: ${bad.stderr}`);
    }
    const missing = await p.cli(['placement', 'show', 'pt-nope']);
    assert.equal(missing.code, 1);
  });
});
