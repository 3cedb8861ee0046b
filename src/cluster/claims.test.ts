// Claims and cap counters against a private PostgreSQL: one claim per (contact, step) however many
// nodes race for it, caps that hold over the sum, the cap moving on to another identity, and the
// reconciliation of a claim a crash left without a message.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, test } from 'node:test';
import { startPostgres, type Postgres } from '../../test/kit/postgres.js';
import type { ClaimRequest } from '../campaigns/step-claims.js';
import { openDatabase, type Db } from '../store/db.js';
import { createLogger } from '../util/log.js';
import { capUsed } from './caps.js';
import { PgStepClaims } from './claims.js';
import { tableShapes } from './mirror/tables.js';
import { SharedDb } from './pg.js';
import { migrateShared } from './pg-migrate.js';

const log = createLogger({ log: { level: 'silent' } });
let pg: Postgres;
let shared: SharedDb;
let db: Db;

before(async () => {
  pg = await startPostgres();
  shared = new SharedDb(pg.url, { poolSize: 12, statementTimeoutMs: 10_000, applicationName: 'claims test' });
  db = openDatabase(join(mkdtempSync(join(tmpdir(), 'petrel-claims-')), 'petrel.db'));
  await migrateShared(shared, tableShapes(db));
});
after(async () => {
  await shared?.close();
  db?.close();
  await pg?.destroy();
});
beforeEach(async () => {
  await shared.query('TRUNCATE campaign_claims, cap_counters, campaign_contacts, campaigns CASCADE');
  db.exec('DELETE FROM campaign_sends');
  await shared.query(`INSERT INTO campaigns (name, definition, state, created_at) VALUES ('c', '{}', 'running', 0)`);
  for (let i = 0; i < 5; i++) {
    await shared.query(`INSERT INTO campaign_contacts (campaign, email, state, step, next_at, changed_at) VALUES ('c', $1, 'pending', 0, 0, 0)`, [`e${i}@x.test`]);
  }
});

const request = (email: string, over: Partial<ClaimRequest> = {}): ClaimRequest => ({
  campaign: 'c', email, step: 1, queueId: `Q-${email}`, candidates: [{ name: 'r1', cap: 3, day: '2026-03-02' }], retryAt: 99, ...over,
});

test('thirty claims racing for one identity capped at 20: twenty claimed, ten capped, the counter at 20', async () => {
  for (let i = 5; i < 30; i++) {
    await shared.query(`INSERT INTO campaign_contacts (campaign, email, state, step, next_at, changed_at) VALUES ('c', $1, 'pending', 0, 0, 0)`, [`e${i}@x.test`]);
  }
  const nodes = ['node-a', 'node-b', 'node-c'].map((n) => new PgStepClaims(shared, n, db, log));
  const candidates = [{ name: 'r9', cap: 20, day: 'd' }];
  const results = await Promise.all(Array.from({ length: 30 }, (_, i) => nodes[i % 3]!.claim(request(`e${i}@x.test`, { candidates }))));
  assert.equal(results.filter((r) => r.result === 'claimed').length, 20);
  assert.equal(results.filter((r) => r.result === 'capped').length, 10);
  assert.equal(await capUsed(shared.pool, 'r9', 'd'), 20);
  const zero = await nodes[0]!.claim(request('e0@x.test', { step: 1, candidates: [{ name: 'r0', cap: 0, day: 'd' }] }));
  assert.equal(zero.result, 'taken'); // e0 was claimed above; a cap of 0 is checked on a fresh contact:
  await shared.query(`INSERT INTO campaign_contacts (campaign, email, state, step, next_at, changed_at) VALUES ('c', 'z@x.test', 'pending', 0, 0, 0)`);
  assert.equal((await nodes[0]!.claim(request('z@x.test', { candidates: [{ name: 'r0', cap: 0, day: 'd' }] }))).result, 'capped', 'a cap of 0 admits nothing');
  assert.equal((await nodes[0]!.claim(request('z@x.test', { candidates: [{ name: 'rn', cap: null, day: 'd' }] }))).result, 'claimed', 'no cap: always');
});

test('three nodes race for one step: exactly one claims it; later tries see it taken', async () => {
  const nodes = ['node-a', 'node-b', 'node-c'].map((n) => new PgStepClaims(shared, n, db, log));
  const results = await Promise.all(nodes.flatMap((n) => [n.claim(request('e0@x.test')), n.claim(request('e0@x.test'))]));
  assert.equal(results.filter((r) => r.result === 'claimed').length, 1, JSON.stringify(results));
  assert.ok(results.every((r) => ['claimed', 'busy', 'taken'].includes(r.result)));
  assert.equal((await nodes[1]!.claim(request('e0@x.test'))).result, 'taken');
  assert.equal(await capUsed(shared.pool, 'r1', '2026-03-02'), 1, 'one cap unit for one claim');
});

test('a step the shared copy no longer waits for is not claimed', async () => {
  await shared.query(`UPDATE campaign_contacts SET step = 1, state = 'finished' WHERE email = 'e1@x.test'`);
  assert.equal((await new PgStepClaims(shared, 'node-a', db, log).claim(request('e1@x.test'))).result, 'moved');
});

test('at the cap the next identity is counted; with all at their caps the step waits in the shared row', async () => {
  const claims = new PgStepClaims(shared, 'node-a', db, log);
  const candidates = [{ name: 'r1', cap: 1, day: 'd' }, { name: 'r2', cap: 1, day: 'd' }];
  assert.deepEqual(await claims.claim(request('e0@x.test', { candidates })), { result: 'claimed', identity: 'r1' });
  assert.deepEqual(await claims.claim(request('e1@x.test', { candidates })), { result: 'claimed', identity: 'r2' });
  assert.deepEqual(await claims.claim(request('e2@x.test', { candidates, retryAt: 1234 })), { result: 'capped' });
  const { rows } = await shared.query<{ next_at: string }>(`SELECT next_at FROM campaign_contacts WHERE email = 'e2@x.test'`);
  assert.equal(Number(rows[0]!.next_at), 1234);
  assert.equal(claims.counts.byResult.get('claimed'), 2);
  assert.equal(claims.counts.byResult.get('capped'), 1);
});

test('release and reconcile give a claim without a message back, cap unit included; a sent one stays', async () => {
  const first = new PgStepClaims(shared, 'node-a', db, log);
  const candidates = [{ name: 'r1', cap: 10, day: 'd' }];
  for (const e of ['e0@x.test', 'e1@x.test', 'e2@x.test']) assert.equal((await first.claim(request(e, { candidates }))).result, 'claimed');
  await first.release('c', 'e2@x.test', 1);
  assert.equal(await capUsed(shared.pool, 'r1', 'd'), 2);
  // e0's message committed (recorded as sent); e1's never did: the node died in between.
  db.prepare(`INSERT INTO campaign_sends (id, campaign, email, step, message_id, header_id, subject, sent_at) VALUES (1, 'c', 'e0@x.test', 1, 'Q-e0@x.test', 'h', 's', 0)`).run();
  const restarted = new PgStepClaims(shared, 'node-a', db, log);
  assert.equal(await restarted.reconcile(), 1);
  const { rows } = await shared.query<{ email: string }>('SELECT email FROM campaign_claims ORDER BY email');
  assert.deepEqual(rows.map((r) => r.email), ['e0@x.test']);
  assert.equal(await capUsed(shared.pool, 'r1', 'd'), 1);
  assert.equal((await restarted.claim(request('e1@x.test', { candidates }))).result, 'claimed', 'the step can be claimed again');
});
