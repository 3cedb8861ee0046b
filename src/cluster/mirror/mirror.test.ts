// The mirror's pure parts and its SQLite capture, without PostgreSQL: DDL from the schema, the TEMP
// triggers' outbox rows, the batch's last images.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../store/db.js';
import { installCapture } from './capture.js';
import { mirrorDdl, pgDeleteMany, pgType, pgUpsertMany } from './ddl.js';
import { latestImages } from './ship.js';
import { MIRRORED_TABLES, tableShapes } from './tables.js';
import { nextRowId, useRowIdSlot } from '../../store/row-ids.js';

function tempDb() {
  const dir = mkdtempSync(join(tmpdir(), 'petrel-mirror-'));
  const db = openDatabase(join(dir, 'petrel.db'));
  return { db, done: () => { db.close(); rmSync(dir, { recursive: true, force: true }); } };
}

test('every mirrored table exists in the schema with a primary key', () => {
  const { db, done } = tempDb();
  try {
    const shapes = tableShapes(db);
    assert.equal(shapes.length, MIRRORED_TABLES.length);
    const users = shapes.find((s) => s.name === 'users')!;
    assert.deepEqual(users.key, ['name']);
    const sends = shapes.find((s) => s.name === 'campaign_sends')!;
    assert.deepEqual(sends.key, ['id']);
  } finally {
    done();
  }
});

test('PostgreSQL DDL follows the SQLite declared types and keys', () => {
  assert.equal(pgType('INTEGER'), 'BIGINT');
  assert.equal(pgType('REAL'), 'DOUBLE PRECISION');
  assert.equal(pgType('TEXT'), 'TEXT');
  assert.equal(pgType(''), 'TEXT');
  const shape = { name: 'pool_members' as const, columns: [{ name: 'pool', type: 'TEXT', pk: 1 }, { name: 'identity', type: 'TEXT', pk: 2 }, { name: 'weight', type: 'INTEGER', pk: 0 }], key: ['pool', 'identity'] };
  const ddl = mirrorDdl(shape);
  assert.match(ddl[0]!, /CREATE TABLE IF NOT EXISTS "pool_members" \("pool" TEXT, "identity" TEXT, "weight" BIGINT, PRIMARY KEY \("pool", "identity"\)\)/);
  assert.ok(ddl.some((s) => s.includes('ADD COLUMN IF NOT EXISTS "weight" BIGINT')));
  assert.match(pgUpsertMany(shape), /ON CONFLICT \("pool", "identity"\) DO UPDATE SET "weight" = EXCLUDED."weight" WHERE/);
  assert.match(pgDeleteMany(shape), /"pool_members"."pool" = r."pool" AND "pool_members"."identity" = r."identity"/);
});

test('capture triggers write the whole row on insert, the changed columns on update, the key on delete', () => {
  const { db, done } = tempDb();
  try {
    installCapture(db, tableShapes(db));
    db.prepare("INSERT INTO domains (name, local, sending, catch_all, created_at) VALUES ('a.test', 1, 0, 0, 5)").run();
    db.prepare("UPDATE domains SET sending = 1 WHERE name = 'a.test'").run();
    db.prepare("UPDATE domains SET sending = 1 WHERE name = 'a.test'").run(); // no change: nothing to send
    db.prepare("UPDATE domains SET name = 'b.test' WHERE name = 'a.test'").run();
    db.prepare("DELETE FROM domains WHERE name = 'b.test'").run();
    const rows = db.prepare('SELECT tbl, op, row FROM cluster_outbox ORDER BY seq').all() as Array<{ tbl: string; op: string; row: string }>;
    const seen = rows.map((r) => [r.op, JSON.parse(r.row)]);
    assert.deepEqual(seen[0], ['upsert', { name: 'a.test', local: 1, sending: 0, catch_all: 0, created_at: 5 }]);
    assert.deepEqual(seen[1], ['update', { name: 'a.test', sending: 1 }]);
    assert.deepEqual(seen.slice(2, 4), [['delete', { name: 'a.test' }], ['upsert', { name: 'b.test', local: 1, sending: 1, catch_all: 0, created_at: 5 }]]);
    assert.deepEqual(seen[4], ['delete', { name: 'b.test' }]);
    assert.equal(seen.length, 5);
    // Local tables are never captured.
    db.prepare("INSERT INTO mta_sts_policies (domain, policy_id, mode, mx, max_age, fetched_at, text) VALUES ('x', 'i', 'none', '[]', 1, 1, '')").run();
    assert.equal((db.prepare('SELECT count(*) AS n FROM cluster_outbox').get() as { n: number }).n, 5);
  } finally {
    done();
  }
});

test('a connection without capture writes nothing to the outbox', () => {
  const { db, done } = tempDb();
  try {
    db.prepare("INSERT INTO domains (name, created_at) VALUES ('a.test', 1)").run();
    assert.equal((db.prepare('SELECT count(*) AS n FROM cluster_outbox').get() as { n: number }).n, 0);
  } finally {
    done();
  }
});

test('a batch sends each row once: updates merged into its image, a delete resetting it', () => {
  const shapes = new Map([['users', { name: 'users' as const, columns: [], key: ['name'] }]]);
  const r = (seq: number, op: 'upsert' | 'update' | 'delete', row: Record<string, unknown>) => ({ seq, tbl: 'users', op, row: JSON.stringify(row) });
  const out = latestImages([
    r(1, 'upsert', { name: 'x', a: 1, b: 1 }), r(2, 'update', { name: 'y', b: 2 }), r(3, 'update', { name: 'x', b: 3 }),
    r(4, 'update', { name: 'y', a: 5 }), r(5, 'delete', { name: 'z' }), r(6, 'upsert', { name: 'z', a: 0, b: 0 }),
  ], shapes);
  assert.deepEqual(out.map((o) => [o.seq, o.op, JSON.parse(o.row)]), [
    [3, 'upsert', { name: 'x', a: 1, b: 3 }],
    [4, 'update', { name: 'y', b: 2, a: 5 }],
    [6, 'upsert', { name: 'z', a: 0, b: 0 }],
  ]);
});

test('row ids in a cluster are node-unique: the slot in the low bits, above every id seen', () => {
  const { db, done } = tempDb();
  try {
    assert.equal(nextRowId(db, 'shaping_actions'), null); // one node: SQLite chooses
    useRowIdSlot(db, 3);
    const first = nextRowId(db, 'shaping_actions')!;
    assert.equal(first % 1024, 3);
    db.prepare("INSERT INTO shaping_actions (id, rule, kind, scope, started_at, ends_at) VALUES (?, 'r', 'throttle', 's', 1, 2)").run(first + 1024 * 5 - 3 + 7); // another node's row
    const next = nextRowId(db, 'shaping_actions')!;
    assert.ok(next > first + 1024 * 5);
    assert.equal(next % 1024, 3);
    assert.throws(() => useRowIdSlot(db, 1024));
  } finally {
    done();
  }
});
