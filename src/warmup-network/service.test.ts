// The sender on a clock the test moves, over a real database and queue writer: three identities of
// the network send their day's warm-up volume (a share of the ramp) spread over partners, the next
// day's follows the ramp; a low inbox rate of an identity's warm-up mail holds its ramp for the day.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import pino from 'pino';
import { configSchema } from '../config/schema.js';
import { buildIdentity } from '../identities/create.js';
import { IdentityStore } from '../identities/store.js';
import type { MailDeps } from '../mailboxes/deps.js';
import { QueueWriter } from '../queue/writer.js';
import { makeTempStore, type TempStore } from '../store/testkit.js';
import { startWarmupNetwork, type RunningWarmupNetwork } from './service.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 4, 1, 0, 1);
const NAMES = ['anna', 'bob', 'cleo'];
let store: TempStore;
let queue: QueueWriter;
let now = T0;
let deps: MailDeps;
let running: RunningWarmupNetwork | null = null;

beforeEach(() => {
  now = T0;
  store = makeTempStore();
  queue = new QueueWriter(store.db, store.dataDir);
  const config = configSchema.parse({ hostname: 'petrel.test', dataDir: store.dataDir, warmupNetwork: { tickSeconds: 0.1, rampShare: 0.5, minPlacements: 4, minInboxRate: 0.8 } });
  deps = { db: store.db, config, log: pino({ level: 'silent' }), clock: () => now, secretKey: Buffer.alloc(32), queue, wakeDelivery: () => undefined, wakeCampaigns: () => undefined };
  const identities = new IdentityStore(store.db, deps.secretKey);
  for (const name of NAMES) {
    identities.add(buildIdentity({ name, from: `${name}@${name}.test`, via: 'relay', relayHost: '127.0.0.1', relayPassword: 'pw', imapHost: '127.0.0.1', imapPort: 143, imapTls: 'none', warmupNetwork: true, warmup: '4,2,20' }), T0);
  }
  // Not in the network: no flag.
  identities.add(buildIdentity({ name: 'other', from: 'other@o.test', via: 'relay', relayHost: '127.0.0.1', relayPassword: 'pw', imapHost: '127.0.0.1', imapPort: 143, imapTls: 'none' }), T0);
});
afterEach(async () => {
  await running?.stop();
  running = null;
  await queue.close();
  store.cleanup();
});

const sentBy = (since: number) => Object.fromEntries(NAMES.map((n) => [n, store.db.prepare('SELECT count(*) FROM warmup_mail WHERE sender = ? AND sent_at >= ?').pluck().get(n, since) as number]));

async function until(check: () => boolean, what: () => string): Promise<void> {
  for (let i = 0; i < 1000 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(check(), what());
}

test('each day follows the ramp share, spread over partners, never to itself or outside the network', async () => {
  running = startWarmupNetwork(deps);
  // Day 1 (ramp 4, share 0.5): 2 each, once the day's slots have passed.
  now = T0 + DAY - 120_000;
  await until(() => Object.values(sentBy(T0)).every((n) => n === 2), () => JSON.stringify(sentBy(T0)));
  await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(sentBy(T0), { anna: 2, bob: 2, cleo: 2 }, 'no more than the day\'s volume');
  const pairs = store.db.prepare('SELECT sender, recipient FROM warmup_mail').all() as Array<{ sender: string; recipient: string }>;
  for (const p of pairs) assert.ok(p.sender !== p.recipient && NAMES.includes(p.recipient), JSON.stringify(p));
  for (const n of NAMES) assert.equal(new Set(pairs.filter((p) => p.sender === n).map((p) => p.recipient)).size, 2, `${n} wrote to both partners`);
  assert.equal(store.db.prepare("SELECT count(*) FROM messages WHERE identity IS NOT NULL").pluck().get(), 6, 'queued through the identities');
  // Day 2 (ramp 6): 3 each.
  now = T0 + 2 * DAY - 120_000;
  const day2 = T0 + DAY - 60_000;
  await until(() => Object.values(sentBy(day2)).every((n) => n === 3), () => JSON.stringify(sentBy(day2)));
});

test('a low inbox rate of its warm-up mail holds the ramp for the day', async () => {
  const insert = store.db.prepare("INSERT INTO warmup_mail (tag, sender, recipient, header_id, sent_at, received_at, folder, placement) VALUES (?, 'anna', 'bob', ?, ?, ?, ?, ?)");
  for (let k = 0; k < 4; k++) insert.run(`t${k}`, `h${k}@x`, T0 - 1000, T0 - 500, k === 0 ? 'INBOX' : 'Junk', k === 0 ? 'inbox' : 'spam');
  running = startWarmupNetwork(deps);
  const holds = () => store.db.prepare('SELECT identity, day, reason FROM warmup_holds').all() as Array<{ identity: string; day: string; reason: string }>;
  await until(() => holds().length === 1, () => JSON.stringify(holds()));
  assert.equal(holds()[0]!.identity, 'anna');
  assert.equal(holds()[0]!.day, '2026-05-01');
  assert.match(holds()[0]!.reason, /warm-up inbox rate 25% over 4 placements/);
});
