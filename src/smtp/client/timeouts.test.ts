import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closedText, DEFAULT_TIMEOUTS, resolveTimeouts, timeoutText } from './timeouts.js';

test('the defaults follow RFC 5321 §4.5.3.2 and Postfix', () => {
  assert.equal(DEFAULT_TIMEOUTS.connect, 30_000);
  assert.equal(DEFAULT_TIMEOUTS.rcpt, 300_000);
  assert.equal(DEFAULT_TIMEOUTS.data, 120_000);
  assert.equal(DEFAULT_TIMEOUTS['data-block'], 180_000);
  assert.equal(DEFAULT_TIMEOUTS['data-end'], 600_000);
  assert.equal(DEFAULT_TIMEOUTS.rset, 20_000);
});

test('overrides replace single phases; nonsense values are ignored', () => {
  const t = resolveTimeouts({ rcpt: 5, mail: 0, data: -1, quit: Number.NaN });
  assert.equal(t.rcpt, 5);
  assert.equal(t.mail, DEFAULT_TIMEOUTS.mail);
  assert.equal(t.data, DEFAULT_TIMEOUTS.data);
  assert.equal(t.quit, DEFAULT_TIMEOUTS.quit);
});

test('diagnostics name the phase', () => {
  assert.equal(timeoutText('rcpt', 300_000), 'timeout after 300 s waiting for the RCPT reply');
  assert.equal(timeoutText('data-end', 250), 'timeout after 0.25 s waiting for the reply to the end of data');
  assert.equal(closedText('mail'), 'connection closed by the peer while waiting for the MAIL reply');
  assert.equal(closedText('greeting', 'ECONNRESET'), 'connection closed by the peer while waiting for the greeting (ECONNRESET)');
});
