// Fixture for crash.test.ts, run as a child process: commits messages from 8 concurrent "sessions"
// and prints "<seq> <id>" as each commit resolves, until it is killed. Any failure exits with 1.
import { join } from 'node:path';
import { openDatabase } from '../store/db.js';
import { recoverSpool } from './recovery.js';
import { CRASH_FIXTURE_MEMORY_LIMIT, crashFixtureBody, makeEnvelope } from './testkit.js';
import { QueueWriter } from './writer.js';

const SESSIONS = 8;
const CHUNK = 16 * 1024;

const [dataDir, firstSeqText] = process.argv.slice(2);
if (!dataDir) throw new Error('usage: crash-child <dataDir> [firstSeq]');
const db = openDatabase(join(dataDir, 'petrel.db'));
recoverSpool(db, dataDir);
const queue = new QueueWriter(db, dataDir, { memoryBodyLimit: CRASH_FIXTURE_MEMORY_LIMIT });
let nextSeq = Number(firstSeqText ?? 0);

async function session(): Promise<never> {
  for (;;) {
    const seq = nextSeq++;
    const message = queue.open(makeEnvelope({ envid: `seq-${seq}` }));
    const body = crashFixtureBody(seq);
    for (let offset = 0; offset < body.length; offset += CHUNK) message.write(body.subarray(offset, offset + CHUNK));
    const id = await message.commit();
    process.stdout.write(`${seq} ${id}\n`); // a pipe on Linux: written synchronously, like a 250
  }
}

for (let i = 0; i < SESSIONS; i++) {
  session().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
