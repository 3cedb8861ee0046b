import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { CommitThreadLostError } from './commit-thread.js';
import { GroupCommit, type BatchStore } from './group-commit.js';
import type { PendingMessage } from './message-rows.js';
import { makeEnvelope } from './testkit.js';

let spoolDir: string;
beforeEach(() => (spoolDir = mkdtempSync(join(tmpdir(), 'petrel-group-'))));
afterEach(() => rmSync(spoolDir, { recursive: true, force: true }));

function message(id: string): PendingMessage {
  return { id, envelope: makeEnvelope(), body: { kind: 'memory', data: Buffer.from(id), size: id.length } };
}

/** A store whose every insert fails with `error`, and which reports `stored` as committed anyway. */
function failingStore(error: Error, stored: string[]): BatchStore & { inserts: string[][] } {
  const inserts: string[][] = [];
  return {
    inserts,
    insert: async (batch) => {
      inserts.push(batch.map((m) => m.id));
      throw error;
    },
    storedIds: (ids) => new Set(ids.filter((id) => stored.includes(id))),
  };
}

test('a batch lost with its thread is settled by asking the database, not retried', async () => {
  const store = failingStore(new CommitThreadLostError('thread died'), ['b']);
  const group = new GroupCommit(store, spoolDir);
  const results = await Promise.allSettled(['a', 'b', 'c'].map((id) => group.submit(message(id))));
  assert.deepEqual(results.map((r) => r.status), ['rejected', 'fulfilled', 'rejected']);
  assert.match(String((results[0] as PromiseRejectedResult).reason), /QueueStorageError: .*thread died/);
  assert.deepEqual(store.inserts, [['a', 'b', 'c']]);
  assert.equal(group.flushCount, 1);
});

test('a failed batch is retried one message at a time', async () => {
  const store = failingStore(new Error('SQLITE_FULL'), []);
  const group = new GroupCommit(store, spoolDir);
  const results = await Promise.allSettled(['a', 'b'].map((id) => group.submit(message(id))));
  assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected']);
  assert.deepEqual(store.inserts, [['a', 'b'], ['a'], ['b']]);
  assert.equal(group.flushCount, 3);
});
