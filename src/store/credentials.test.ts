import { strict as assert } from 'node:assert';
import { createHmac } from 'node:crypto';
import { statSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { configSchema } from '../config/schema.js';
import { makeCredentials, StoreAuthenticator } from './credentials.js';
import { secretKeyPath } from './paths.js';
import { makeTempStore, type TempStore } from './testkit.js';
import { addUser } from './users.js';

const CHALLENGE = '<1896.697170952@postoffice.example.net>';
const cramDigest = (secret: string, challenge = CHALLENGE) => createHmac('md5', secret).update(challenge).digest('hex');

function authConfig(overrides: Record<string, unknown> = {}) {
  const auth = configSchema.parse({ auth: overrides }).auth;
  return { ...auth, tokens: auth.tokens.map((t) => ({ ...t, token: t.token ?? 'resolved-' + t.tokenEnv })) };
}

describe('StoreAuthenticator', () => {
  let store: TempStore;
  let auth: StoreAuthenticator;
  before(async () => {
    store = makeTempStore();
    const opts = { dataDir: store.dataDir, cramMd5: true };
    addUser(store.db, { name: 'alice@example.com', credentials: await makeCredentials('alice@example.com', 'correct horse', opts) });
    addUser(store.db, { name: 'bob', credentials: await makeCredentials('bob', 'b0b', { ...opts, cramMd5: false }) });
    auth = new StoreAuthenticator(store.db, store.dataDir, authConfig({ tokens: [{ user: 'Alice@Example.com', token: 't0ken' }] }));
  });
  after(() => store.cleanup());

  it('verifies passwords and returns the canonical user name', async () => {
    assert.deepEqual(await auth.verifyPassword('Alice@Example.COM', 'correct horse'), { ok: true, user: 'alice@example.com' });
    assert.deepEqual(await auth.verifyPassword('alice@example.com', 'wrong'), { ok: false });
    assert.deepEqual(await auth.verifyPassword('nobody', 'correct horse'), { ok: false });
    assert.deepEqual(await auth.verifyPassword('not a name', 'x'), { ok: false });
  });

  it('stores passwords as scrypt strings, never in clear', () => {
    const row = store.db.prepare('SELECT password_hash, cram_secret FROM users WHERE name = ?').get('alice@example.com') as {
      password_hash: string;
      cram_secret: string;
    };
    assert.match(row.password_hash, /^\$scrypt\$N=16384,r=8,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/);
    assert.ok(!row.cram_secret.includes('correct horse'));
  });

  it('keeps the sealing key private', () => {
    const file = secretKeyPath({ dataDir: store.dataDir });
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(`${store.dataDir}/keys`).mode & 0o777, 0o700);
  });

  it('verifies CRAM-MD5 digests from the sealed copy', async () => {
    assert.equal(auth.cramMd5Enabled, true);
    assert.deepEqual(await auth.verifyCramMd5('alice@example.com', CHALLENGE, cramDigest('correct horse')), {
      ok: true,
      user: 'alice@example.com',
    });
    assert.deepEqual(await auth.verifyCramMd5('alice@example.com', CHALLENGE, cramDigest('wrong')), { ok: false });
    assert.deepEqual(await auth.verifyCramMd5('alice@example.com', CHALLENGE, 'not hex'), { ok: false });
    // bob was added with cramMd5 off, so there is nothing to check against.
    assert.deepEqual(await auth.verifyCramMd5('bob', CHALLENGE, cramDigest('b0b')), { ok: false });
    assert.deepEqual(await auth.verifyCramMd5('nobody', CHALLENGE, cramDigest('x')), { ok: false });
  });

  it('refuses CRAM-MD5 entirely when it is switched off', async () => {
    const off = new StoreAuthenticator(store.db, store.dataDir, authConfig({ cramMd5: false }));
    assert.equal(off.cramMd5Enabled, false);
    assert.deepEqual(await off.verifyCramMd5('alice@example.com', CHALLENGE, cramDigest('correct horse')), { ok: false });
    const notOffered = new StoreAuthenticator(store.db, store.dataDir, authConfig({ mechanisms: ['PLAIN'] }));
    assert.equal(notOffered.cramMd5Enabled, false);
  });

  it('verifies static bearer tokens for their user only', async () => {
    assert.deepEqual(await auth.verifyToken('alice@example.com', 't0ken'), { ok: true, user: 'alice@example.com' });
    assert.deepEqual(await auth.verifyToken('ALICE@example.com', 't0ken'), { ok: true, user: 'alice@example.com' });
    assert.deepEqual(await auth.verifyToken('bob', 't0ken'), { ok: false });
    assert.deepEqual(await auth.verifyToken('alice@example.com', 't0ke'), { ok: false });
    assert.deepEqual(await auth.verifyToken('alice@example.com', ''), { ok: false });
  });
});
