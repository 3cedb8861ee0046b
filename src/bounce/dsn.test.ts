import assert from 'node:assert/strict';
import { test } from 'node:test';
import { composeDsn, type DsnRecipient } from './dsn.js';
import {
  ARRIVAL, BOUNCED, NOW, ORIGINAL, ORIGINAL_HEADERS, assertWireSafe, boundaryOf, dsnInput, parsed, rawParts, statusBlocks, topField,
} from './dsn-testkit.js';

const crlf = (s: string) => s.replace(/\r\n/g, '\n');
const DELAYED: DsnRecipient = {
  finalRecipient: 'carol@example.org',
  action: 'delayed',
  status: '4.4.1',
  remoteMta: 'mx.example.org',
  diagnostic: { code: 421, enhanced: '4.4.1', text: 'Try again later', remote: true },
  lastAttemptAt: NOW,
  willRetryUntil: ARRIVAL + 5 * 86_400_000,
};

test('a failure DSN parses as multipart/report with the text, the report and the whole original', async () => {
  const dsn = composeDsn(dsnInput());
  assertWireSafe(dsn.message);
  assert.equal(dsn.bodyType, '7BIT');
  assert.equal(dsn.smtputf8, false);
  assert.equal(dsn.subject, 'Undelivered Mail Returned to Sender');
  const email = await parsed(dsn.message);
  assert.deepEqual(email.from, { name: 'Mail Delivery System', address: 'MAILER-DAEMON@mx.petrel.test' });
  assert.deepEqual(email.to, [{ name: '', address: 'alice@example.com' }]);
  assert.equal(email.subject, 'Undelivered Mail Returned to Sender');
  assert.equal(email.messageId, '<dsn.1@mx.petrel.test>');
  assert.equal(email.date, new Date(NOW).toISOString());
  assert.equal(email.inReplyTo, '<q4.report@example.com>');
  assert.equal(email.references, '<q4.report@example.com>');
  assert.equal(topField(dsn.message, 'Auto-Submitted'), 'auto-replied');
  assert.equal(topField(dsn.message, 'MIME-Version'), '1.0');
  assert.match(topField(dsn.message, 'Content-Type')!, /^multipart\/report; report-type=delivery-status; boundary="/);
  assert.match(email.text!, /^This is the mail system at mx\.petrel\.test\./);
  assert.match(email.text!, /<bob@example\.net>\n {4}The mail system at mx\.example\.net said: 550 5\.1\.1 User unknown\n/);
  assert.match(email.text!, /Your original message is attached\./);
  assert.deepEqual(email.parts.map((p) => p.type), ['message/delivery-status', 'message/rfc822']);
  assert.ok(email.parts[1]!.content.startsWith(crlf(ORIGINAL.toString())));
});

test('the parts are delimited exactly: the returned original is byte for byte the stored one', () => {
  const parts = rawParts(composeDsn(dsnInput()).message);
  assert.equal(parts.length, 3);
  assert.equal(
    parts[0]!.headers,
    'Content-Description: Notification\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n',
  );
  assert.match(parts[1]!.headers, /Content-Type: message\/delivery-status\r\nContent-Transfer-Encoding: 7bit\r\n$/);
  assert.match(parts[2]!.headers, /Content-Type: message\/rfc822\r\nContent-Transfer-Encoding: 7bit\r\n$/);
  assert.deepEqual(parts[2]!.body, ORIGINAL);
});

test('the delivery-status fields come in RFC 3464 order with their values', () => {
  const orcpt = { ...BOUNCED, originalRecipient: 'rfc822;Bob@Example.NET' };
  const dsn = composeDsn(dsnInput({ envid: 'QQ314159', recipients: [orcpt] }));
  assert.equal(
    rawParts(dsn.message)[1]!.body.toString(),
    'Original-Envelope-Id: QQ314159\r\n' +
      'Reporting-MTA: dns; mx.petrel.test\r\n' +
      'Arrival-Date: Sat, 28 Nov 2026 17:21:41 +0000\r\n' +
      '\r\n' +
      'Original-Recipient: rfc822; Bob@Example.NET\r\n' +
      'Final-Recipient: rfc822; bob@example.net\r\n' +
      'Action: failed\r\n' +
      'Status: 5.1.1\r\n' +
      'Remote-MTA: dns; mx.example.net\r\n' +
      'Diagnostic-Code: smtp; 550 5.1.1 User unknown\r\n' +
      'Last-Attempt-Date: Sat, 28 Nov 2026 18:21:41 +0000\r\n',
  );
});

test('without ENVID or ORCPT those fields are left out; our own reasons are X-Petrel diagnostics', () => {
  const own: DsnRecipient = {
    finalRecipient: 'dave@nowhere.example',
    action: 'failed',
    status: '5.4.4',
    diagnostic: { code: 550, enhanced: '5.4.4', text: 'Host or domain name not found', remote: false },
  };
  const dsn = composeDsn(dsnInput({ recipients: [own] }));
  const [perMessage, recipient] = statusBlocks(rawParts(dsn.message)[1]!.body);
  assert.deepEqual(perMessage!.map(([n]) => n), ['Reporting-MTA', 'Arrival-Date']);
  assert.deepEqual(recipient, [
    ['Final-Recipient', 'rfc822; dave@nowhere.example'],
    ['Action', 'failed'],
    ['Status', '5.4.4'],
    ['Diagnostic-Code', 'X-Petrel; Host or domain name not found'],
  ]);
  assert.match(rawParts(dsn.message)[0]!.body.toString(), /\r\n {4}Reason: Host or domain name not found\r\n/);
});

test('a delay DSN says until when we retry and returns only the header', async () => {
  const dsn = composeDsn(dsnInput({ recipients: [DELAYED], ret: 'FULL' }));
  assertWireSafe(dsn.message);
  assert.equal(dsn.subject, 'Delayed Mail (still being retried)');
  const email = await parsed(dsn.message);
  assert.equal(email.subject, 'Delayed Mail (still being retried)');
  assert.equal(email.inReplyTo, '<q4.report@example.com>');
  assert.match(email.text!, /The mail system will keep trying until Thu, 3 Dec 2026 17:21:41 \+0000\./);
  assert.match(email.text!, /said: 421 4\.4\.1 Try again later/);
  assert.deepEqual(email.parts.map((p) => p.type), ['message/delivery-status', 'text/rfc822-headers']);
  const blocks = statusBlocks(rawParts(dsn.message)[1]!.body);
  assert.deepEqual(blocks[1]!.slice(-3), [
    ['Diagnostic-Code', 'smtp; 421 4.4.1 Try again later'],
    ['Last-Attempt-Date', 'Sat, 28 Nov 2026 18:21:41 +0000'],
    ['Will-Retry-Until', 'Thu, 3 Dec 2026 17:21:41 +0000'],
  ]);
  assert.deepEqual(rawParts(dsn.message)[2]!.body, ORIGINAL_HEADERS);
});

test('success reports (delivered, relayed) carry headers only and no In-Reply-To', async () => {
  const delivered: DsnRecipient = { finalRecipient: 'bob@example.net', action: 'delivered', status: '2.0.0', remoteMta: 'mx.example.net' };
  const relayed: DsnRecipient = { finalRecipient: 'erin@example.net', action: 'relayed', status: '2.0.0', remoteMta: 'mx.example.net' };
  const dsn = composeDsn(dsnInput({ recipients: [delivered, relayed], ret: 'FULL' }));
  assertWireSafe(dsn.message);
  assert.equal(dsn.subject, 'Successful Mail Delivery Report');
  const email = await parsed(dsn.message);
  assert.equal(email.inReplyTo, undefined);
  assert.equal(email.references, undefined);
  assert.match(email.text!, /<bob@example\.net>\n {4}Delivered to mx\.example\.net\./);
  assert.match(email.text!, /<erin@example\.net>\n {4}Passed on to mx\.example\.net, which does not send delivery/);
  assert.deepEqual(email.parts.map((p) => p.type), ['message/delivery-status', 'text/rfc822-headers']);
  const actions = statusBlocks(rawParts(dsn.message)[1]!.body).slice(1).map((b) => b.find(([n]) => n === 'Action')?.[1]);
  assert.deepEqual(actions, ['delivered', 'relayed']);
});

test('RET=HDRS returns the header section; RET=FULL and no RET return the whole message', () => {
  const hdrs = rawParts(composeDsn(dsnInput({ ret: 'HDRS' })).message)[2]!;
  assert.match(hdrs.headers, /Content-Type: text\/rfc822-headers\r\n/);
  assert.deepEqual(hdrs.body, ORIGINAL_HEADERS);
  const text = rawParts(composeDsn(dsnInput({ ret: 'HDRS' })).message)[0]!.body.toString();
  assert.match(text, /The header of your original message is attached\./);
  for (const ret of ['FULL', undefined] as const) {
    const full = rawParts(composeDsn(dsnInput({ ret })).message)[2]!;
    assert.match(full.headers, /Content-Type: message\/rfc822\r\n/);
    assert.deepEqual(full.body, ORIGINAL);
  }
});

test('an original over maxOriginalBytes is returned as headers only', () => {
  const at = rawParts(composeDsn(dsnInput({ maxOriginalBytes: ORIGINAL.length })).message)[2]!;
  assert.match(at.headers, /message\/rfc822/);
  const over = rawParts(composeDsn(dsnInput({ maxOriginalBytes: ORIGINAL.length - 1 })).message)[2]!;
  assert.match(over.headers, /text\/rfc822-headers/);
  assert.deepEqual(over.body, ORIGINAL_HEADERS);
  const huge = Buffer.concat([ORIGINAL, Buffer.from(`${'x'.repeat(998)}\r\n`.repeat(11_000))]); // > 10 MiB default
  const dflt = rawParts(composeDsn(dsnInput({ original: huge })).message)[2]!;
  assert.deepEqual(dflt.body, ORIGINAL_HEADERS);
});

test('an original that cannot travel unencoded (BINARYMIME, long lines) is returned as headers only', () => {
  for (const body of ['bare\nLF\r\n', 'y'.repeat(1200) + '\r\n', 'nul\0\r\n']) {
    const original = Buffer.concat([ORIGINAL_HEADERS, Buffer.from('\r\n' + body)]);
    const dsn = composeDsn(dsnInput({ original }));
    assertWireSafe(dsn.message);
    assert.deepEqual(rawParts(dsn.message)[2]!.body, ORIGINAL_HEADERS);
  }
});

test('a message with no body, and one with no header, are handled', async () => {
  const noBody = Buffer.from('Subject: only headers\r\nMessage-ID: <nb@example.com>\r\n');
  const a = composeDsn(dsnInput({ original: noBody, ret: 'HDRS' }));
  assert.deepEqual(rawParts(a.message)[2]!.body, noBody);
  assert.equal((await parsed(a.message)).inReplyTo, '<nb@example.com>');
  const noHeader = Buffer.from('\r\njust a body\r\n');
  const b = composeDsn(dsnInput({ original: noHeader, ret: 'HDRS' }));
  assertWireSafe(b.message);
  assert.equal(rawParts(b.message)[2]!.body.length, 0);
  assert.equal(topField(b.message, 'In-Reply-To'), undefined);
});

test('a boundary found nowhere in the content', () => {
  for (let i = 0; i < 20; i++) {
    const original = Buffer.from(`Subject: boundary test\r\n\r\n--=_petrel_${i}\r\n=_petrel_\r\n`);
    const message = composeDsn(dsnInput({ original })).message;
    const boundary = boundaryOf(message);
    for (const part of rawParts(message)) {
      assert.ok(!part.headers.includes(boundary) && !part.body.includes(boundary));
    }
  }
});

test('recipients of different kinds, or none, are a programming error', () => {
  assert.throws(() => composeDsn(dsnInput({ recipients: [] })), RangeError);
  assert.throws(() => composeDsn(dsnInput({ recipients: [BOUNCED, DELAYED] })), RangeError);
});
