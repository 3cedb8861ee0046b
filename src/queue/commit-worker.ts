// The commit thread's body: owns its own SQLite connection and inserts each batch the queue writer
// posts in one transaction, replying with nothing or the SQLite error. Anything else ends the thread.
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { openDatabase } from '../store/db.js';
import { prepareClusterConnection } from '../cluster/prepare.js';
import type { CommitReply, CommitRequest, CommitWorkerData, InsertRequest } from './commit-thread.js';
import { prepareBatchInsert, type PendingMessage } from './message-rows.js';

// Checkpoints now run on this thread, after a commit, off the event loop. SQLite's default of one
// every 1000 pages (4 MiB of WAL, about 800 small messages) is kept: larger intervals measured no
// faster and stall the commit that runs them longer. After a burst that grew the WAL (a long reader
// held back the checkpoints), truncate it back to this size instead of keeping it at its peak.
const JOURNAL_SIZE_LIMIT_BYTES = 16 * 1024 * 1024;

if (!parentPort) throw new Error('queue: commit-worker.js must run as a worker thread');
const port: MessagePort = parentPort;
const { dbFile, clusterSlot } = workerData as CommitWorkerData;
const db = openDatabase(dbFile);
if (clusterSlot !== undefined) prepareClusterConnection(db, clusterSlot);
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
