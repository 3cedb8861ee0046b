// The mirror against a real PostgreSQL, with nodes in this process: writes travel node -> PostgreSQL ->
// every node, deletes and key changes too, a late node gets a snapshot, conflicting writes converge,
// and a node with another seal key or its own unshared state is refused.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClusterNode } from '../../src/cluster/node.js';
import { SharedDb } from '../../src/cluster/pg.js';
import { openDatabase, type Db } from '../../src/store/db.js';
import { createLogger } from '../../src/util/log.js';
import { startPostgres, type Postgres } from '../kit/postgres.js';

let pg: Postgres;
const key = randomBytes(32);
const dirs: string[] = [];
const open: Array<{ node: ClusterNode; db: Db }> = [];

before(async () => {
  pg = await startPostgres();
});
after(async () => {
  for (const { node, db } of open) {
    await node.close().catch(() => undefined);
    db.close();
  }
  await pg?.destroy();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function makeNode(name: string, opts: { secretKey?: Buffer; seed?: (db: Db) => void } = {}): Promise<{ node: ClusterNode; db: Db }> {
  const dir = mkdtempSync(join(tmpdir(), 'petrel-mirror-pg-'));
  dirs.push(dir);
  const db = openDatabase(join(dir, 'petrel.db'));
  opts.seed?.(db);
  const shared = new SharedDb(pg.url, { poolSize: 3, statementTimeoutMs: 5000, applicationName: name });
  const node = new ClusterNode(shared, db, openDatabase(join(dir, 'petrel.db')), { name, apiUrl: null, version: 'test' }, opts.secretKey ?? key, createLogger({ log: { level: 'silent' } }));
  try {
    await node.join();
  } catch (err) {
    await node.close().catch(() => undefined);
    db.close();
    throw err;
  }
  open.push({ node, db });
  return { node, db };
}

const domain = (db: Db, name: string) => db.prepare('SELECT name, sending FROM domains WHERE name = ?').get(name) as { name: string; sending: number } | undefined;

test('writes, updates, key changes and deletes on one node reach the other', async () => {
  const a = await makeNode('m-a');
  const b = await makeNode('m-b');
  assert.notEqual(a.node.slot, b.node.slot);
  a.db.prepare("INSERT INTO domains (name, local, sending, created_at) VALUES ('one.test', 1, 0, 1)").run();
  await a.node.flush();
  await b.node.catchUp();
  assert.deepEqual(domain(b.db, 'one.test'), { name: 'one.test', sending: 0 });
  a.db.prepare("UPDATE domains SET sending = 1 WHERE name = 'one.test'").run();
  a.db.prepare("UPDATE domains SET name = 'two.test' WHERE name = 'one.test'").run();
  await a.node.flush();
  await b.node.catchUp();
  assert.equal(domain(b.db, 'one.test'), undefined);
  assert.deepEqual(domain(b.db, 'two.test'), { name: 'two.test', sending: 1 });
  b.db.prepare("DELETE FROM domains WHERE name = 'two.test'").run();
  await b.node.flush();
  await a.node.catchUp();
  assert.equal(domain(a.db, 'two.test'), undefined);
  assert.equal(await pg.psql("SELECT count(*) FROM domains WHERE name IN ('one.test', 'two.test')"), '0');
});

test('the same row written on two nodes converges to the last write shipped', async () => {
  const [a, b] = [open[0]!, open[1]!];
  a.db.prepare("INSERT INTO users (name, password_hash, created_at) VALUES ('u@x.test', 'hash-a', 1)").run();
  b.db.prepare("INSERT INTO users (name, password_hash, created_at) VALUES ('u@x.test', 'hash-b', 2)").run();
  await a.node.flush();
  await b.node.flush(); // b's write is the later one in PostgreSQL
  await a.node.catchUp();
  await b.node.catchUp();
  const of = (db: Db) => (db.prepare("SELECT password_hash AS h FROM users WHERE name = 'u@x.test'").get() as { h: string }).h;
  assert.equal(of(a.db), 'hash-b');
  assert.equal(of(b.db), 'hash-b');
  assert.equal(await pg.psql("SELECT password_hash FROM users WHERE name = 'u@x.test'"), 'hash-b');
});

test('two nodes changing different columns of one row both keep their change', async () => {
  const [a, b] = [open[0]!, open[1]!];
  a.db.prepare("INSERT INTO domains (name, local, sending, catch_all, created_at) VALUES ('cols.test', 0, 0, 0, 1)").run();
  await a.node.flush();
  await b.node.catchUp();
  a.db.prepare("UPDATE domains SET local = 1 WHERE name = 'cols.test'").run();
  b.db.prepare("UPDATE domains SET sending = 1 WHERE name = 'cols.test'").run(); // b has not seen a's change
  await a.node.flush();
  await b.node.flush();
  await a.node.catchUp();
  await b.node.catchUp();
  const of = (db: Db) => db.prepare("SELECT local, sending FROM domains WHERE name = 'cols.test'").get();
  assert.deepEqual(of(a.db), { local: 1, sending: 1 });
  assert.deepEqual(of(b.db), { local: 1, sending: 1 });
});

test('a node joining later starts from a snapshot of everything, and events form one stream', async () => {
  const a = open[0]!;
  a.db.prepare("INSERT INTO suppressions (address, scope, reason, created_at) VALUES ('gone@x.test', '', 'manual', 1)").run();
  a.db.prepare("INSERT INTO events (at, type, message_id) VALUES (1, 'accepted', 'm1'), (2, 'delivered', 'm1')").run();
  await a.node.flush();
  const c = await makeNode('m-c');
  assert.ok(c.db.prepare("SELECT 1 FROM suppressions WHERE address = 'gone@x.test'").get());
  assert.ok(c.db.prepare("SELECT 1 FROM users WHERE name = 'u@x.test'").get());
  c.db.prepare("INSERT INTO events (at, type, message_id) VALUES (3, 'accepted', 'm2')").run();
  await c.node.flush();
  assert.equal(await pg.psql("SELECT string_agg(node || ':' || type, ',' ORDER BY id) FROM events"), 'm-a:accepted,m-a:delivered,m-c:accepted');
  await c.node.flush(); // shipping again sends nothing twice
  assert.equal(await pg.psql('SELECT count(*) FROM events'), '3');
});

test('a node with another seal key is refused, and so is a data directory with unshared state', async () => {
  await assert.rejects(makeNode('m-d', { secretKey: randomBytes(32) }), /secret\.key differs/);
  await assert.rejects(
    makeNode('m-e', { seed: (db) => db.prepare("INSERT INTO domains (name, created_at) VALUES ('own.test', 1)").run() }),
    /migrate-store --to postgres/,
  );
});

test('with PostgreSQL stopped a node keeps writing locally; its writes ship once it is back', async () => {
  const [a, b] = [open[0]!, open[1]!];
  await pg.stop();
  try {
    a.db.prepare("INSERT INTO domains (name, created_at) VALUES ('during.test', 1)").run();
    await assert.rejects(a.node.flush());
    assert.match(a.node.notReady() ?? '', /PostgreSQL unavailable since/);
    assert.deepEqual(a.node.shipper.backlog(), { rows: 1, events: 0 });
  } finally {
    await pg.start();
  }
  await a.node.flush();
  await b.node.catchUp();
  assert.ok(domain(b.db, 'during.test'));
  assert.equal(a.node.notReady(), null);
});
