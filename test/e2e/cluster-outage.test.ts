// Cluster mode, PostgreSQL outage: node A goes on accepting mail (every 250 is stored) while PostgreSQL
// is stopped for about 10 s; /readyz and admin commands say why shared work waits; once PostgreSQL is
// back, without restarts, node A is ready again, its events reach PostgreSQL and shared writes flow.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startCluster, type Cluster } from '../kit/cluster.js';
import { startLoad, tokenOf, type Outcome } from '../kit/load.js';
import { curl, swaks } from '../kit/peers.js';
import { ALICE, type Petrel } from '../kit/petrel.js';
import { readAllMessages } from '../kit/store.js';
import { requireTool, startTool } from '../kit/tools.js';

const SOURCE_SENDER = 'source@load.test';
const OUTAGE_MS = 10_000;
const OUTAGE_SENDS = 5;

let cluster: Cluster;

before(async () => {
  requireTool('smtp-source');
  requireTool('swaks');
  cluster = await startCluster(2, { log: { level: 'warn' } });
});
after(async () => {
  await cluster?.dispose();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll `check` every 100 ms for up to `ms`; fails the test when it never holds. */
async function within(ms: number, what: string, check: () => Promise<boolean>): Promise<void> {
  for (let start = Date.now(); !(await check()); await sleep(100)) {
    if (Date.now() - start > ms) assert.fail(`${what}: not seen within ${ms} ms`);
  }
}

async function readyz(p: Petrel): Promise<{ status: number; body: string }> {
  const r = await curl(['-s', '-w', '\n%{http_code}', `http://127.0.0.1:${p.ports.http}/readyz`]);
  const cut = r.stdout.lastIndexOf('\n');
  return { status: Number(r.stdout.slice(cut + 1)), body: r.stdout.slice(0, cut) };
}

function accepted(outcomes: ReadonlyMap<string, Outcome>): number {
  let n = 0;
  for (const o of outcomes.values()) if (o === 'accepted') n++;
  return n;
}

function localEventCount(p: Petrel): number {
  const db = new Database(join(p.dataDir, 'petrel.db'), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

/** Outbound mail submitted by alice: its 'accepted' events are what node A must ship after the outage. */
async function submit(p: Petrel, i: number): Promise<void> {
  const r = await swaks(['--server', `127.0.0.1:${p.ports.submission}`, '--tls', '--auth', 'PLAIN', '--auth-user', ALICE.user,
    '--auth-password', ALICE.password, '--from', ALICE.user, '--to', `outage-${i}@dest.test`]);
  assert.equal(r.code, 0, `submission during the outage failed:\n${r.stdout}\n${r.stderr}`);
}

test('a PostgreSQL outage loses no accepted mail, is reported, and heals without restarts', { timeout: 240_000 }, async (t) => {
  const [a, b] = cluster.nodes as [Petrel, Petrel];
  const load = startLoad({ port: a.ports.mx, workers: 4, maxPerWorker: 400, perConnection: 20, recipient: 'bob@local.test', sizes: [400, 6000] });
  const source = startTool('smtp-source', ['-A', '-d', '-s', '5', '-m', '300', '-l', '1024', '-M', 'source.load.test',
    '-f', SOURCE_SENDER, '-t', 'postmaster@local.test', `127.0.0.1:${a.ports.mx}`], 120_000);
  try {
    await within(10_000, 'load accepted by node A', async () => accepted(load.outcomes) >= 20);
    const before = accepted(load.outcomes);
    await cluster.pg.stop();
    const down = Date.now();

    await within(8000, '/readyz 503 naming PostgreSQL', async () => {
      const r = await readyz(a);
      return r.status === 503 && /PostgreSQL/.test(r.body);
    });
    const admin = await a.cli(['user', 'list']);
    assert.notEqual(admin.code, 0, 'an admin command worked without PostgreSQL');
    assert.match(admin.stderr, /shared state is not reachable.*PostgreSQL/, admin.stderr);
    for (let i = 0; i < OUTAGE_SENDS; i++) await submit(a, i);
    const during = accepted(load.outcomes) - before;
    await sleep(Math.max(0, OUTAGE_MS - (Date.now() - down)));
    await cluster.pg.start();
    t.diagnostic(`PostgreSQL was down ${Date.now() - down} ms; ${during} load messages accepted meanwhile`);
    assert.ok(during > 0, 'node A accepted no mail while PostgreSQL was down');

    await within(10_000, '/readyz 200 after PostgreSQL came back', async () => (await readyz(a)).status === 200);
    load.stop();
    const { outcomes } = await load.done;
    await source.done;
    assertAllStored(a, outcomes);

    await within(15_000, 'node A\'s events in PostgreSQL', async () =>
      Number(await cluster.pg.psql("SELECT count(*) FROM events WHERE node = 'node-a'")) === localEventCount(a));
    const shipped = await cluster.pg.psql("SELECT count(DISTINCT recipient) FROM events WHERE type = 'accepted' AND recipient LIKE 'outage-%'");
    assert.equal(Number(shipped), OUTAGE_SENDS, 'accepted events of mail submitted during the outage');

    const added = await a.cli(['user', 'add', 'dora@example.test', '--password-stdin'], 'dora-Secret-4\n');
    assert.equal(added.code, 0, added.stderr);
    await within(5000, 'the new user signs in on node B', async () => {
      const r = await swaks(['--server', `127.0.0.1:${b.ports.submission}`, '--tls', '--auth', 'PLAIN',
        '--auth-user', 'dora@example.test', '--auth-password', 'dora-Secret-4', '--quit-after', 'AUTH']);
      return /235 /.test(r.stdout);
    });
  } finally {
    load.stop();
    await source.stop();
  }
});

/** Every message the tracking client saw a 250 for is in node A's queue exactly once. */
function assertAllStored(a: Petrel, outcomes: Map<string, Outcome>): void {
  const seen = new Map<string, number>();
  let fromSource = 0;
  for (const m of readAllMessages(a.dataDir)) {
    if (m.sender === SOURCE_SENDER) fromSource++;
    const token = tokenOf(m.body);
    if (token) seen.set(token, (seen.get(token) ?? 0) + 1);
  }
  const problems: string[] = [];
  for (const [token, outcome] of outcomes) {
    if (outcome === 'accepted' && seen.get(token) !== 1) problems.push(`${token} got 250 but is stored ${seen.get(token) ?? 0} times`);
  }
  assert.deepEqual(problems.slice(0, 20), [], `${problems.length} accepted messages missing`);
  assert.ok(fromSource > 0, 'smtp-source got no message stored');
}
