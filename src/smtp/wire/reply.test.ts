import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeReply, isPermanent, isTransient, parseReply, reply, SmtpError, toReply, type Reply } from './reply.js';

/** The lines of an encoded reply, without their CRLFs. */
const wireLines = (r: Reply): string[] => encodeReply(r).split('\r\n').slice(0, -1);

test('reply() refuses an enhanced code whose class disagrees with the reply code', () => {
  for (const [code, enhanced] of [
    [450, '5.1.1'],
    [550, '4.1.1'],
    [250, '5.0.0'],
    [250, '4.0.0'],
    [421, '2.0.0'],
    [554, '2.6.0'],
  ] as const) {
    assert.throws(() => reply(code, enhanced, 'x'), /disagrees/, `${code} ${enhanced}`);
  }
});

test('reply() accepts agreeing classes and no enhanced code at all', () => {
  assert.deepEqual(reply(250, '2.1.5', 'ok'), { code: 250, enhanced: '2.1.5', lines: ['ok'] });
  assert.equal(reply(451, '4.3.0', 'later').enhanced, '4.3.0');
  assert.equal(reply(550, '5.1.1', 'no').enhanced, '5.1.1');
  assert.equal(reply(354, null, 'go').enhanced, null);
  assert.equal(reply(553, '5.999.999', 'widest').enhanced, '5.999.999');
});

test('reply() refuses malformed codes and enhanced codes', () => {
  for (const code of [0, 199, 600, 250.5, NaN, -250]) assert.throws(() => reply(code, null, 'x'), /bad reply code/, String(code));
  for (const enhanced of ['', '2', '2.0', '2.0.0.0', '3.0.0', '2.1000.0', '2.0.x', ' 2.0.0', '2.0.0 ']) {
    assert.throws(() => reply(250, enhanced, 'x'), /bad enhanced code/, JSON.stringify(enhanced));
  }
});

test('a reply without text still has one line', () => {
  assert.deepEqual(reply(250, null).lines, ['']);
  assert.equal(encodeReply(reply(250, '2.0.0')), '250 2.0.0\r\n');
});

test('multi-line replies mark continuations with "-" and repeat the enhanced code on every line', () => {
  assert.equal(encodeReply(reply(250, '2.0.0', 'a', 'b', 'c')), '250-2.0.0 a\r\n250-2.0.0 b\r\n250 2.0.0 c\r\n');
  assert.equal(encodeReply(reply(250, null, 'mx greets you', 'PIPELINING', 'HELP')), '250-mx greets you\r\n250-PIPELINING\r\n250 HELP\r\n');
  assert.equal(encodeReply(reply(550, '5.7.1', 'one line')), '550 5.7.1 one line\r\n');
});

test('isTransient and isPermanent split 4yz from 5yz', () => {
  assert.equal(isTransient(reply(421, '4.7.0', 'x')), true);
  assert.equal(isPermanent(reply(421, '4.7.0', 'x')), false);
  assert.equal(isTransient(reply(554, '5.0.0', 'x')), false);
  assert.equal(isPermanent(reply(554, '5.0.0', 'x')), true);
  assert.equal(isTransient(reply(250, null, 'x')), false);
  assert.equal(isPermanent(reply(250, null, 'x')), false);
});

test('parseReply round trips encodeReply', () => {
  const replies = [
    reply(220, null, 'mx.example.test ESMTP Petrel'),
    reply(250, null, 'mx greets you', 'PIPELINING', 'SIZE 1000', 'AUTH PLAIN LOGIN', 'HELP'),
    reply(250, '2.1.0', 'Sender OK'),
    reply(250, '2.0.0'),
    reply(250, '2.0.0', 'first', '', 'third'),
    reply(334, null, ''),
    reply(334, null, 'VXNlcm5hbWU6'),
    reply(354, null, 'End data with <CR><LF>.<CR><LF>'),
    reply(421, '4.7.0', 'Too many errors; closing'),
    reply(452, '4.5.3', 'Too many recipients'),
    reply(500, '5.5.1', 'Unknown command'),
    reply(550, '5.7.1', 'Relaying denied', 'see the docs'),
    reply(554, null, 'no enhanced code here'),
    reply(535, '5.7.8', 'text with  two  spaces and trailing space '),
  ];
  for (const r of replies) assert.deepEqual(parseReply(wireLines(r)), r, encodeReply(r));
});

test('parseReply without enhanced codes keeps the text whole', () => {
  const r = reply(250, null, '2.0.0 looks like an enhanced code');
  assert.deepEqual(parseReply(wireLines(r), false), r);
  assert.deepEqual(parseReply(wireLines(r)), { code: 250, enhanced: '2.0.0', lines: ['looks like an enhanced code'] });
});

test('parseReply leaves an enhanced code of the wrong class in the text', () => {
  assert.deepEqual(parseReply(['450 5.1.1 odd']), { code: 450, enhanced: null, lines: ['5.1.1 odd'] });
});

test('parseReply accepts a bare code as the last line', () => {
  assert.deepEqual(parseReply(['250']), { code: 250, enhanced: null, lines: [''] });
});

test('parseReply refuses malformed replies', () => {
  const bad: string[][] = [
    [],
    ['25'],
    ['abc text'],
    ['150 not a final class'],
    ['650 out of range'],
    ['250-a', '251 b'], // codes differ
    ['250 a', '250 b'], // a space before the end
    ['250-a', '250-b'], // no last line
    ['250-only'],
    ['250_x'],
  ];
  for (const lines of bad) assert.throws(() => parseReply(lines), JSON.stringify(lines));
});

test('toReply passes an SmtpError reply through unchanged', () => {
  const r = reply(550, '5.1.1', 'No such user');
  assert.equal(toReply(new SmtpError(r, new Error('db row 17 missing'))), r);
});

test('toReply never leaks an internal error message', () => {
  const secrets = [
    new Error('ENOENT: /var/lib/petrel/secret.db'),
    new TypeError("Cannot read properties of undefined (reading 'password')"),
    'a thrown string with a token abc123',
    { reply: reply(250, '2.0.0', 'forged success') }, // looks like an SmtpError, is not one
    null,
    undefined,
    42,
  ];
  for (const err of secrets) {
    const r = toReply(err);
    assert.equal(r.code, 451, String(err));
    assert.equal(r.enhanced, '4.3.0');
    const text = encodeReply(r);
    for (const word of ['ENOENT', 'secret', 'password', 'abc123', 'forged']) assert.ok(!text.includes(word), text);
  }
});

test('an SmtpError keeps its internal cause out of its message', () => {
  const err = new SmtpError(reply(451, '4.3.0', 'Try later'), new Error('disk full at /srv'));
  assert.equal(err.message, 'Try later');
  assert.equal(err.name, 'SmtpError');
  assert.ok(err instanceof Error);
  assert.equal((err.internal as Error).message, 'disk full at /srv');
});
