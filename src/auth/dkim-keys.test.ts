import { strict as assert } from 'node:assert';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { makeTempStore, storeErrorCode, type TempStore } from '../store/testkit.js';
import { activateDkimKey, createDkimKey, dkimKeysIn, dnsPublicKey, listDkimKeys, readPrivateKey, sealMissingPrivateKeys, selectorFor } from './dkim-keys.js';

const NOV = Date.UTC(2026, 10, 28);

describe('DKIM keys', () => {
  let store: TempStore;
  beforeEach(() => (store = makeTempStore()));
  afterEach(() => store.cleanup());

  it('names selectors p + YYYYMM + the first free letter', () => {
    assert.equal(selectorFor(new Date(NOV), []), 'p202611a');
    assert.equal(selectorFor(new Date(Date.UTC(2027, 0, 1)), ['p202701a']), 'p202701b');
    const all = Array.from({ length: 26 }, (_, i) => `p202611${String.fromCharCode(97 + i)}`);
    assert.equal(storeErrorCode(() => selectorFor(new Date(NOV), all)), 'exists');
  });

  it('writes an RSA 2048 private key 0600 in 0700 directories and records its p= value', () => {
    const key = createDkimKey(store.db, store.dataDir, 'example.com', 'rsa-sha256', 'active', NOV);
    assert.equal(key.selector, 'p202611a');
    assert.equal(key.keyPath, 'keys/dkim/example.com/p202611a.pem');
    const file = join(store.dataDir, key.keyPath);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    for (const dir of ['keys', 'keys/dkim', 'keys/dkim/example.com']) assert.equal(statSync(join(store.dataDir, dir)).mode & 0o777, 0o700, dir);
    const priv = createPrivateKey(readFileSync(file));
    assert.equal(priv.asymmetricKeyDetails?.modulusLength, 2048);
    assert.equal(dnsPublicKey(createPublicKey(priv), 'rsa-sha256'), key.publicKey);
    assert.deepEqual(listDkimKeys(store.db, 'example.com'), [key]);
    assert.equal(key.activatedAt, NOV);
  });

  it('publishes the raw 32-byte Ed25519 key and gives it its own selector', () => {
    createDkimKey(store.db, store.dataDir, 'example.com', 'rsa-sha256', 'active', NOV);
    const ed = createDkimKey(store.db, store.dataDir, 'example.com', 'ed25519-sha256', 'active', NOV);
    assert.equal(ed.selector, 'p202611b');
    assert.equal(Buffer.from(ed.publicKey, 'base64').length, 32);
    assert.equal(ed.bits, null);
    assert.equal(dkimKeysIn(store.db, 'example.com', ['active']).length, 2);
  });

  it('activating a pending key retires the active key of the same algorithm for 7 days', () => {
    const old = createDkimKey(store.db, store.dataDir, 'example.com', 'rsa-sha256', 'active', NOV);
    const ed = createDkimKey(store.db, store.dataDir, 'example.com', 'ed25519-sha256', 'active', NOV);
    const next = createDkimKey(store.db, store.dataDir, 'example.com', 'rsa-sha256', 'pending', NOV + 1);
    assert.equal(next.activatedAt, null);
    activateDkimKey(store.db, 'example.com', next.selector, NOV + 2);
    const bySelector = new Map(listDkimKeys(store.db, 'example.com').map((k) => [k.selector, k]));
    assert.equal(bySelector.get(old.selector)?.state, 'retired');
    assert.equal(bySelector.get(old.selector)?.retireAt, NOV + 2 + 7 * 86_400_000);
    assert.equal(bySelector.get(ed.selector)?.state, 'active');
    assert.equal(bySelector.get(next.selector)?.state, 'active');
    assert.equal(storeErrorCode(() => activateDkimKey(store.db, 'example.com', next.selector)), 'not-found');
  });

  it('seals the private key in the row; without the file the sealed copy is read', () => {
    const key = createDkimKey(store.db, store.dataDir, 'example.com', 'ed25519-sha256', 'active', NOV);
    const pem = readFileSync(join(store.dataDir, key.keyPath), 'utf8');
    const { private_key } = store.db.prepare('SELECT private_key FROM dkim_keys').get() as { private_key: string };
    assert.match(private_key, /^v1\./);
    assert.ok(!private_key.includes('PRIVATE KEY'));
    rmSync(join(store.dataDir, key.keyPath));
    assert.equal(readPrivateKey(store.db, store.dataDir, key), pem);
    store.db.prepare('UPDATE dkim_keys SET selector = ?').run('moved');
    assert.throws(() => readPrivateKey(store.db, store.dataDir, { ...key, selector: 'moved' }), /no sealed copy/);
  });

  it('seals keys made before the column existed, from their files', () => {
    const key = createDkimKey(store.db, store.dataDir, 'example.com', 'rsa-sha256', 'active', NOV);
    const pem = readFileSync(join(store.dataDir, key.keyPath), 'utf8');
    store.db.prepare('UPDATE dkim_keys SET private_key = NULL').run();
    assert.equal(sealMissingPrivateKeys(store.db, store.dataDir), 1);
    assert.equal(sealMissingPrivateKeys(store.db, store.dataDir), 0);
    rmSync(join(store.dataDir, key.keyPath));
    assert.equal(readPrivateKey(store.db, store.dataDir, key), pem);
  });
});
