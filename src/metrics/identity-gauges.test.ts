// The identity and shaping series at scrape time: sends since the start of each identity's own day,
// today's cap only where there is one, paused 1/0, actions by rule ever set and in force.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { pauseIdentity } from '../identities/control.js';
import { buildIdentity } from '../identities/create.js';
import { IdentityStore } from '../identities/store.js';
import { ShapingActionStore } from '../pacing/actions.js';
import { openDatabase, type Db } from '../store/db.js';
import { SENT_SINCE_SQL, watchIdentities } from './identity-gauges.js';

const NOW = Date.parse('2026-12-04T10:00:00.000Z');
const HOUR = 3_600_000;

async function value(r: Registry, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const metric = await r.getSingleMetric(name)!.get();
  return metric.values.find((v) => Object.entries(labels).every(([k, x]) => String(v.labels[k as never]) === x))?.value;
}

function attempt(db: Db, identity: string, at: number): void {
  db.prepare(`INSERT OR IGNORE INTO messages (id, direction, state, received_at, sender, size, envelope) VALUES ('m1', 'outbound', 'queued', 0, '', 0, '{}')`).run();
  db.prepare(`INSERT INTO attempts (message_id, idx, at, duration_ms, outcome, route, remote, identity) VALUES ('m1', 0, ?, 1, 'delivered', 'identity', 1, ?)`).run(at, identity);
}

test('identity and shaping series are read from the database at each scrape', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'petrel-identity-metrics-'));
  const db = openDatabase(join(dir, 'petrel.db'));
  try {
    const store = new IdentityStore(db);
    store.add(buildIdentity({ name: 'utc', from: 'a@example.test', via: 'mta', dailyCap: 10 }), NOW);
    // 10:00 UTC is 19:00 in Tokyo: its day began at 15:00 UTC the day before.
    store.add(buildIdentity({ name: 'tokyo', from: 'b@example.test', via: 'mta', timeZone: 'Asia/Tokyo', warmup: '5,5,40' }), NOW);
    store.add(buildIdentity({ name: 'uncapped', from: 'c@example.test', via: 'mta' }), NOW);
    attempt(db, 'utc', NOW - 11 * HOUR); // yesterday in UTC
    attempt(db, 'utc', NOW - HOUR);
    attempt(db, 'tokyo', NOW - 11 * HOUR); // 08:00 Tokyo time: today
    attempt(db, 'tokyo', NOW - 20 * HOUR); // yesterday in Tokyo
    pauseIdentity(db, 'tokyo', { reason: 'test', by: 'operator', now: NOW });
    const actions = new ShapingActionStore(db);
    const action = { kind: 'suspend' as const, factor: null, rate: null, scope: 'identity:utc', provider: null, identity: 'utc', messageId: null, code: 421, enhanced: '4.7.0', text: 'slow down' };
    actions.add({ ...action, rule: 'gmail-421', startedAt: NOW - 2 * HOUR, endsAt: NOW - HOUR });
    const live = actions.add({ ...action, rule: 'gmail-421', startedAt: NOW - HOUR, endsAt: NOW + HOUR });
    actions.add({ ...action, rule: 'outlook-block', startedAt: NOW - HOUR, endsAt: NOW + HOUR });

    const registry = new Registry();
    watchIdentities(registry, db, () => NOW);
    assert.equal(await value(registry, 'petrel_identity_sent_today', { identity: 'utc' }), 1);
    assert.equal(await value(registry, 'petrel_identity_sent_today', { identity: 'tokyo' }), 1);
    assert.equal(await value(registry, 'petrel_identity_sent_today', { identity: 'uncapped' }), 0);
    assert.equal(await value(registry, 'petrel_identity_cap_today', { identity: 'utc' }), 10);
    assert.equal(await value(registry, 'petrel_identity_cap_today', { identity: 'tokyo' }), 5, 'warm-up day 1');
    assert.equal(await value(registry, 'petrel_identity_cap_today', { identity: 'uncapped' }), undefined, 'absent without a cap');
    assert.equal(await value(registry, 'petrel_identity_paused', { identity: 'tokyo' }), 1);
    assert.equal(await value(registry, 'petrel_identity_paused', { identity: 'utc' }), 0);
    assert.equal(await value(registry, 'petrel_shaping_actions_total', { rule: 'gmail-421' }), 2);
    assert.equal(await value(registry, 'petrel_shaping_actions_in_force', { rule: 'gmail-421' }), 1);
    assert.equal(await value(registry, 'petrel_shaping_actions_in_force', { rule: 'outlook-block' }), 1);

    actions.clear(NOW, { id: live.id });
    store.remove('uncapped');
    assert.equal(await value(registry, 'petrel_shaping_actions_in_force', { rule: 'gmail-421' }), 0);
    assert.equal(await value(registry, 'petrel_shaping_actions_total', { rule: 'gmail-421' }), 2, 'clearing never lowers the total');
    assert.equal(await value(registry, 'petrel_identity_paused', { identity: 'uncapped' }), undefined);
    assert.match(await registry.metrics(), /^# TYPE petrel_shaping_actions_total counter$/m);
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the sends query uses the attempts (identity, at) index', () => {
  const dir = mkdtempSync(join(tmpdir(), 'petrel-identity-metrics-'));
  const db = openDatabase(join(dir, 'petrel.db'));
  try {
    const plan = db.prepare(`EXPLAIN QUERY PLAN ${SENT_SINCE_SQL}`)
      .all(NOW, '{}') as Array<{ detail: string }>;
    assert.ok(plan.some((p) => /USING COVERING INDEX attempts_identity/.test(p.detail)), JSON.stringify(plan));
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
