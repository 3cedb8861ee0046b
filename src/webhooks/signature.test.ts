import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { generateSecret, signatureHeader, verifySignature } from './signature.js';

const SECRET = 'whsec_test';
const BODY = '{"events":[{"id":1}]}';

test('the header is t=<seconds>,v1=<hex HMAC-SHA256 of "t.body">', () => {
  const header = signatureHeader(SECRET, BODY, 1_700_000_000);
  const mac = createHmac('sha256', SECRET).update(`1700000000.${BODY}`).digest('hex');
  assert.equal(header, `t=1700000000,v1=${mac}`);
});

test('a signature verifies within the tolerance and not outside it', () => {
  const header = signatureHeader(SECRET, BODY, 1000);
  assert.ok(verifySignature(SECRET, header, BODY, 1000));
  assert.ok(verifySignature(SECRET, header, BODY, 1300));
  assert.ok(!verifySignature(SECRET, header, BODY, 1301), 'too old');
  assert.ok(!verifySignature(SECRET, header, BODY, 699), 'too far in the future');
});

test('another secret, body or timestamp fails; unknown schemes are ignored', () => {
  const header = signatureHeader(SECRET, BODY, 1000);
  assert.ok(!verifySignature('whsec_other', header, BODY, 1000));
  assert.ok(!verifySignature(SECRET, header, BODY.replace('1', '2'), 1000));
  assert.ok(!verifySignature(SECRET, header.replace('t=1000', 't=1001'), BODY, 1001));
  assert.ok(!verifySignature(SECRET, 'garbage', BODY, 1000));
  assert.ok(!verifySignature(SECRET, 't=1000', BODY, 1000));
  assert.ok(verifySignature(SECRET, `${header},v2=abc`, BODY, 1000));
});

test('secrets are whsec_ and 32 random bytes in base64url', () => {
  const a = generateSecret();
  assert.match(a, /^whsec_[A-Za-z0-9_-]{43}$/);
  assert.equal(Buffer.from(a.slice(6), 'base64url').length, 32);
  assert.notEqual(a, generateSecret());
});
