// SessionStore: tokens are random and distinct, expire after 12 h, and can be forgotten; the secret
// comparison accepts only the exact string.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sameSecret, SESSION_TTL_MS, SessionStore } from './session.js';

test('a session lives 12 hours, then is gone', () => {
  const store = new SessionStore();
  const { token, session } = store.create('password', 'admin', 1_000);
  assert.match(token, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(session.expiresAt, 1_000 + SESSION_TTL_MS);
  assert.equal(store.get(token, 1_000 + SESSION_TTL_MS - 1)?.scope, 'admin');
  assert.equal(store.get(token, 1_000 + SESSION_TTL_MS), null);
  assert.equal(store.get(token, 0), null, 'an expired session was removed');
});

test('tokens differ; deleting one signs out only that session', () => {
  const store = new SessionStore();
  const a = store.create('k1', 'read');
  const b = store.create('k2', 'admin');
  assert.notEqual(a.token, b.token);
  store.delete(a.token);
  assert.equal(store.get(a.token), null);
  assert.equal(store.get(b.token)?.id, 'k2');
  assert.equal(store.get('unknown'), null);
});

test('sameSecret compares exactly', () => {
  assert.ok(sameSecret('pässword', 'pässword'));
  assert.ok(!sameSecret('password', 'password '));
  assert.ok(!sameSecret('', 'x'));
});
