import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { hashPassword, verifyPasswordHash } from './password.js';
import { loadOrCreateSecretKey, readSecretKey, seal, unseal } from './seal.js';

const dir = mkdtempSync(join(tmpdir(), 'petrel-seal-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('seal', () => {
  const key = loadOrCreateSecretKey(join(dir, 'keys', 'secret.key'));

  it('creates the key once and then reuses it', () => {
    assert.equal(key.length, 32);
    assert.deepEqual(loadOrCreateSecretKey(join(dir, 'keys', 'secret.key')), key);
    assert.equal(readSecretKey(join(dir, 'absent.key')), null);
  });

  it('refuses a damaged key file', () => {
    writeFileSync(join(dir, 'short.key'), 'short');
    assert.throws(() => readSecretKey(join(dir, 'short.key')), /damaged/);
  });

  it('round-trips and binds the value to its context', () => {
    const sealed = seal(key, 'pässword', 'alice');
    assert.equal(unseal(key, sealed, 'alice'), 'pässword');
    assert.equal(unseal(key, sealed, 'bob'), null);
    assert.notEqual(seal(key, 'pässword', 'alice'), sealed); // fresh IV each time
  });

  it('returns null for tampered or malformed input', () => {
    const [version, iv, tag, body] = seal(key, 'secret', 'alice').split('.');
    const flipped = Buffer.from(body!, 'base64url');
    flipped[0]! ^= 1;
    assert.equal(unseal(key, [version, iv, tag, flipped.toString('base64url')].join('.'), 'alice'), null);
    assert.equal(unseal(key, [version, iv, tag!.slice(0, 8), body].join('.'), 'alice'), null);
    for (const bad of ['', 'v1', 'v2.a.b.c', 'v1.a.b.c.d', 'v1.!.!.!']) assert.equal(unseal(key, bad, 'alice'), null);
  });
});

describe('password hashes', () => {
  it('verify the right password only, with a fresh salt each time', async () => {
    const hash = await hashPassword('secret');
    assert.equal(await verifyPasswordHash('secret', hash), true);
    assert.equal(await verifyPasswordHash('Secret', hash), false);
    assert.notEqual(await hashPassword('secret'), hash);
  });

  it('treat malformed or absurd hashes as mismatches', async () => {
    assert.equal(await verifyPasswordHash('x', ''), false);
    assert.equal(await verifyPasswordHash('x', '$scrypt$N=3,r=8,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA'), false);
    assert.equal(await verifyPasswordHash('x', '$scrypt$N=1073741824,r=8,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA'), false);
  });
});
