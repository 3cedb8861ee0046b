// SessionStore: tokens are random and distinct, stored only as hashes, expire after 12 h, survive a
// reopened database, can be forgotten, and the oldest go beyond the maximum; the secret comparison
// accepts only the exact string.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { openDatabase } from '../store/db.js';
import { makeTempStore, type TempStore } from '../store/testkit.js';
import { sameSecret, SESSION_TTL_MS, SessionStore } from './session.js';

let store: TempStore;
beforeEach(() => (store = makeTempStore()));
afterEach(() => store.cleanup());

test('a session lives 12 hours, then is gone', () => {
  const sessions = new SessionStore(store.db);
  const { token, session } = sessions.create('password', 'admin', 1_000);
  assert.match(token, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(session.expiresAt, 1_000 + SESSION_TTL_MS);
  assert.equal(sessions.get(token, 1_000 + SESSION_TTL_MS - 1)?.scope, 'admin');
  assert.equal(sessions.get(token, 1_000 + SESSION_TTL_MS), null);
  assert.equal(sessions.get(token, 0), null, 'an expired session was removed');
});

test('only the SHA-256 of the token is stored, and a reopened database still knows it', () => {
  const { token } = new SessionStore(store.db).create('k1', 'read', 5_000);
  const rows = store.db.prepare('SELECT * FROM dashboard_sessions').all() as Array<Record<string, unknown>>;
  assert.deepEqual(rows, [{
    token_hash: createHash('sha256').update(token).digest('hex'), subject: 'k1', scope: 'read',
    created_at: 5_000, expires_at: 5_000 + SESSION_TTL_MS,
  }]);
  assert.ok(!JSON.stringify(rows).includes(token));
  const again = openDatabase(join(store.dataDir, 'petrel.db'));
  try {
    assert.deepEqual(new SessionStore(again).get(token, 6_000), { id: 'k1', scope: 'read', expiresAt: 5_000 + SESSION_TTL_MS });
  } finally {
    again.close();
  }
});

test('tokens differ; deleting one signs out only that session', () => {
  const sessions = new SessionStore(store.db);
  const a = sessions.create('k1', 'read');
  const b = sessions.create('k2', 'admin');
  assert.notEqual(a.token, b.token);
  sessions.delete(a.token);
  assert.equal(sessions.get(a.token), null);
  assert.equal(sessions.get(b.token)?.id, 'k2');
  assert.equal(sessions.get('unknown'), null);
});

test('beyond the maximum the oldest sessions go first; expired ones go at the next sign-in', () => {
  const sessions = new SessionStore(store.db, 3);
  const tokens = [1, 2, 3, 4, 5].map((at) => sessions.create(`k${at}`, 'read', at).token);
  assert.deepEqual(tokens.map((t) => sessions.get(t, 10)?.id ?? null), [null, null, 'k3', 'k4', 'k5']);
  sessions.create('late', 'admin', 5 + SESSION_TTL_MS);
  const left = store.db.prepare('SELECT subject FROM dashboard_sessions').all() as Array<{ subject: string }>;
  assert.deepEqual(left.map((r) => r.subject), ['late']);
});

test('sameSecret compares exactly', () => {
  assert.ok(sameSecret('pässword', 'pässword'));
  assert.ok(!sameSecret('password', 'password '));
  assert.ok(!sameSecret('', 'x'));
});
