// Crash safety under load: a tracking client and postfix's smtp-source send mail while the server is
// killed with SIGKILL and restarted several times. Afterwards every message that got 250 is stored
// exactly once, nothing refused is stored, and no half-written message or orphan spool file remains.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startPetrel, type Petrel } from '../kit/petrel.js';
import { endMarker, startLoad, tokenOf, type Outcome } from '../kit/load.js';
import { readAllMessages, recipientCounts, spoolFiles } from '../kit/store.js';
import { requireTool, startTool, type RunningTool } from '../kit/tools.js';

const KILLS = 4;
const SOURCE_SENDER = 'source@load.test';

function smtpSource(port: number): RunningTool {
  // 8 parallel sessions, 2 KiB payloads, -A: keep going on unexpected replies, -d: reuse sessions.
  return startTool('smtp-source', [
    '-A',
    '-d',
    '-s', '8',
    '-m', '4000',
    '-l', '2048',
    '-M', 'source.load.test',
    '-f', SOURCE_SENDER,
    '-t', 'postmaster@local.test',
    `127.0.0.1:${port}`,
  ], 60_000);
}

function tally(outcomes: Map<string, Outcome>): Record<Outcome, number> {
  const t = { accepted: 0, rejected: 0, unknown: 0 };
  for (const o of outcomes.values()) t[o]++;
  return t;
}

test('SIGKILL under load loses and duplicates nothing that got 250', { timeout: 240_000 }, async (t) => {
  requireTool('smtp-source'); // a missing peer fails the test, never skips it
  const p: Petrel = await startPetrel({
    log: { level: 'warn' },
    queue: { memoryBodyLimit: 4096 }, // the larger load messages go through the spool
  });
  const sources: RunningTool[] = [];
  let keep = false;
  try {
    const load = startLoad({
      port: p.ports.mx,
      workers: 6,
      maxPerWorker: 1500,
      perConnection: 25,
      recipient: 'bob@local.test',
      sizes: [300, 9000, 1200, 40_000, 3000],
    });
    sources.push(smtpSource(p.ports.mx));
    for (let k = 0; k < KILLS; k++) {
      await sleep(700 + Math.floor(Math.random() * 900));
      await p.kill9();
      await p.restart();
      sources.push(smtpSource(p.ports.mx));
    }
    await sleep(1000);
    load.stop();
    const { outcomes } = await load.done;
    for (const s of sources) await s.stop();
    // One last crash with no traffic, so recovery runs on whatever the last kills left behind.
    await p.kill9();
    await p.restart();

    const counts = tally(outcomes);
    t.diagnostic(`load client outcomes ${JSON.stringify(counts)}`);
    const stored = readAllMessages(p.dataDir);
    const rcpts = recipientCounts(p.dataDir);
    const seen = new Map<string, number>();
    let fromSource = 0;
    for (const m of stored) {
      assert.ok((rcpts.get(m.id) ?? 0) > 0, `message ${m.id} has no recipients`);
      assert.ok(m.body.length > 0, `message ${m.id} has an empty body`);
      if (m.sender === SOURCE_SENDER) fromSource++;
      const token = tokenOf(m.body);
      if (!token) continue;
      seen.set(token, (seen.get(token) ?? 0) + 1);
      assert.ok(m.body.includes(endMarker(token)), `message ${m.id} (${token}) is truncated`);
    }
    const problems: string[] = [];
    for (const [token, outcome] of outcomes) {
      const n = seen.get(token) ?? 0;
      if (outcome === 'accepted' && n !== 1) problems.push(`${token} got 250 but is stored ${n} times`);
      if (outcome === 'rejected' && n !== 0) problems.push(`${token} was refused but is stored ${n} times`);
      if (outcome === 'unknown' && n > 1) problems.push(`${token} is stored ${n} times`);
    }
    for (const token of seen.keys()) {
      if (!outcomes.has(token)) problems.push(`${token} is stored but was never sent`);
    }
    t.diagnostic(`stored ${stored.length} messages, ${fromSource} from smtp-source, ${seen.size} tracked`);
    keep = problems.length > 0;
    assert.deepEqual(problems.slice(0, 20), [], `${problems.length} problems; outcomes ${JSON.stringify(counts)}`);

    const referenced = new Set(stored.map((m) => m.bodyPath).filter((x): x is string => !!x));
    const orphans = spoolFiles(p.dataDir).filter((f) => !referenced.has(f));
    keep ||= orphans.length > 0;
    assert.deepEqual(orphans, [], 'spool files without a message row');
    assert.ok(referenced.size > 0, 'no message went through the spool; the test did not exercise it');

    assert.ok(counts.accepted >= 100, `only ${counts.accepted} messages were accepted: ${JSON.stringify(counts)}`);
    assert.ok(fromSource > 0, 'smtp-source got no message stored');
    const queued = await p.queueList();
    assert.equal(queued.length, stored.length, 'queue list disagrees with the database');
  } finally {
    for (const s of sources) await s.stop();
    if (keep) process.env.PETREL_KEEP_TEST_DATA = '1';
    await p.dispose();
    if (keep) console.error(`crash test data kept in ${p.dataDir}`);
  }
});
