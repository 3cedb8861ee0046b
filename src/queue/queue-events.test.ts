// Events and suppression as the queue writes them: accepted/suppressed at commit, delivery events and
// hard-bounce suppressions with the scheduler's results, all in the same transactions as the rows.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import type { RecipientResult } from '../delivery/job.js';
import { EventStore } from '../events/store.js';
import { consequences } from './delivery-events.js';
import { DeliveryStore, type RecipientUpdate } from './delivery-store.js';
import { makeEnvelope, makeTestStore, type TestStore } from './testkit.js';
import { QueueWriter } from './writer.js';

let store: TestStore;
let queue: QueueWriter;
let events: EventStore;

beforeEach(() => {
  store = makeTestStore();
  queue = new QueueWriter(store.db, store.dataDir);
  events = new EventStore(store.db);
});
afterEach(async () => {
  await queue.close();
  store.cleanup();
});

async function enqueue(overrides: Parameters<typeof makeEnvelope>[0] = {}, direction?: 'inbound'): Promise<string> {
  const m = queue.open(makeEnvelope(overrides), direction ? { direction } : {});
  m.write(Buffer.from('Subject: x\r\n\r\nbody\r\n'));
  return m.commit();
}

const suppress = (address: string, scope = '', expiresAt: number | null = null) =>
  store.db
    .prepare(`INSERT INTO suppressions (address, scope, reason, created_at, expires_at) VALUES (?, ?, 'manual', 0, ?)`)
    .run(address, scope, expiresAt);
const states = (id: string) => store.db.prepare('SELECT state FROM recipients WHERE message_id = ? ORDER BY idx').pluck().all(id);

test('each outbound recipient gets an accepted event in the commit that stored it', async () => {
  const id = await enqueue();
  const list = events.list();
  assert.deepEqual(list.map((e) => [e.type, e.messageId, e.recipient, e.sendingDomain]), [
    ['accepted', id, 'bob@example.net', 'example.org'],
    ['accepted', id, 'carol@example.net', 'example.org'],
  ]);
});

test('a suppressed recipient is left out with a suppressed event; the others are queued', async () => {
  suppress('carol@example.net');
  const id = await enqueue();
  assert.deepEqual(states(id), ['queued', 'suppressed']);
  assert.deepEqual(events.list().map((e) => [e.type, e.recipient, e.reason]), [
    ['accepted', 'bob@example.net', null],
    ['suppressed', 'carol@example.net', 'manual'],
  ]);
});

test('suppression scopes: global, the sender\'s domain only, expiry, case, and never for DSNs', async () => {
  suppress('bob@example.net', 'other.org');
  suppress('carol@example.net', 'example.org');
  assert.deepEqual(states(await enqueue()), ['queued', 'suppressed'], 'scoped to example.org only');
  store.db.prepare('DELETE FROM suppressions').run();
  suppress('bob@example.net', '', Date.now() - 1);
  suppress('carol@example.net');
  assert.deepEqual(states(await enqueue({ recipients: [{ address: 'bob@example.net' }, { address: 'Carol@Example.NET' }] })), ['queued', 'suppressed']);
  assert.deepEqual(states(await enqueue({ sender: '', recipients: [{ address: 'carol@example.net' }] })), ['queued']);
});

test('inbound mail has no events; reports to tagged return paths and null-sender mail wait for the report service', async () => {
  const tagged = 'b+01m8j48zvtxjd3t48e51p9vyb1-abcdefghjk@example.org';
  const id = await enqueue({ role: 'mx', recipients: [{ address: 'bob@example.org' }, { address: tagged }] });
  assert.deepEqual(states(id), ['stored', 'report']);
  assert.deepEqual(states(await enqueue({ role: 'mx', sender: '', recipients: [{ address: 'bob@example.org' }] })), ['report']);
  const ownDsn = { role: 'local' as const, listener: 'dsn', sender: '', recipients: [{ address: 'bob@example.org' }] };
  assert.deepEqual(states(await enqueue(ownDsn, 'inbound')), ['stored'], 'our own DSN, stored locally, is no report');
  assert.equal(events.list().length, 0);
});

