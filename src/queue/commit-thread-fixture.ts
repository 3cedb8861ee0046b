// Fixture for commit-thread.test.ts, run as the commit thread in place of commit-worker.ts: speaks
// its protocol without a database, and misbehaves on cue from the first message id of a batch.
import { parentPort } from 'node:worker_threads';
import type { CommitReply, CommitRequest } from './commit-thread.js';

/** First ids the fixture reacts to; any other batch is acknowledged as committed. */
export type FixtureCue = 'exit' | 'throw' | 'refuse';

const port = parentPort!;
port.on('message', (request: CommitRequest) => {
  if (request.type === 'close') return port.close();
  const cue = request.batch[0]?.id as FixtureCue | undefined;
  if (cue === 'exit') process.exit(3);
  if (cue === 'throw') throw new Error('fixture crash');
  const reply: CommitReply = {
    seq: request.seq,
    error: cue === 'refuse' ? { message: 'UNIQUE constraint failed: messages.id', code: 'SQLITE_CONSTRAINT_PRIMARYKEY' } : null,
  };
  port.postMessage(reply);
});
