// The label mappings: providers from MX hosts, sending domains folded to "other", recipient outcomes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { outcomeOf, providerOf, senderLabel } from './labels.js';

test('providers come from the MX host name, anything unknown is "other"', () => {
  assert.equal(providerOf('mx', 'gmail-smtp-in.l.google.com'), 'gmail');
  assert.equal(providerOf('mx', 'ALT1.ASPMX.L.GOOGLE.COM.'), 'gmail');
  assert.equal(providerOf('mx', 'example-com.mail.protection.outlook.com'), 'outlook');
  assert.equal(providerOf('mx', 'mx-biz.mail.am0.yahoodns.net'), 'yahoo');
  assert.equal(providerOf('mx', 'mx01.mail.icloud.com'), 'icloud');
  assert.equal(providerOf('mx', 'mx.example.net'), 'other');
  assert.equal(providerOf('mx', 'google.com.evil.test'), 'other', 'a suffix, not a substring');
  assert.equal(providerOf('mx', 'notgoogle.com'), 'other', 'a whole label, not part of one');
  assert.equal(providerOf('smarthost', undefined), 'other');
  assert.equal(providerOf('local', undefined), 'local');
});

test('sending domains keep their name; others fold to "other"; the null sender is "<>"', () => {
  const sending = new Set(['example.test']);
  const isSending = (d: string) => sending.has(d);
  assert.equal(senderLabel('alice@Example.TEST', isSending), 'example.test');
  assert.equal(senderLabel('mallory@spam.test', isSending), 'other');
  assert.equal(senderLabel('', isSending), '<>');
  assert.equal(senderLabel('weird@', isSending), 'other');
});

test('recipient states map to four outcomes', () => {
  assert.deepEqual(['delivered', 'relayed', 'bounced', 'expired', 'deferred', 'queued'].map(outcomeOf),
    ['delivered', 'delivered', 'bounced', 'expired', 'deferred', 'deferred']);
});
