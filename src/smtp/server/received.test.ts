import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Envelope } from './ports.js';
import { receivedHeader, rfc5322Date, withProtocol } from './received.js';

const TLS = { protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384' };
const WHEN = Date.UTC(2026, 10, 28, 17, 21, 41);

function envelope(over: Partial<Envelope> = {}): Envelope {
  return {
    sender: 'alice@example.test',
    recipients: [{ address: 'bob@example.test' }],
    body: '7BIT',
    smtputf8: false,
    authUser: null,
    client: { address: '192.0.2.7', port: 40000, helo: 'client.example.test' },
    tls: null,
    role: 'mx',
    listener: '0.0.0.0:25',
    receivedAt: WHEN,
    ...over,
  };
}

test('rfc5322Date is RFC 5322 date-time in UTC', () => {
  assert.equal(rfc5322Date(WHEN), 'Sat, 28 Nov 2026 17:21:41 +0000');
  assert.equal(rfc5322Date(0), 'Thu, 1 Jan 1970 00:00:00 +0000');
  assert.equal(rfc5322Date(Date.UTC(2031, 1, 9, 4, 5, 6, 999)), 'Sun, 9 Feb 2031 04:05:06 +0000');
  assert.equal(rfc5322Date(Date.UTC(2024, 1, 29, 23, 59, 59)), 'Thu, 29 Feb 2024 23:59:59 +0000');
  const pattern = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d \+0000$/;
  for (let ms = 0; ms < 4e12; ms += 37_000_000_003) assert.match(rfc5322Date(ms), pattern);
});

test('the protocol name follows RFC 3848 and RFC 6531', () => {
  assert.equal(withProtocol(envelope(), false), 'SMTP');
  assert.equal(withProtocol(envelope({ tls: TLS, authUser: 'alice' }), false), 'SMTP');
  assert.equal(withProtocol(envelope(), true), 'ESMTP');
  assert.equal(withProtocol(envelope({ tls: TLS }), true), 'ESMTPS');
  assert.equal(withProtocol(envelope({ authUser: 'alice' }), true), 'ESMTPA');
  assert.equal(withProtocol(envelope({ tls: TLS, authUser: 'alice' }), true), 'ESMTPSA');
  assert.equal(withProtocol(envelope({ smtputf8: true }), true), 'UTF8SMTP');
  assert.equal(withProtocol(envelope({ smtputf8: true, tls: TLS }), true), 'UTF8SMTPS');
  assert.equal(withProtocol(envelope({ smtputf8: true, tls: TLS, authUser: 'alice' }), true), 'UTF8SMTPSA');
});

test('the Received header: from, by, with, id, TLS, for and the date, folded with CRLF TAB', () => {
  const h = receivedHeader(envelope({ tls: TLS }), 'Q123', 'mx.example.test', true);
  assert.equal(
    h,
    'Received: from client.example.test ([192.0.2.7])\r\n' +
      '\tby mx.example.test (Petrel) with ESMTPS id Q123\r\n' +
      '\t(version=TLSv1.3 cipher=TLS_AES_256_GCM_SHA384)\r\n' +
      '\tfor <bob@example.test>;\r\n' +
      '\tSat, 28 Nov 2026 17:21:41 +0000\r\n',
  );
});

test('the recipient is named only when there is exactly one', () => {
  const two = receivedHeader(envelope({ recipients: [{ address: 'a@x.test' }, { address: 'b@x.test' }] }), 'Q1', 'mx', true);
  assert.ok(!two.includes('for <'));
  assert.equal(two, 'Received: from client.example.test ([192.0.2.7])\r\n\tby mx (Petrel) with ESMTP id Q1;\r\n\tSat, 28 Nov 2026 17:21:41 +0000\r\n');
  const none = receivedHeader(envelope({ recipients: [] }), 'Q1', 'mx', true);
  assert.ok(!none.includes('for'));
});

test('the ESMTPSA form on submission', () => {
  const h = receivedHeader(envelope({ tls: TLS, authUser: 'alice', role: 'submission' }), 'Q9', 'mx', true);
  assert.match(h, /with ESMTPSA id Q9\r\n/);
});

test('the UTF8SMTPS form and a UTF-8 recipient', () => {
  const h = receivedHeader(envelope({ smtputf8: true, tls: TLS, recipients: [{ address: 'jörg@example.test' }] }), 'Q2', 'mx', true);
  assert.match(h, /with UTF8SMTPS id Q2\r\n/);
  assert.match(h, /\tfor <jörg@example\.test>;\r\n/);
});

test('a hostile HELO name cannot break out of the comment or the header', () => {
  const h = receivedHeader(envelope({ client: { address: '192.0.2.7', port: 1, helo: 'evil) (by\\x' } }), 'Q1', 'mx', true);
  assert.ok(h.startsWith('Received: from evil byx ([192.0.2.7])\r\n'), h);
  for (const line of h.split('\r\n').slice(1, -1)) assert.ok(line.startsWith('\t'), JSON.stringify(line));
  assert.ok(h.endsWith('\r\n'));
});
