// The commit thread's body: owns its own SQLite connection and inserts each batch the queue writer
// posts in one transaction, replying with nothing or the SQLite error. Anything else ends the thread.
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from '../store/db.js';
import type { CommitReply, CommitRequest, CommitWorkerData, InsertRequest } from './commit-thread.js';
import { prepareBatchInsert, type PendingMessage } from './message-rows.js';

// Checkpoints run here, after a commit, off the server's event loop. A checkpoint every 4000
// pages (about 16 MB of WAL) instead of SQLite's 1000 means fewer fsyncs of the database file.
const WAL_AUTOCHECKPOINT_PAGES = 4000;
// The WAL is reused from its start after a checkpoint; truncate it only if a burst grew it past this.
const JOURNAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;

const port = parentPort;
if (!port) throw new Error('queue: commit-worker.js must run as a worker thread');
const { dbFile } = workerData as CommitWorkerData;
const db = openDatabase(dbFile);
db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
db.pragma(`journal_size_limit = ${JOURNAL_SIZE_LIMIT_BYTES}`);
const insertBatch = prepareBatchInsert(db);

port.on('message', (request: CommitRequest) => {
  if (request.type === 'insert') {
    port.postMessage(insert(request));
  } else {
    db.close();
    port.close(); // nothing else keeps the thread alive, so it exits
  }
});
port.on('messageerror', (error) => {
  throw error; // a request we cannot read would never be answered: die, so its sender hears of it
});

function insert({ seq, batch }: InsertRequest): CommitReply {
  try {
    insertBatch(batch.map(asBuffers));
    return { seq, error: null };
  } catch (error) {
    const { message, code } = error as { message?: unknown; code?: unknown };
    return { seq, error: { message: String(message ?? error), code: typeof code === 'string' ? code : undefined } };
  }
}

// Structured cloning turns a Buffer into a plain Uint8Array; view the same bytes as a Buffer again.
function asBuffers(message: PendingMessage): PendingMessage {
  const { body } = message;
  if (body.kind !== 'memory') return message;
  const bytes: Uint8Array = body.data;
  if (Buffer.isBuffer(bytes)) return message;
  return { ...message, body: { ...body, data: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) } };
}
