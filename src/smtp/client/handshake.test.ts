import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reply } from '../wire/reply.js';
import { parseExtensions } from './handshake.js';

test('EHLO keywords are upper-cased with their parameters; the greeting line and blanks are skipped', () => {
  const ext = parseExtensions(reply(250, null, 'mx.test greets you', 'pipelining', 'SIZE 1000', 'AUTH PLAIN  LOGIN', '', '8BITMIME'));
  assert.deepEqual([...ext], [
    ['PIPELINING', []],
    ['SIZE', ['1000']],
    ['AUTH', ['PLAIN', 'LOGIN']],
    ['8BITMIME', []],
  ]);
});

test('the old "AUTH=" form merges into AUTH', () => {
  const ext = parseExtensions(reply(250, null, 'mx', 'AUTH LOGIN', 'AUTH=PLAIN CRAM-MD5'));
  assert.deepEqual(ext.get('AUTH'), ['LOGIN', 'PLAIN', 'CRAM-MD5']);
});
