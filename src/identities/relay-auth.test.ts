// Cached relay credentials follow the sealed secret: a password changed by `identity set` is used by
// the running server's next session, without a restart.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openDatabase } from '../store/db.js';
import { buildIdentity } from './create.js';
import { RelayCredentials } from './relay-auth.js';
import { IdentityStore } from './store.js';

test('a new relay password replaces the cached credentials; an unchanged identity keeps them', () => {
  const dir = mkdtempSync(join(tmpdir(), 'petrel-relay-auth-'));
  const db = openDatabase(join(dir, 'petrel.db'));
  try {
    const store = new IdentityStore(db, randomBytes(32));
    const input = { name: 'ana', from: 'ana@out.test', via: 'relay' as const, relayHost: '127.0.0.1', relayPassword: 'first' };
    store.add(buildIdentity(input), 1_000);
    const credentials = new RelayCredentials(store);
    const first = credentials.authOf(store.get('ana')!);
    assert.equal(first?.password, 'first');
    assert.equal(credentials.authOf(store.get('ana')!), first, 'cached while nothing changed');
    store.update('ana', buildIdentity({ ...input, relayPassword: 'second' }), 2_000, { password: 'second' });
    assert.equal(credentials.authOf(store.get('ana')!)?.password, 'second');
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
