import assert from 'node:assert/strict';
import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { getMessage, readBody } from './inspect.js';
import { makeEnvelope, makeTestStore, patternedBody, type TestStore } from './testkit.js';
import { QueueWriter } from './writer.js';

const LIMIT = 256 * 1024;
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

function chunkAt(file: string, index: number, size: number): Buffer {
  const fd = openSync(file, 'r');
  const chunk = Buffer.alloc(size);
  readSync(fd, chunk, 0, size, index * size);
  closeSync(fd);
  return chunk;
}

const spoolFiles = () => readdirSync(join(store.dataDir, 'spool'));

function writeInChunks(message: { write(chunk: Buffer): void }, body: Buffer, chunkSize = 64 * 1024): void {
  for (let offset = 0; offset < body.length; offset += chunkSize) {
    message.write(body.subarray(offset, offset + chunkSize));
  }
}

test('a small body is stored in the messages row with its envelope and recipients', async () => {
  const envelope = makeEnvelope();
  const message = queue.open(envelope);
  const body = Buffer.from('Subject: hi\r\n\r\nhello\r\n');
  message.write(body);
  const id = await message.commit();

  assert.equal(id, message.id);
  assert.deepEqual(readBody(store.db, store.dataDir, id), body);
  const detail = getMessage(store.db, id)!;
  assert.equal(detail.bodyStorage, 'database');
  assert.equal(detail.direction, 'outbound');
  assert.equal(detail.size, body.length);
  assert.deepEqual(detail.envelope, envelope);
  assert.deepEqual(detail.recipients.map(({ address, state }) => ({ address, state })), [
    { address: 'bob@example.net', state: 'queued' },
    { address: 'carol@example.net', state: 'queued' },
  ]);
  const rcpt = store.db.prepare('SELECT notify, orcpt FROM recipients WHERE message_id = ? AND idx = 0').get(id);
  assert.deepEqual({ ...(rcpt as object) }, { notify: 'SUCCESS,FAILURE', orcpt: 'rfc822;bob@example.net' });
  assert.deepEqual(spoolFiles(), []);
});

test('mail received on the MX role is inbound', async () => {
  const message = queue.open(makeEnvelope({ role: 'mx', authUser: null }));
  message.write(Buffer.from('x'));
  assert.equal(getMessage(store.db, await message.commit())!.direction, 'inbound');
});

test('a body of exactly the limit stays in memory; one byte more spills', async () => {
  const atLimit = queue.open(makeEnvelope());
  writeInChunks(atLimit, patternedBody(LIMIT, 1));
  const over = queue.open(makeEnvelope());
  writeInChunks(over, patternedBody(LIMIT + 1, 2));
  assert.equal(getMessage(store.db, await atLimit.commit())!.bodyStorage, 'database');
  assert.equal(getMessage(store.db, await over.commit())!.bodyStorage, 'spool');
});

test('a multi-MiB body spills to spool/<id> and reads back intact', async () => {
  const body = patternedBody(5 * 1024 * 1024 + 17, 3);
  const message = queue.open(makeEnvelope());
  writeInChunks(message, body);
  assert.equal(message.bufferedBytes, 0);
  const id = await message.commit();

  assert.deepEqual(spoolFiles(), [id]);
  assert.ok(readFileSync(join(store.dataDir, 'spool', id)).equals(body));
  assert.ok(readBody(store.db, store.dataDir, id)!.equals(body));
  const row = store.db.prepare('SELECT body, body_path, size FROM messages WHERE id = ?').get(id);
  assert.deepEqual({ ...(row as object) }, { body: null, body_path: `spool/${id}`, size: body.length });
});

