// Ending holds from outside the gate: clearing an action releases exactly the mail of the identities
// it held (by identity or by source scope), removing an identity releases its own; unknown ids are null.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ShapingActionStore, type NewShapingAction } from '../pacing/actions.js';
import { openDatabase, type Db } from '../store/db.js';
import { buildIdentity } from './create.js';
import { clearShapingAction, removeIdentity } from './release.js';
import { IdentityStore } from './store.js';

const NOW = 1_800_000_000_000;
const LATER = NOW + 3_600_000;

function waiting(db: Db, identity: string, idx: number): void {
  db.prepare(`INSERT OR IGNORE INTO messages (id, direction, state, received_at, sender, size, envelope) VALUES ('m1', 'outbound', 'queued', 0, '', 0, '{}')`).run();
  db.prepare(`INSERT INTO recipients (message_id, idx, address, state, next_attempt_at, wait_identity) VALUES ('m1', ?, 'a@b.test', 'throttled', ?, ?)`).run(idx, LATER, identity);
}

const dueNow = (db: Db, identity: string) =>
  db.prepare('SELECT count(*) FROM recipients WHERE wait_identity = ? AND next_attempt_at = ?').pluck().get(identity, NOW) as number;

function action(scope: string): NewShapingAction {
  return { rule: 'r', kind: 'suspend', factor: null, rate: null, scope, provider: null, startedAt: NOW - 1000, endsAt: LATER, identity: null, messageId: null, code: null, enhanced: null, text: null };
}

test('clearing an action releases the mail of the identities it held; removing an identity releases its own', () => {
  const dir = mkdtempSync(join(tmpdir(), 'petrel-release-'));
  const db = openDatabase(join(dir, 'petrel.db'));
  try {
    const store = new IdentityStore(db);
    store.add(buildIdentity({ name: 'r1', from: 'r1@example.test', via: 'relay', relayHost: 'smtp.example.test' }), NOW);
    store.add(buildIdentity({ name: 'm1', from: 'm1@example.test', via: 'mta', source: '192.0.2.1' }), NOW);
    store.add(buildIdentity({ name: 'm2', from: 'm2@example.test', via: 'mta', source: '192.0.2.1' }), NOW);
    waiting(db, 'r1', 0);
    waiting(db, 'm1', 1);
    waiting(db, 'm2', 2);
    const actions = new ShapingActionStore(db);
    const relayAction = actions.add(action('source:relay:r1'));
    const ipAction = actions.add(action('source:ip:192.0.2.1'));

    assert.equal(clearShapingAction(db, relayAction.id, NOW), 1);
    assert.equal(dueNow(db, 'r1'), 1);
    assert.equal(dueNow(db, 'm1'), 0);
    assert.equal(clearShapingAction(db, relayAction.id, NOW), null, 'no longer in force');
    assert.equal(clearShapingAction(db, ipAction.id, NOW), 2, 'both identities on that source');
    assert.equal(clearShapingAction(db, 999, NOW), null);

    db.prepare('UPDATE recipients SET next_attempt_at = ?').run(LATER);
    assert.equal(removeIdentity(db, 'm2', NOW), 1);
    assert.equal(dueNow(db, 'm2'), 1);
    assert.equal(store.get('m2'), null);
    assert.equal(removeIdentity(db, 'm2', NOW), null);
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
