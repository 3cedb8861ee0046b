import assert from 'node:assert/strict';
import { test } from 'node:test';
import { composeDsn, type DsnRecipient } from './dsn.js';
import { BOUNCED, ORIGINAL_HEADERS, assertWireSafe, dsnInput, parsed, rawParts, statusBlocks, topField } from './dsn-testkit.js';

const field = (block: [string, string][] | undefined, name: string) => block?.find(([n]) => n === name)?.[1];
const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i}-${'abcdefgh'.slice(0, 1 + (i % 8))}`).join(' ');

test('a very long remote reply is folded under 998 octets and unfolds to the same text', async () => {
  const text = words(600); // about 4,500 octets
  const recipient: DsnRecipient = { ...BOUNCED, diagnostic: { code: 550, enhanced: '5.7.1', text, remote: true } };
  const dsn = composeDsn(dsnInput({ recipients: [recipient] }));
  assertWireSafe(dsn.message);
  const raw = rawParts(dsn.message)[1]!.body.toString();
  assert.ok(raw.split('\r\n').filter((l) => /^[ \t]/.test(l)).length > 10, 'folded into continuation lines');
  assert.equal(field(statusBlocks(rawParts(dsn.message)[1]!.body)[1], 'Diagnostic-Code'), `smtp; 550 5.7.1 ${text}`);
  const human = (await parsed(dsn.message)).text!;
  const quoted = human.split('\n').filter((l) => l.startsWith('    ')).map((l) => l.trim());
  assert.equal(quoted.join(' '), `The mail system at mx.example.net said: 550 5.7.1 ${text}`);
});

test('a reply with no whitespace to fold at still keeps every line within 998 octets', () => {
  const text = 'x'.repeat(2500);
  const dsn = composeDsn(dsnInput({ recipients: [{ ...BOUNCED, diagnostic: { code: 554, text, remote: true } }] }));
  assertWireSafe(dsn.message);
  const diag = field(statusBlocks(rawParts(dsn.message)[1]!.body)[1], 'Diagnostic-Code')!;
  assert.equal(diag.replace(/ /g, ''), `smtp;554${text}`);
});

test('peer text cannot add header fields or lines of its own', async () => {
  const text = 'no such user\r\nBcc: victim@example.com\r\n\r\n--boundary\nX-Evil: 1';
  const recipient: DsnRecipient = { ...BOUNCED, remoteMta: 'mx\r\nX-Bad: 1', diagnostic: { code: 550, text, remote: true } };
  const dsn = composeDsn(dsnInput({ recipients: [recipient] }));
  assertWireSafe(dsn.message);
  assert.doesNotMatch(dsn.message.toString(), /^(Bcc|X-Evil|X-Bad):/m);
  const blocks = statusBlocks(rawParts(dsn.message)[1]!.body);
  assert.equal(blocks.length, 2);
  assert.equal(field(blocks[1], 'Diagnostic-Code'), 'smtp; 550 no such user Bcc: victim@example.com --boundary X-Evil: 1');
  assert.equal((await parsed(dsn.message)).parts.length, 2);
});

test('an 8-bit original makes the DSN 8BITMIME with an 8bit message/rfc822 part', async () => {
  const original = Buffer.concat([ORIGINAL_HEADERS, Buffer.from('\r\nGrüße aus Köln\r\n', 'utf8')]);
  const dsn = composeDsn(dsnInput({ original }));
  assertWireSafe(dsn.message, true);
  assert.equal(dsn.bodyType, '8BITMIME');
  assert.equal(dsn.smtputf8, false);
  assert.equal(topField(dsn.message, 'Content-Transfer-Encoding'), '8bit');
  const third = rawParts(dsn.message)[2]!;
  assert.match(third.headers, /Content-Type: message\/rfc822\r\nContent-Transfer-Encoding: 8bit\r\n/);
  assert.deepEqual(third.body, original);
  assert.match((await parsed(dsn.message)).parts[1]!.content, /Grüße aus Köln/);
  // With RET=HDRS the 8-bit body stays behind and the DSN is 7-bit again.
  assert.equal(composeDsn(dsnInput({ original, ret: 'HDRS' })).bodyType, '7BIT');
});

test('non-ASCII peer text keeps a plain DSN 7-bit: quoted-printable text, escaped report', async () => {
  const dsn = composeDsn(dsnInput({ recipients: [{ ...BOUNCED, diagnostic: { code: 550, text: 'Empfänger unbekannt', remote: true } }] }));
  assertWireSafe(dsn.message);
  assert.equal(dsn.bodyType, '7BIT');
  assert.match(rawParts(dsn.message)[0]!.headers, /Content-Transfer-Encoding: quoted-printable/);
  assert.match((await parsed(dsn.message)).text!, /said: 550 Empfänger unbekannt/);
  assert.equal(field(statusBlocks(rawParts(dsn.message)[1]!.body)[1], 'Diagnostic-Code'), 'smtp; 550 Empf\\x{E4}nger unbekannt');
});

test('SMTPUTF8 with a non-ASCII recipient uses the RFC 6533 global types', async () => {
  const original = Buffer.from('From: José <josé@exämple.com>\r\nTo: 用户@例子.测试\r\nSubject: 你好\r\n\r\nHéllo\r\n', 'utf8');
  const recipient: DsnRecipient = { ...BOUNCED, finalRecipient: '用户@例子.测试', originalRecipient: 'utf-8;用户@例子.测试' };
  const dsn = composeDsn(dsnInput({ original, smtputf8: true, originalSender: 'josé@exämple.com', recipients: [recipient] }));
  assertWireSafe(dsn.message, true);
  assert.equal(dsn.bodyType, '8BITMIME');
  assert.equal(dsn.smtputf8, true); // the To: field names a non-ASCII sender
  assert.match(topField(dsn.message, 'Content-Type')!, /report-type=global-delivery-status;/);
  const email = await parsed(dsn.message);
  assert.deepEqual(email.parts.map((p) => p.type), ['message/global-delivery-status', 'message/global']);
  assert.match(email.text!, /<用户@例子\.测试>/);
  const blocks = statusBlocks(rawParts(dsn.message)[1]!.body);
  assert.equal(field(blocks[1], 'Original-Recipient'), 'utf-8; 用户@例子.测试');
  assert.equal(field(blocks[1], 'Final-Recipient'), 'utf-8; 用户@例子.测试');
  assert.deepEqual(rawParts(dsn.message)[2]!.body, original);
  const hdrs = rawParts(composeDsn(dsnInput({ original, smtputf8: true, recipients: [recipient], ret: 'HDRS' })).message)[2]!;
  assert.match(hdrs.headers, /Content-Type: message\/global-headers\r\nContent-Transfer-Encoding: 8bit/);
});

test('SMTPUTF8 with ASCII addresses keeps message/delivery-status; the original goes as message/global', () => {
  const dsn = composeDsn(dsnInput({ smtputf8: true }));
  const parts = rawParts(dsn.message);
  assert.match(parts[1]!.headers, /Content-Type: message\/delivery-status\r\n/);
  assert.match(parts[2]!.headers, /Content-Type: message\/global\r\n/);
  assert.equal(dsn.smtputf8, false);
  assert.equal(dsn.bodyType, '7BIT');
});

test('a non-ASCII address without SMTPUTF8 is escaped into a 7-bit utf-8 address', () => {
  const recipient: DsnRecipient = { ...BOUNCED, finalRecipient: 'jörg+x@exämple.com', originalRecipient: 'rfc822;jörg@exämple.com' };
  const dsn = composeDsn(dsnInput({ recipients: [recipient] }));
  assertWireSafe(dsn.message);
  const block = statusBlocks(rawParts(dsn.message)[1]!.body)[1];
  assert.equal(field(block, 'Final-Recipient'), 'utf-8; j\\x{F6}rg\\x{2B}x@ex\\x{E4}mple.com');
  assert.equal(field(block, 'Original-Recipient'), 'utf-8; j\\x{F6}rg@ex\\x{E4}mple.com');
});

test('several recipients get one block each, in order, and a paragraph each in the text', async () => {
  const recipients: DsnRecipient[] = ['a', 'b', 'c', 'd'].map((u, i) => ({
    ...BOUNCED,
    finalRecipient: `${u}@example.net`,
    originalRecipient: i === 1 ? 'rfc822;B-alias@example.net' : undefined,
    status: `5.1.${i + 1}`,
  }));
  const dsn = composeDsn(dsnInput({ recipients }));
  const blocks = statusBlocks(rawParts(dsn.message)[1]!.body).slice(1);
  assert.deepEqual(blocks.map((b) => field(b, 'Final-Recipient')), recipients.map((r) => `rfc822; ${r.finalRecipient}`));
  assert.deepEqual(blocks.map((b) => field(b, 'Status')), ['5.1.1', '5.1.2', '5.1.3', '5.1.4']);
  assert.deepEqual(blocks.map((b) => field(b, 'Original-Recipient')), [undefined, 'rfc822; B-alias@example.net', undefined, undefined]);
  const text = (await parsed(dsn.message)).text!;
  assert.deepEqual(text.match(/^<[a-d]@example\.net>.*$/gm), [
    '<a@example.net>',
    '<b@example.net> (originally addressed to <B-alias@example.net>)',
    '<c@example.net>',
    '<d@example.net>',
  ]);
});

test('a malformed status falls back to the class of the action; IP peers become address literals', () => {
  const recipients: DsnRecipient[] = [
    { ...BOUNCED, status: 'five', remoteMta: '192.0.2.25' },
    { ...BOUNCED, finalRecipient: 'x@example.net', status: '5.1.1\r\nX: y', remoteMta: '2001:db8::25' },
  ];
  const blocks = statusBlocks(rawParts(composeDsn(dsnInput({ recipients })).message)[1]!.body).slice(1);
  assert.deepEqual(blocks.map((b) => field(b, 'Status')), ['5.0.0', '5.0.0']);
  assert.deepEqual(blocks.map((b) => field(b, 'Remote-MTA')), ['dns; [192.0.2.25]', 'dns; [IPv6:2001:db8::25]']);
});

test('Message-ID is generated on our host name when not given, and unique', () => {
  const idOf = (messageId: string | undefined) => topField(composeDsn(dsnInput({ messageId })).message, 'Message-ID');
  const ids = new Set(Array.from({ length: 50 }, () => idOf(undefined)));
  assert.equal(ids.size, 50);
  for (const id of ids) assert.match(id!, /^<[0-9a-z]+\.[0-9a-f]{16}@mx\.petrel\.test>$/);
  assert.equal(idOf('plain@mx.petrel.test'), '<plain@mx.petrel.test>');
});
