import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { bounceNow, deleteMessage, hold } from './control.js';
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

function deferred(messageId: string, idx: number): { update: RecipientUpdate; attempt: AttemptRow } {
  const { update, attempt } = delivered(messageId, idx);
  return {
    update: { ...update, state: 'deferred', nextAttemptAt: T0 + 60_000, code: 451, enhanced: '4.4.1', text: 'refused', final: false },
    attempt: { ...attempt, outcome: 'deferred', code: 451, enhanced: '4.4.1', text: 'refused' },
  };
}
const rowsOf = (id: string) => store.db.prepare(
  'SELECT state, last_enhanced AS enhanced, dsn_pending AS dsn, operator_request AS request FROM recipients WHERE message_id = ? ORDER BY idx',
).all(id).map((r) => ({ ...(r as object) }));
const operatorBounces = () => store.db.prepare(`SELECT count(*) FROM events WHERE type = 'bounced' AND json_extract(data, '$.source') = 'operator'`).pluck().get();

test('an operator bounce during an attempt: applied when the attempt defers, dropped when it delivers', async () => {
  const id = await enqueue();
  delivery.claimDue(T0, 10);
  assert.equal(bounceNow(store.db, id, T0 + 1), 2);
  delivery.apply([deferred(id, 0), delivered(id, 1)]);
  assert.deepEqual(rowsOf(id), [
    { state: 'bounced', enhanced: '5.3.0', dsn: 1, request: null },
    { state: 'delivered', enhanced: '2.0.0', dsn: 0, request: null },
  ]);
  assert.equal(operatorBounces(), 1, 'one bounced event, for the recipient it bounced');
  assert.equal(getMessage(store.db, id)?.state, 'done');
});

test('an operator hold during an attempt holds a deferred recipient; requests survive a crash', async () => {
  const id = await enqueue();
  delivery.claimDue(T0, 10);
  hold(store.db, id);
  delivery.apply([deferred(id, 0)]);
  assert.deepEqual(rowsOf(id).map((r: any) => [r.state, r.request]), [['held', null], ['active', 'hold']]);
  bounceNow(store.db, id, T0 + 2);
  assert.equal(delivery.recoverActive(T0 + 3), 1, 'the crash put the attempt back');
  assert.deepEqual(rowsOf(id).map((r: any) => [r.state, r.request]), [['bounced', null], ['bounced', null]]);
});
