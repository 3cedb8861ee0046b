import assert from 'node:assert/strict';
import { mkdirSync, renameSync, readdirSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { countMessages } from './inspect.js';
import { QueueStorageError } from './storage-error.js';
import { makeEnvelope, makeTestStore, patternedBody, type TestStore } from './testkit.js';
import { QueueWriter } from './writer.js';

const LIMIT = 64 * 1024;
let store: TestStore;
let queue: QueueWriter;

beforeEach(() => {
  store = makeTestStore();
  queue = new QueueWriter(store.db, store.dataDir, { memoryBodyLimit: LIMIT });
});
afterEach(async () => {
  await queue.close();
  store.cleanup();
});

const spoolFiles = () => readdirSync(join(store.dataDir, 'spool'));

function openWithBody(size: number, sender = 'alice@example.org') {
  const message = queue.open(makeEnvelope({ sender }));
  message.write(patternedBody(size, size));
  return message;
}

test('a commit thread that cannot open the database rejects commits; a later commit starts a new one', async () => {
  const dbFile = join(store.dataDir, 'petrel.db');
  renameSync(dbFile, `${dbFile}.away`);
  mkdirSync(dbFile); // the thread's own connection now fails to open (this one stays open)
  const small = openWithBody(100);
  const large = openWithBody(LIMIT * 4);
  let pending: Promise<string>[] = [];
  assert.doesNotThrow(() => (pending = [small.commit(), large.commit()]));
  for (const commit of pending) await assert.rejects(commit, QueueStorageError);
  assert.deepEqual(spoolFiles(), []);

  rmdirSync(dbFile);
  renameSync(`${dbFile}.away`, dbFile);
  const retried = openWithBody(LIMIT * 4);
  assert.equal(countMessages(store.db), 0);
  await retried.commit();
  assert.equal(countMessages(store.db), 1);
  assert.deepEqual(spoolFiles(), [retried.id]);
});

test('a message SQLite refuses fails alone; its batch neighbours are stored', async () => {
  store.db.exec(`CREATE TRIGGER refuse BEFORE INSERT ON messages WHEN NEW.sender = 'bad@example.org'
                 BEGIN SELECT RAISE(ABORT, 'simulated storage failure'); END`);
  const good = Array.from({ length: 5 }, (_, i) => openWithBody(i % 2 ? LIMIT * 2 : 500));
  const bad = openWithBody(LIMIT * 2, 'bad@example.org');
  const results = await Promise.allSettled([...good, bad].map((m) => m.commit()));

  assert.deepEqual(results.map((r) => r.status), [...Array(5).fill('fulfilled'), 'rejected']);
  assert.match(String((results[5] as PromiseRejectedResult).reason), /simulated storage failure/);
  assert.equal(countMessages(store.db), 5);
  assert.equal(store.db.prepare('SELECT count(*) FROM recipients').pluck().get(), 10);
  assert.equal(spoolFiles().length, 2); // the two good spilled bodies, not the refused one
});

test('a spool that cannot be written makes commit reject, never write() throw', async () => {
  const spool = join(store.dataDir, 'spool');
  rmSync(spool, { recursive: true });
  writeFileSync(spool, 'not a directory'); // every open() under it now fails with ENOTDIR
  const message = queue.open(makeEnvelope());
  assert.doesNotThrow(() => {
    for (let i = 0; i < 8; i++) message.write(patternedBody(LIMIT / 2, i));
  });
  assert.equal(message.bufferedBytes, 0);
  await assert.rejects(message.commit(), (error: Error) => error instanceof QueueStorageError && /ENOTDIR/.test(error.message));
  assert.equal(countMessages(store.db), 0);
});

test('a spool directory that vanished before commit fails the commit cleanly', async () => {
  const message = openWithBody(LIMIT * 2);
  const spool = join(store.dataDir, 'spool');
  renameSync(spool, join(store.dataDir, 'elsewhere')); // the directory fsync at flush now fails
  await assert.rejects(message.commit(), QueueStorageError);
  assert.equal(countMessages(store.db), 0);
});
