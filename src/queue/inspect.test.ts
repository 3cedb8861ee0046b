import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { countMessages, getMessage, listQueue, readBody, type AttemptRecord } from './inspect.js';
import { makeEnvelope, makeTestStore, type TestStore } from './testkit.js';
import { QueueWriter } from './writer.js';

let store: TestStore;
let ids: string[];

beforeEach(async () => {
  store = makeTestStore();
  const queue = new QueueWriter(store.db, store.dataDir, { memoryBodyLimit: 1024 });
  ids = [];
  for (let i = 0; i < 5; i++) {
    const message = queue.open(makeEnvelope({ receivedAt: 1_700_000_000_000 + i, sender: `s${i}@example.org` }));
    message.write(Buffer.from(`body ${i}`));
    ids.push(await message.commit());
  }
});
afterEach(() => store.cleanup());

test('listQueue shows the newest messages first, up to the limit', () => {
  const listed = listQueue(store.db, { limit: 3 });
  assert.deepEqual(listed.map((m) => m.id), [ids[4], ids[3], ids[2]]);
  assert.deepEqual(listed[0], {
    id: ids[4],
    direction: 'outbound',
    state: 'queued',
    receivedAt: 1_700_000_000_004,
    sender: 's4@example.org',
    size: 6,
    recipients: [
      { address: 'bob@example.net', state: 'queued', attempts: 0, nextAttemptAt: 1_700_000_000_004 },
      { address: 'carol@example.net', state: 'queued', attempts: 0, nextAttemptAt: 1_700_000_000_004 },
    ],
  });
  assert.equal(listQueue(store.db).length, 5);
});

test('unknown ids read as null and the count is exact', () => {
  assert.equal(getMessage(store.db, 'NOSUCHID'), null);
  assert.equal(readBody(store.db, store.dataDir, 'NOSUCHID'), null);
  assert.equal(countMessages(store.db), 5);
});

test('an empty body is stored and read back as empty', async () => {
  const message = new QueueWriter(store.db, store.dataDir).open(makeEnvelope());
  const id = await message.commit();
  assert.deepEqual(readBody(store.db, store.dataDir, id), Buffer.alloc(0));
  assert.equal(getMessage(store.db, id)!.size, 0);
});

function setRecipient(id: string, idx: number, columns: Record<string, unknown>): void {
  const sets = Object.keys(columns).map((column) => `${column} = @${column}`).join(', ');
  store.db.prepare(`UPDATE recipients SET ${sets} WHERE message_id = @id AND idx = @idx`).run({ ...columns, id, idx });
}

test('listQueue filters by recipient state, recipient domain and direction', () => {
  setRecipient(ids[1]!, 1, { state: 'held' });
  setRecipient(ids[3]!, 0, { state: 'deferred', address: 'dave@other.test', domain: 'other.test' });
  const listed = (opts: Parameters<typeof listQueue>[1]) => listQueue(store.db, opts).map((m) => m.id);
  assert.deepEqual(listed({ state: 'held' }), [ids[1]]);
  assert.deepEqual(listed({ domain: 'OTHER.test' }), [ids[3]]);
  assert.deepEqual(listed({ state: 'deferred', domain: 'other.test' }), [ids[3]]);
  assert.deepEqual(listed({ state: 'held', domain: 'other.test' }), [], 'state and domain must fit one recipient');
  assert.deepEqual(listed({ state: 'queued', limit: 2 }), [ids[4], ids[3]]);
  assert.deepEqual(listed({ direction: 'inbound' }), []);
  assert.equal(listed({ direction: 'outbound' }).length, 5);
});

test('list entries show the last reply, and the next attempt only while one is due', () => {
  setRecipient(ids[0]!, 0, { state: 'deferred', next_attempt_at: 1_700_000_900_000, attempts: 2 });
  setRecipient(ids[0]!, 0, { last_code: 451, last_enhanced: '4.7.1', last_text: 'greylisted' });
  setRecipient(ids[0]!, 1, { state: 'held', next_attempt_at: 1_700_000_900_000 });
  const [bob, carol] = listQueue(store.db).find((m) => m.id === ids[0])!.recipients;
  assert.deepEqual(bob, {
    address: 'bob@example.net',
    state: 'deferred',
    attempts: 2,
    nextAttemptAt: 1_700_000_900_000,
    lastReply: { code: 451, enhanced: '4.7.1', text: 'greylisted' },
  });
  assert.deepEqual(carol, { address: 'carol@example.net', state: 'held', attempts: 0 });
});

