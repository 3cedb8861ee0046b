import assert from 'node:assert/strict';
import { existsSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { getMessage } from './inspect.js';
import { bounceNow, deleteMessage, flush, hold, OPERATOR_BOUNCE, release, retryNow } from './control.js';
import { makeEnvelope, makeTestStore, type TestStore } from './testkit.js';
import { QueueWriter } from './writer.js';

const T0 = 1_700_000_000_000;
const NOW = T0 + 60_000;
const LATER = T0 + 3_600_000;

let store: TestStore;
let queue: QueueWriter;

beforeEach(() => {
  store = makeTestStore();
  queue = new QueueWriter(store.db, store.dataDir, { memoryBodyLimit: 16 });
});
afterEach(async () => {
  await queue.close();
  store.cleanup();
});

/** An outbound message with recipients bob (idx 0) and carol (idx 1), both queued at T0. */
async function enqueue(body = 'small', overrides = {}): Promise<string> {
  const message = queue.open(makeEnvelope({ receivedAt: T0, ...overrides }));
  message.write(Buffer.from(body));
  return message.commit();
}

function setRecipient(id: string, idx: number, state: string, nextAttemptAt: number | null = LATER): void {
  store.db
    .prepare('UPDATE recipients SET state = ?, next_attempt_at = ? WHERE message_id = ? AND idx = ?')
    .run(state, nextAttemptAt, id, idx);
}

type Row = { state: string; next_attempt_at: number | null };
function recipients(id: string): Row[] {
  return store.db
    .prepare('SELECT state, next_attempt_at FROM recipients WHERE message_id = ? ORDER BY idx')
    .all(id) as Row[];
}
const states = (id: string) => recipients(id).map((r) => r.state);
const messageState = (id: string) => getMessage(store.db, id)?.state;

test('retryNow makes queued and deferred recipients due now and leaves active ones alone', async () => {
  const a = await enqueue();
  const b = await enqueue();
  setRecipient(a, 0, 'deferred');
  setRecipient(a, 1, 'active');
  assert.equal(retryNow(store.db, a, NOW), 1);
  assert.deepEqual(recipients(a), [
    { state: 'queued', next_attempt_at: NOW },
    { state: 'active', next_attempt_at: LATER },
  ]);
  assert.deepEqual(recipients(b).map((r) => r.next_attempt_at), [T0, T0], 'the other message is untouched');
  assert.equal(retryNow(store.db, null, NOW + 1), 3);
  assert.deepEqual(recipients(b).map((r) => r.next_attempt_at), [NOW + 1, NOW + 1]);
  assert.equal(retryNow(store.db, 'NOSUCHID'), null);
});

test('hold takes queued and deferred recipients out; release puts them back, due now', async () => {
  const id = await enqueue();
  setRecipient(id, 1, 'deferred');
  assert.equal(hold(store.db, id), 2);
  assert.deepEqual(states(id), ['held', 'held']);
  assert.equal(retryNow(store.db, id), 0, 'held recipients are not retried');
  assert.equal(flush(store.db), 0, 'nor flushed');
  assert.equal(release(store.db, id, NOW), 2);
  assert.deepEqual(recipients(id), [
    { state: 'queued', next_attempt_at: NOW },
    { state: 'queued', next_attempt_at: NOW },
  ]);
  assert.equal(release(store.db, id), 0, 'nothing held any more');
  assert.equal(messageState(id), 'queued');
});

const requests = (id: string) => store.db.prepare('SELECT operator_request FROM recipients WHERE message_id = ? ORDER BY idx').pluck().all(id);

test('hold leaves final recipients alone and records a hold for an active one; release cancels it; unknown ids are null', async () => {
  const id = await enqueue();
  setRecipient(id, 0, 'active');
  setRecipient(id, 1, 'delivered', null);
  assert.equal(hold(store.db, id), 1);
  assert.deepEqual(states(id), ['active', 'delivered']);
  assert.deepEqual(requests(id), ['hold', null]);
  assert.equal(release(store.db, id, NOW), 1);
  assert.deepEqual(requests(id), [null, null]);
  assert.equal(hold(store.db, 'NOSUCHID'), null);
  assert.equal(release(store.db, 'NOSUCHID'), null);
});

test('flush makes every deferred recipient due now, and only those', async () => {
  const a = await enqueue();
  const b = await enqueue();
  setRecipient(a, 0, 'deferred');
  setRecipient(b, 1, 'deferred');
  setRecipient(b, 0, 'queued', LATER);
  assert.equal(flush(store.db, NOW), 2);
  assert.deepEqual(recipients(a), [
    { state: 'queued', next_attempt_at: NOW },
    { state: 'queued', next_attempt_at: T0 },
  ]);
  assert.deepEqual(recipients(b), [
    { state: 'queued', next_attempt_at: LATER },
    { state: 'queued', next_attempt_at: NOW },
  ]);
});

test('bounceNow bounces every pending recipient with a DSN pending and finishes the message', async () => {
  const id = await enqueue();
  setRecipient(id, 1, 'held');
  assert.equal(bounceNow(store.db, id, NOW), 2);
  const rows = store.db
    .prepare(
      `SELECT state, final_at, next_attempt_at, dsn_pending, last_code, last_enhanced, last_text, last_remote
       FROM recipients WHERE message_id = ? ORDER BY idx`,
    )
    .all(id);
  const bounced = {
    state: 'bounced',
    final_at: NOW,
    next_attempt_at: null,
    dsn_pending: 1,
    last_code: OPERATOR_BOUNCE.code,
    last_enhanced: '5.3.0',
    last_text: 'bounced by the operator',
    last_remote: 0,
  };
  assert.deepEqual(rows.map((r) => ({ ...(r as object) })), [bounced, bounced]);
  assert.equal(messageState(id), 'done');
  assert.equal(bounceNow(store.db, id, NOW), 0, 'final recipients stay as they are');
});

test('bounceNow leaves an active recipient to its attempt (a bounce request), so the message stays queued', async () => {
  const id = await enqueue();
  setRecipient(id, 0, 'active');
  assert.equal(bounceNow(store.db, id, NOW), 2);
  assert.deepEqual(states(id), ['active', 'bounced']);
  assert.deepEqual(requests(id), ['bounce', null]);
  assert.equal(messageState(id), 'queued');
  assert.equal(bounceNow(store.db, 'NOSUCHID'), null);
});

test('bounceNow does not touch inbound mail stored for local mailboxes', async () => {
  const id = await enqueue('x', { role: 'mx', authUser: null });
  assert.equal(bounceNow(store.db, id, NOW), 0);
  assert.deepEqual(states(id), ['stored', 'stored']);
  assert.equal(messageState(id), 'stored');
});

test('deleteMessage removes the rows, the attempts and the spool file', async () => {
  const id = await enqueue('a body longer than sixteen bytes goes to the spool');
  const keep = await enqueue();
  store.db
    .prepare(`INSERT INTO attempts (message_id, idx, at, duration_ms, outcome, route, remote)
              VALUES (?, 0, ?, 5, 'deferred', 'mx', 1)`)
    .run(id, NOW);
  const spoolFile = join(store.dataDir, 'spool', id);
  assert.ok(existsSync(spoolFile));
  assert.equal(deleteMessage(store.db, store.dataDir, id), 2);
  assert.equal(existsSync(spoolFile), false);
  const count = (table: string, column: string) =>
    store.db.prepare(`SELECT count(*) FROM ${table} WHERE ${column} = ?`).pluck().get(id);
  const left = [count('messages', 'id'), count('recipients', 'message_id'), count('attempts', 'message_id')];
  assert.deepEqual(left, [0, 0, 0]);
  assert.deepEqual(states(keep), ['queued', 'queued']);
  assert.equal(deleteMessage(store.db, store.dataDir, id), null, 'a second delete finds nothing');
});

test('deleteMessage of a message whose spool file is already gone still deletes the rows', async () => {
  const id = await enqueue('another body longer than sixteen bytes');
  unlinkSync(join(store.dataDir, 'spool', id));
  assert.equal(deleteMessage(store.db, store.dataDir, id), 2);
  assert.equal(deleteMessage(store.db, store.dataDir, 'NOSUCHID'), null);
});
