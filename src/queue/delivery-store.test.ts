import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { deleteMessage } from './control.js';
import { getMessage } from './inspect.js';
import { DeliveryStore, type AttemptRow, type RecipientUpdate } from './delivery-store.js';
import { makeEnvelope, makeTestStore, type TestStore } from './testkit.js';
import { QueueWriter } from './writer.js';

const T0 = 1_700_000_000_000;
let store: TestStore;
let queue: QueueWriter;
let delivery: DeliveryStore;

beforeEach(() => {
  store = makeTestStore();
  queue = new QueueWriter(store.db, store.dataDir);
  delivery = new DeliveryStore(store.db, store.dataDir);
});
afterEach(async () => {
  await queue.close();
  store.cleanup();
});

async function enqueue(receivedAt = T0): Promise<string> {
  const m = queue.open(makeEnvelope({ receivedAt }));
  m.write(Buffer.from('Subject: x\r\n\r\nbody\r\n'));
  return m.commit();
}

function delivered(messageId: string, idx: number): { update: RecipientUpdate; attempt: AttemptRow } {
  const update: RecipientUpdate = { messageId, idx, state: 'delivered', nextAttemptAt: null, countsAsAttempt: true, at: T0 + 5, code: 250, enhanced: '2.0.0', text: 'ok', remote: true, mta: 'mx.example.net', dsnPending: false, delayNotified: false, final: true };
  const attempt: AttemptRow = { messageId, idx, at: T0, durationMs: 5, outcome: 'delivered', route: 'mx', mx: 'mx.example.net', ip: '192.0.2.1', port: 25, localIp: null, tls: 'TLSv1.3', code: 250, enhanced: '2.0.0', text: 'ok', remote: true, phase: 'data-end', class: 'success', reason: 'delivered' };
  return { update, attempt };
}

const states = (id: string) => (store.db.prepare('SELECT state FROM recipients WHERE message_id = ? ORDER BY idx').pluck().all(id) as string[]);

test('claimDue takes due recipients oldest first and marks them active; recoverActive puts them back', async () => {
  const early = await enqueue(T0);
  const late = await enqueue(T0 + 10_000);
  const claimed = delivery.claimDue(T0 + 5_000, 10);
  assert.deepEqual(claimed.map((r) => [r.messageId, r.idx]), [[early, 0], [early, 1]]);
  assert.deepEqual(states(early), ['active', 'active']);
  assert.deepEqual(states(late), ['queued', 'queued']);
  assert.equal(delivery.nextDueAt(), T0 + 10_000);
  assert.equal(delivery.recoverActive(T0 + 6_000), 2);
  assert.deepEqual(states(early), ['queued', 'queued']);
});

test('apply writes results and attempts; the message is done when no recipient is pending', async () => {
  const id = await enqueue();
  delivery.claimDue(T0, 10);
  delivery.apply([delivered(id, 0)]);
  assert.equal(getMessage(store.db, id)?.state, 'queued');
  delivery.apply([delivered(id, 1)]);
  assert.deepEqual(states(id), ['delivered', 'delivered']);
  assert.equal(getMessage(store.db, id)?.state, 'done');
  assert.equal(store.db.prepare('SELECT count(*) FROM attempts WHERE message_id = ?').pluck().get(id), 2);
});

test('a message deleted during its delivery does not block the other results of the batch', async () => {
  const gone = await enqueue();
  const kept = await enqueue();
  delivery.claimDue(T0, 10);
  deleteMessage(store.db, store.dataDir, gone);
  delivery.apply([delivered(gone, 0), delivered(kept, 0), delivered(kept, 1)]);
  assert.deepEqual(states(kept), ['delivered', 'delivered']);
  assert.equal(store.db.prepare('SELECT count(*) FROM attempts').pluck().get(), 2);
});