const ATTEMPT_COLUMNS =
  'message_id, idx, at, duration_ms, outcome, route, mx, ip, port, local_ip, tls, code, enhanced, text, remote, phase, class, reason';

function insertAttempt(id: string, idx: number, a: AttemptRecord): void {
  const placeholders = ATTEMPT_COLUMNS.split(', ').map(() => '?').join(', ');
  const { at, durationMs, outcome, route, mx, ip, port, localIp, tls, code, enhanced, text, remote, phase } = a;
  const classified = [a.class, a.reason];
  store.db
    .prepare(`INSERT INTO attempts (${ATTEMPT_COLUMNS}) VALUES (${placeholders})`)
    .run(id, idx, at, durationMs, outcome, route, mx, ip, port, localIp, tls, code, enhanced, text, remote ? 1 : 0, phase, ...classified);
}

const FIRST: AttemptRecord = {
  at: 1_700_000_100_000,
  durationMs: 830,
  outcome: 'deferred',
  route: 'mx',
  mx: 'mx1.example.net',
  ip: '192.0.2.25',
  port: 25,
  localIp: '198.51.100.7',
  tls: 'TLSv1.3',
  code: 451,
  enhanced: '4.7.1',
  text: 'greylisted',
  remote: true,
  phase: 'rcpt',
  class: 'soft',
  reason: 'onhold',
};
const SECOND: AttemptRecord = {
  ...FIRST,
  at: 1_700_000_700_000,
  outcome: 'delivered',
  ...{ ip: '192.0.2.26', code: 250, enhanced: '2.0.0', text: 'ok', phase: null, class: 'success', reason: 'delivered' },
};
const NO_MX: AttemptRecord = {
  ...FIRST,
  at: 1_700_000_200_000,
  outcome: 'bounced',
  ...{ mx: null, ip: null, port: null, localIp: null, tls: null, phase: null },
  ...{ code: 550, enhanced: '5.1.2', text: 'no such domain', remote: false, class: 'hard', reason: 'hostunknown' },
};

test('getMessage gives each recipient its DSN parameters and its attempts in order', () => {
  const id = ids[2]!;
  insertAttempt(id, 0, SECOND); // inserted out of order: the view sorts by time
  insertAttempt(id, 0, FIRST);
  insertAttempt(id, 1, NO_MX);
  setRecipient(id, 0, { state: 'delivered', attempts: 2, last_attempt_at: SECOND.at, final_at: SECOND.at + 830 });
  setRecipient(id, 0, { last_mta: 'mx1.example.net' });
  setRecipient(id, 1, { state: 'bounced', attempts: 1, final_at: NO_MX.at + 830, dsn_pending: 1 });
  setRecipient(id, 1, { last_code: 550, last_enhanced: '5.1.2', last_text: 'no such domain' });
  const [bob, carol] = getMessage(store.db, id)!.recipients;
  assert.deepEqual(bob, {
    address: 'bob@example.net',
    state: 'delivered',
    attempts: 2,
    notify: ['SUCCESS', 'FAILURE'],
    orcpt: 'rfc822;bob@example.net',
    lastAttemptAt: SECOND.at,
    lastMta: 'mx1.example.net',
    finalAt: SECOND.at + 830,
    dsnPending: false,
    history: [FIRST, SECOND],
  });
  assert.deepEqual(carol, {
    address: 'carol@example.net',
    state: 'bounced',
    attempts: 1,
    lastReply: { code: 550, enhanced: '5.1.2', text: 'no such domain' },
    finalAt: NO_MX.at + 830,
    dsnPending: true,
    history: [NO_MX],
  });
});
