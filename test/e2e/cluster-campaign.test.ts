// Cluster mode, campaigns: three nodes run the engine on one campaign of 300 contacts over a pool of
// ten relay identities capped at 20 a day. Node B is killed -9 mid-run and restarted. Day 1 sends
// exactly the caps' sum (per identity at most its cap, summed over the nodes); the next day sends
// the rest; every contact gets step 1 exactly once.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createCampaign, importContacts, recipientOf } from '../kit/campaigns.js';
import { startCluster, type Cluster } from '../kit/cluster.js';
import { eventually } from '../kit/delivery.js';
import { mailFrom, relayIdentity, cliOk } from '../kit/identities.js';
import { STANDARD_SETUP, type Petrel } from '../kit/petrel.js';
import { freePort } from '../kit/ports.js';
import { startSink, type Sink, type SinkMessage } from '../kit/sink.js';

const CONTACTS = 300;
const IDENTITIES = 10;
const CAP = 20;

const CAMPAIGN = `name: spread
list: spread
pool: p
schedule: always
steps:
  - delay: 0
    subject: "Hello {{first_name}}"
    text: "Hi {{first_name}}, one note from the cluster."
`;

let cluster: Cluster;
let sink: Sink;

before(async () => {
  sink = await startSink('127.0.0.1', await freePort());
  cluster = await startCluster(3, {
    clock: true,
    delivery: { enabled: true, pollIntervalMs: 100, mtaSts: { enabled: false } },
    sending: { jitter: 0 },
    campaigns: { tickMs: 100, batch: 20 },
    log: { level: 'debug' },
    setup: [...STANDARD_SETUP, { args: ['domain', 'add', 'outreach.test', '--sending', '--local', '--no-dkim'] }],
  });
  const a = cluster.nodes[0]!;
  const names = Array.from({ length: IDENTITIES }, (_, i) => `r${i}`);
  for (const name of names) await relayIdentity(a, name, sink, ['--daily-cap', String(CAP)]);
  await cliOk(a, ['pool', 'add', 'p', ...names.flatMap((n) => ['--identity', n])]);
  await importContacts(a, 'spread', Array.from({ length: CONTACTS }, (_, i) => ({ email: `c${i}@dest${i % 7}.test`, first_name: `C${i}` })));
});
after(async () => {
  await cluster?.dispose();
  await sink?.stop();
});

/** The campaign and claim lines of every node's log, for a failure's message. */
const tails = () => cluster.nodes.map((n, i) => `--- node ${i} ---\n${n.logs.split('\n').filter((l) => /campaign|claim|error/i.test(l)).slice(-15).join('\n')}`).join('\n');

/** The Message-ID of a delivered copy: the same step delivered again after a crash has the same one. */
const messageIdOf = (m: SinkMessage) => /^Message-ID:\s*(<[^>]+>)/im.exec(m.content)?.[1] ?? `?${m.content.length}`;

/** One copy per Message-ID: a message re-delivered by node B after its kill counts once. */
const distinct = (messages: SinkMessage[]) => [...new Map(messages.map((m) => [messageIdOf(m), m])).values()];

const byIdentity = (messages: SinkMessage[]) => {
  const counts = new Map<string, number>();
  for (const m of messages) counts.set(mailFrom(m) ?? '?', (counts.get(mailFrom(m) ?? '?') ?? 0) + 1);
  return counts;
};

test('three nodes share one campaign: caps hold over the sum of nodes, a killed node sends nothing twice and loses nothing', async () => {
  const [a, b, c] = cluster.nodes as [Petrel, Petrel, Petrel];
  await createCampaign(a, CAMPAIGN);
  const started = await a.cli(['campaign', 'start', 'spread', '--force']);
  assert.equal(started.code, 0, `${started.stderr}\n--- postgres ---\n${cluster.pg.log().split('\n').filter((l) => /ERROR|STATEMENT|DETAIL|deadlock|timeout/.test(l)).slice(-30).join('\n')}`);

  await eventually(() => sink.messages().length >= 50 || undefined, () => `sent ${sink.messages().length}\n${tails()}`, 60_000);
  await b.kill9();
  await b.restart();

  const dayOne = CAP * IDENTITIES;
  await eventually(() => distinct(sink.messages()).length >= dayOne || undefined, () => `day 1: ${distinct(sink.messages()).length} of ${dayOne}\n${b.logs.slice(-3000)}`, 60_000);
  const claimed = Number(await cluster.pg.psql('SELECT count(*) FROM campaign_claims'));
  assert.equal(claimed, dayOne, 'claims on day 1 = the sum of the caps');
  await new Promise((r) => setTimeout(r, 1000)); // a late send or an overshoot would arrive within this
  const first = distinct(sink.messages());
  assert.equal(first.length, dayOne, 'distinct messages on day 1 = the sum of the caps');
  for (const [from, n] of byIdentity(first)) assert.ok(n <= CAP, `${from} sent ${n} on day 1, cap ${CAP}`);
  const perNode = await cluster.pg.psql('SELECT node, count(*) FROM campaign_claims GROUP BY node ORDER BY node');
  assert.ok(perNode.split('\n').filter(Boolean).length >= 2, `claims spread over the nodes: ${perNode}`);

  await Promise.all([a, b, c].map((n) => n.advance(86_400_000)));
  await eventually(() => distinct(sink.messages()).length >= CONTACTS || undefined, () => `day 2: ${distinct(sink.messages()).length} of ${CONTACTS}`, 60_000);
  await new Promise((r) => setTimeout(r, 1000));
  const copies = sink.messages();
  const all = distinct(copies);
  const perContact = new Map<string, number>();
  for (const m of all) perContact.set(recipientOf(m)!, (perContact.get(recipientOf(m)!) ?? 0) + 1);
  const duplicates = [...perContact].filter(([, n]) => n > 1);
  const missing = Array.from({ length: CONTACTS }, (_, i) => `c${i}@dest${i % 7}.test`).filter((e) => !perContact.has(e));
  assert.deepEqual(duplicates, [], 'no contact got step 1 twice (two messages)');
  assert.deepEqual(missing, [], 'every contact got step 1');
  assert.equal(all.length, CONTACTS);
  // SMTP's own window: a message the sink took just before node B died, whose result B had not yet
  // written, is delivered again after the restart — the same message (same Message-ID), as with any MTA.
  const redelivered = copies.length - all.length;
  assert.ok(redelivered <= 30, `${redelivered} copies delivered again: more than node B's connections in flight`);
  const reconciled = b.logs.split('\n').filter((l) => l.includes('campaign-claims-reconciled'));
  console.log(`# claims per node: ${perNode.replace(/\n/g, ' ')}; node B after its restart: ${reconciled.join(' ') || 'no claims to reconcile'}; copies delivered again after the kill: ${redelivered}`);
});
