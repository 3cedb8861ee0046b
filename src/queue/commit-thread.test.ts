import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { COMMIT_WORKER_SCRIPT, CommitThread, CommitThreadLostError } from './commit-thread.js';
import type { PendingMessage } from './message-rows.js';
import { makeEnvelope } from './testkit.js';

const FIXTURE = new URL('./commit-thread-fixture.js', import.meta.url);
let thread: CommitThread;

beforeEach(() => {
  thread = new CommitThread(FIXTURE, { dbFile: 'unused' });
});
afterEach(() => thread.close());

function batch(...ids: string[]): PendingMessage[] {
  return ids.map((id) => ({ id, envelope: makeEnvelope(), body: { kind: 'memory', data: Buffer.from(id), size: id.length } }));
}

test('an insert resolves when the thread replies, and rejects with the SQLite error it reports', async () => {
  await thread.insert(batch('a', 'b'));
  await assert.rejects(thread.insert(batch('refuse')), { message: /UNIQUE constraint/, code: 'SQLITE_CONSTRAINT_PRIMARYKEY' });
  await thread.insert(batch('c'));
});

test('a thread that exits rejects every insert in flight, and the next insert gets a fresh thread', async () => {
  await thread.insert(batch('warm-up'));
  const inFlight = [thread.insert(batch('exit')), thread.insert(batch('queued-behind'))];
  for (const insert of inFlight) await assert.rejects(insert, CommitThreadLostError);
  await thread.insert(batch('after'));
});

test('an uncaught exception on the thread rejects with it as the cause', async () => {
  await assert.rejects(thread.insert(batch('throw')), (error: Error) => {
    assert.ok(error instanceof CommitThreadLostError);
    assert.match(String((error.cause as Error).message), /fixture crash/);
    return true;
  });
  await thread.insert(batch('after'));
});

test('a batch that cannot be posted rejects instead of hanging', async () => {
  const [message] = batch('x');
  const unclonable = { ...message!, envelope: { ...message!.envelope, extra: () => 1 } };
  await assert.rejects(thread.insert([unclonable]), /could not be cloned/);
  await thread.insert(batch('after'));
});

test('close() lets posted inserts finish; inserts after it reject', async () => {
  const posted = thread.insert(batch('last'));
  await thread.close();
  await posted;
  await assert.rejects(thread.insert(batch('late')), /closed/);
});

test('the real worker rejects, not hangs, when it cannot open the database', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'petrel-thread-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const real = new CommitThread(COMMIT_WORKER_SCRIPT, { dbFile: dir }); // a directory, not a file
  await assert.rejects(real.insert(batch('x')), CommitThreadLostError);
  await real.close();
});
