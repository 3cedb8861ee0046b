import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { countMessages, getMessage, listQueue, readBody } from './inspect.js';
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
      { address: 'bob@example.net', state: 'queued' },
      { address: 'carol@example.net', state: 'queued' },
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
