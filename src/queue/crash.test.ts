import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { openDatabase, type Db } from '../store/db.js';
import { readBody } from './inspect.js';
import { recoverSpool } from './recovery.js';
import { crashFixtureBody } from './testkit.js';

const CHILD = fileURLToPath(new URL('./crash-child.js', import.meta.url));
const ACKS_BEFORE_KILL = 300;

type Ack = { seq: number; id: string };

/** Run the fixture, SIGKILL it after `acks` acknowledgements, and return every ack it printed. */
function runUntilKilled(dataDir: string, firstSeq: number, acks: number): Promise<Ack[]> {
  const child = spawn(process.execPath, [CHILD, dataDir, String(firstSeq)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const printed: Ack[] = [];
  let partial = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    const lines = (partial + text).split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      const [seq, id] = line.split(' ');
      printed.push({ seq: Number(seq), id: id! });
    }
    if (printed.length >= acks) child.kill('SIGKILL');
  });
  return new Promise((resolve, reject) => {
    child.on('close', (code, signal) => {
      if (signal === 'SIGKILL') resolve(printed);
      else reject(new Error(`fixture ended on its own: code ${code}, signal ${signal}`));
    });
  });
}

function assertAcknowledgedOnce(db: Db, dataDir: string, acks: Ack[]): void {
  const byId = db.prepare("SELECT count(*) AS n, json_extract(envelope, '$.envid') AS envid FROM messages WHERE id = ?");
  for (const { seq, id } of acks) {
    assert.deepEqual({ ...(byId.get(id) as object) }, { n: 1, envid: `seq-${seq}` }, id);
    assert.ok(readBody(db, dataDir, id)!.equals(crashFixtureBody(seq)), `body of ${id}`);
  }
  const duplicates = db
    .prepare("SELECT json_extract(envelope, '$.envid') AS e FROM messages GROUP BY e HAVING count(*) > 1")
    .all();
  assert.deepEqual(duplicates, []);
}

function assertNoOrphans(db: Db, dataDir: string): void {
  const owner = db.prepare('SELECT body_path FROM messages WHERE id = ?').pluck();
  for (const name of readdirSync(join(dataDir, 'spool'))) assert.equal(owner.get(name), `spool/${name}`, name);
}

test('after SIGKILL every acknowledged message is there exactly once and recovery leaves no orphan', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'petrel-crash-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  let firstSeq = 0;
  for (let round = 0; round < 3; round++) {
    const acks = await runUntilKilled(dataDir, firstSeq, ACKS_BEFORE_KILL);
    firstSeq += 100_000; // sequence numbers stay unique across rounds
    const db = openDatabase(join(dataDir, 'petrel.db'));
    try {
      const recovery = recoverSpool(db, dataDir);
      t.diagnostic(`round ${round}: ${acks.length} acknowledged, ${JSON.stringify(recovery)}`);
      assert.equal(recovery.missingBodies, 0);
      assertAcknowledgedOnce(db, dataDir, acks);
      assertNoOrphans(db, dataDir);
    } finally {
      db.close();
    }
  }
});