test('writing 50 MiB never buffers more than the memory limit', async (t) => {
  const before = process.memoryUsage();
  const message = queue.open(makeEnvelope());
  const chunk = Buffer.alloc(64 * 1024); // reused and refilled: the writer must not keep references
  const chunks = (50 * 1024 * 1024) / chunk.length;
  let maxBuffered = 0;
  for (let i = 0; i < chunks; i++) {
    message.write(chunk.fill(i % 251));
    maxBuffered = Math.max(maxBuffered, message.bufferedBytes);
  }
  const after = process.memoryUsage();
  const id = await message.commit();
  assert.ok(maxBuffered <= LIMIT, `buffered ${maxBuffered}`);
  const file = join(store.dataDir, 'spool', id);
  assert.equal(statSync(file).size, 50 * 1024 * 1024);
  for (const i of [0, 3, chunks - 1]) assert.ok(chunkAt(file, i, chunk.length).every((byte) => byte === i % 251));
  const mib = (key: 'rss' | 'heapUsed' | 'arrayBuffers') => ((after[key] - before[key]) / 1048576).toFixed(1);
  t.diagnostic(`max buffered ${maxBuffered} B; growth in MiB: rss ${mib('rss')}, heap ${mib('heapUsed')}, ` +
    `arrayBuffers ${mib('arrayBuffers')}`);
});

test('abort leaves nothing behind, in memory or in the spool', async () => {
  const small = queue.open(makeEnvelope());
  small.write(Buffer.from('short'));
  small.abort();
  const large = queue.open(makeEnvelope());
  writeInChunks(large, patternedBody(LIMIT * 3, 4));
  assert.deepEqual(spoolFiles(), [large.id]);
  large.abort();
  large.abort(); // twice is harmless

  assert.deepEqual(spoolFiles(), []);
  assert.equal(store.db.prepare('SELECT count(*) FROM messages').pluck().get(), 0);
  assert.throws(() => large.write(Buffer.from('more')), /aborted/);
  await assert.rejects(large.commit(), /aborted/);
});

test('write after commit throws, and abort after commit does not undo it', async () => {
  const message = queue.open(makeEnvelope());
  message.write(Buffer.from('body'));
  const committing = message.commit();
  assert.throws(() => message.write(Buffer.from('late')), /committed/);
  message.abort();
  const id = await committing;
  assert.deepEqual(readBody(store.db, store.dataDir, id), Buffer.from('body'));
  await assert.rejects(message.commit(), /committed/);
});

test('many concurrent commits share a few transactions', async () => {
  const messages = Array.from({ length: 200 }, (_, i) => {
    const message = queue.open(makeEnvelope());
    message.write(patternedBody(1024, i));
    return message;
  });
  const ids = await Promise.all(messages.map((m) => m.commit()));
  assert.equal(new Set(ids).size, 200);
  assert.equal(queue.flushCount, 1);
  assert.equal(store.db.prepare('SELECT count(*) FROM recipients').pluck().get(), 400);
});

test('commits that arrive during a flush are batched into the next one', async () => {
  const first = queue.open(makeEnvelope());
  writeInChunks(first, patternedBody(LIMIT * 2, 5)); // spooled: its flush awaits the directory fsync
  const firstCommit = first.commit();
  await new Promise((resolve) => setImmediate(resolve)); // the first flush is now running
  const later = Array.from({ length: 10 }, () => queue.open(makeEnvelope()));
  const laterCommits = later.map((m) => (m.write(Buffer.from('x')), m.commit()));
  await Promise.all([firstCommit, ...laterCommits]);
  assert.ok(queue.flushCount <= 3, `flushes: ${queue.flushCount}`);
});

test('close() waits for commits in progress; commits after it reject and leave no spool file', async () => {
  const message = queue.open(makeEnvelope());
  message.write(Buffer.from('body'));
  const committing = message.commit();
  await queue.close();
  assert.deepEqual(readBody(store.db, store.dataDir, await committing), Buffer.from('body'));
  const late = queue.open(makeEnvelope());
  writeInChunks(late, patternedBody(LIMIT * 2, 7));
  await assert.rejects(late.commit(), /closed/);
  assert.deepEqual(spoolFiles(), []);
  await queue.close(); // twice is harmless
});

test('flushed() waits for commits in progress', async () => {
  const message = queue.open(makeEnvelope());
  writeInChunks(message, patternedBody(LIMIT * 2, 6));
  let committed = false;
  void message.commit().then(() => (committed = true));
  await queue.flushed();
  assert.equal(committed, true);
  await queue.flushed(); // idle: resolves at once
});
