// Tests for the Authentication-Results rewrite: ours on top, forged ones claiming our id removed.
// Pure functions; no I/O.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { claimsAuthserv, replaceAuthResults, splitFields } from './auth-results.js';

const OURS = 'Authentication-Results: mx.petrel.test;\r\n spf=pass smtp.mailfrom=a@b.test\r\n';

test('splitFields keeps folded lines with their field and loses no byte', () => {
  const header = Buffer.from('A: 1\r\n\tcont\r\nB: 2\r\n');
  const fields = splitFields(header);
  assert.deepEqual(fields.map(String), ['A: 1\r\n\tcont\r\n', 'B: 2\r\n']);
  assert.equal(Buffer.concat(fields).toString(), header.toString());
});

test('a forged field with our authserv-id (any case, folded, after a comment) is removed', () => {
  const header = Buffer.from(
    'Received: from x\r\n' +
      'Authentication-Results: MX.Petrel.Test; dkim=pass\r\n' +
      'authentication-results : (forged) mx.petrel.test;\r\n dmarc=pass\r\n' +
      'Subject: hi\r\n',
  );
  const out = replaceAuthResults(header, OURS, 'mx.petrel.test').toString();
  assert.equal(out, OURS + 'Received: from x\r\nSubject: hi\r\n');
});

test('fields of another authserv-id are kept', () => {
  const header = Buffer.from('Authentication-Results: mx.other.test; dkim=pass\r\nAuthentication-Results: mx.petrel.test.evil; spf=pass\r\n');
  assert.equal(replaceAuthResults(header, OURS, 'mx.petrel.test').toString(), OURS + header.toString());
});

test('claimsAuthserv ignores other fields that merely mention our id', () => {
  assert.equal(claimsAuthserv(Buffer.from('X-Authentication-Results: mx.petrel.test; spf=pass\r\n'), 'mx.petrel.test'), false);
  assert.equal(claimsAuthserv(Buffer.from('Subject: mx.petrel.test\r\n'), 'mx.petrel.test'), false);
});
