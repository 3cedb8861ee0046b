import assert from 'node:assert/strict';
import { existsSync, readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { readBody } from './inspect.js';
import { QueueIdGenerator } from './queue-id.js';
import { recoverSpool } from './recovery.js';
import { makeEnvelope, makeTestStore, patternedBody, type TestStore } from './testkit.js';
import { QueueWriter } from './writer.js';

const LIMIT = 1024;
let store: TestStore;

beforeEach(() => (store = makeTestStore()));
afterEach(() => store.cleanup());

async function commitBody(body: Buffer): Promise<string> {
  const message = new QueueWriter(store.db, store.dataDir, { memoryBodyLimit: LIMIT }).open(makeEnvelope());
  message.write(body);
  return message.commit();
}

test('recovery removes orphan and temp files but keeps committed bodies', async () => {
  const body = patternedBody(LIMIT * 10, 9);
  const kept = await commitBody(body);
  await commitBody(Buffer.from('small'));
  const spool = join(store.dataDir, 'spool');
  const orphan = new QueueIdGenerator().next();
  writeFileSync(join(spool, orphan), 'half a message from before the crash');
  writeFileSync(join(spool, `${orphan}.tmp`), 'temp');

  assert.deepEqual(recoverSpool(store.db, store.dataDir), { removedFiles: 2, keptMessages: 2, missingBodies: 0 });
  assert.deepEqual(readdirSync(spool), [kept]);
  assert.ok(readBody(store.db, store.dataDir, kept)!.equals(body));
});

test('recovery reports a committed body whose file is gone, and keeps its row', async () => {
  const id = await commitBody(patternedBody(LIMIT * 2, 1));
  unlinkSync(join(store.dataDir, 'spool', id));
  assert.deepEqual(recoverSpool(store.db, store.dataDir), { removedFiles: 0, keptMessages: 1, missingBodies: 1 });
  assert.equal(readBody(store.db, store.dataDir, id), null);
});

test('recovery creates a missing spool directory', () => {
  const result = recoverSpool(store.db, store.dataDir);
  assert.deepEqual(result, { removedFiles: 0, keptMessages: 0, missingBodies: 0 });
  assert.ok(existsSync(join(store.dataDir, 'spool')));
});