function result(code: number, enhanced: string, text: string, remote = true): RecipientResult {
  return { idx: 0, outcome: { code, enhanced, text, remote, phase: 'rcpt' }, attempt: { startedAt: 1000, durationMs: 5, route: 'mx', mx: 'mx.example.net', localIp: '127.0.0.9' } };
}
function update(messageId: string, state: RecipientUpdate['state'], r: RecipientResult): RecipientUpdate {
  const o = r.outcome;
  return { messageId, idx: 0, state, nextAttemptAt: null, countsAsAttempt: true, at: 2000, code: o.code, enhanced: o.enhanced, text: o.text, remote: o.remote, mta: 'mx.example.net', dsnPending: false, delayNotified: false, final: state !== 'deferred' };
}

test('delivery results write their event, the attempt\'s class and a hard bounce\'s suppression together', async () => {
  const id = await enqueue({ recipients: [{ address: 'bob@example.net' }] });
  const delivery = new DeliveryStore(store.db, store.dataDir);
  delivery.claimDue(Date.now() + 1000, 10);
  const r = result(550, '5.1.1', 'user unknown');
  const u = update(id, 'bounced', r);
  const c = consequences(r, u, { address: 'bob@example.net', sender: 'alice@example.org' });
  delivery.apply([{ update: u, attempt: null, event: c.event, suppress: c.suppress }]);
  const [accepted, bounced] = events.list();
  assert.equal(accepted!.type, 'accepted');
  assert.equal(bounced!.type, 'bounced');
  assert.equal(bounced!.sourceIp, '127.0.0.9');
  assert.equal(bounced!.code, 550);
  const entry = store.db.prepare('SELECT reason, scope, source_message FROM suppressions WHERE address = ?').get('bob@example.net');
  assert.deepEqual({ ...(entry as object) }, { reason: 'hard-bounce', scope: '', source_message: id });
});

test('a reputation block or a deferral never suppresses; a skipped attempt has no event; delivered has no class', () => {
  const block = result(554, '5.7.1', 'Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org');
  assert.equal(consequences(block, update('M', 'bounced', block), { address: 'a@b.c', sender: 's@d.e' }).suppress, null);
  const soft = result(450, '4.2.2', 'mailbox full');
  assert.equal(consequences(soft, update('M', 'deferred', soft), { address: 'a@b.c', sender: 's@d.e' }).event?.type, 'deferred');
  const skipped = { ...soft, attempt: { ...soft.attempt, skipped: true } };
  assert.equal(consequences(skipped, update('M', 'deferred', skipped), { address: 'a@b.c', sender: 's@d.e' }).event, null);
  const ok = result(250, '2.0.0', 'ok');
  const delivered = consequences(ok, update('M', 'delivered', ok), { address: 'a@b.c', sender: '' }).event!;
  assert.equal(delivered.type, 'delivered');
  assert.equal(delivered.class, undefined);
  assert.equal(delivered.sendingDomain, '');
  const ours = result(550, '5.1.1', 'user unknown', false);
  assert.equal(consequences(ours, update('M', 'bounced', ours), { address: 'a@b.c', sender: 's@d.e' }).suppress, null, 'only a remote server\'s word suppresses');
});

test('an operator bounce writes a bounced event per pending recipient', async () => {
  const { bounceNow } = await import('./control.js');
  const id = await enqueue();
  assert.equal(bounceNow(store.db, id), 2);
  const bounced = events.list({ types: ['bounced'] });
  assert.deepEqual(bounced.map((e) => [e.recipient, e.code, e.enhanced, e.data.source]), [
    ['bob@example.net', 554, '5.3.0', 'operator'],
    ['carol@example.net', 554, '5.3.0', 'operator'],
  ]);
});

test('an expired recipient gets an expired event of class expired, and no suppression', () => {
  const late = result(451, '4.4.1', 'connection timed out', false);
  const c = consequences(late, update('M', 'expired', late), { address: 'a@b.c', sender: 's@d.e' });
  assert.equal(c.event?.type, 'expired');
  assert.deepEqual([c.event?.class, c.event?.reason], ['expired', 'expired']);
  assert.equal(c.suppress, null);
});

test('tags and metadata of an API send ride along in its events', async () => {
  await enqueue({ recipients: [{ address: 'bob@example.net' }], tags: ['welcome'], metadata: { user: '7' } });
  assert.deepEqual(events.list()[0]!.data, { tags: ['welcome'], metadata: { user: '7' } });
  const r = result(250, '2.0.0', 'ok');
  const c = consequences(r, update('M', 'delivered', r), { address: 'bob@example.net', sender: 'a@example.org', labels: { tags: ['welcome'] } });
  assert.deepEqual(c.event?.data?.tags, ['welcome']);
});
