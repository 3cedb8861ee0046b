import assert from 'node:assert/strict';
import { test } from 'node:test';
import { foldField, isLineSafe, oneLine, pickBoundary, quotedPrintable, wrap } from './mime-text.js';
import { headerSection, originalMessageId } from './original.js';

const unfold = (s: string) => s.replace(/\r\n(?=[ \t])/g, '');

/** A reference decoder for the checks below (RFC 2045 §6.7). */
function decodeQp(text: string): Buffer {
  const joined = text.replace(/=\r\n/g, '');
  const out: number[] = [];
  for (let i = 0; i < joined.length; i++) {
    if (joined[i] === '=') {
      out.push(parseInt(joined.slice(i + 1, i + 3), 16));
      i += 2;
    } else out.push(joined.charCodeAt(i));
  }
  return Buffer.from(out);
}

test('foldField keeps short fields on one line and folds long ones at whitespace', () => {
  assert.equal(foldField('Subject', 'hello'), 'Subject: hello\r\n');
  const value = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ');
  const folded = foldField('Diagnostic-Code', value);
  assert.ok(folded.endsWith('\r\n'));
  for (const line of folded.slice(0, -2).split('\r\n')) assert.ok(line.length <= 78, line);
  assert.ok(folded.split('\r\n').slice(1, -1).every((l) => /^[ \t]\S/.test(l)), 'continuations start with whitespace');
  assert.equal(unfold(folded), `Diagnostic-Code: ${value}\r\n`);
});

test('foldField cuts a run without whitespace below 998 octets, on character boundaries', () => {
  const run = 'ü'.repeat(1500); // 3000 octets
  const folded = foldField('Diagnostic-Code', `smtp; ${run}`);
  for (const line of folded.split('\r\n')) assert.ok(Buffer.byteLength(line) <= 998);
  assert.equal(unfold(folded).replace(/ /g, '').replace(/\r\n$/, ''), `Diagnostic-Code:smtp;${run}`);
});

test('oneLine turns line breaks and controls into spaces', () => {
  assert.equal(oneLine('550 no\r\nBcc: x\u0000y\tz '), '550 no Bcc: x y\tz');
});

test('wrap fills lines to the width after the indent', () => {
  const lines = wrap('the quick brown fox jumps over the lazy dog '.repeat(5), 40, '    ');
  assert.ok(lines.length > 3);
  for (const line of lines) assert.ok(line.startsWith('    ') && line.length <= 40 && !line.startsWith('     '), line);
});

test('quotedPrintable round-trips text and bytes, with lines of at most 76', () => {
  const samples = [
    'plain ascii',
    'Grüße, 用户 = équipe\r\ntrailing space \r\ntab\t',
    'x'.repeat(300),
    'é'.repeat(100),
  ];
  for (const s of samples) {
    const qp = quotedPrintable(s);
    assert.ok(/^[\x20-\x7e\r\n]*$/.test(qp));
    for (const line of qp.split('\r\n')) assert.ok(line.length <= 76 && !/[ \t]$/.test(line), line);
    assert.equal(decodeQp(qp).toString('utf8'), s);
  }
  const raw = Buffer.from([0x61, 0x0a, 0x00, 0xff, 0x0d, 0x0a, 0x62]);
  assert.deepEqual(decodeQp(quotedPrintable(raw)), raw);
});

test('isLineSafe rejects NUL, bare CR or LF, and lines over 998 octets', () => {
  assert.ok(isLineSafe(Buffer.from('a\r\nb\r\n')));
  assert.ok(isLineSafe(Buffer.from('x'.repeat(998) + '\r\n' + 'y'.repeat(998))));
  assert.ok(!isLineSafe(Buffer.from('x'.repeat(999) + '\r\n')));
  assert.ok(!isLineSafe(Buffer.from('x'.repeat(999))));
  assert.ok(!isLineSafe(Buffer.from('a\nb\r\n')));
  assert.ok(!isLineSafe(Buffer.from('a\rb\r\n')));
  assert.ok(!isLineSafe(Buffer.from('a\0b\r\n')));
});

test('pickBoundary draws again when the candidate occurs in the content', () => {
  const draws = ['aaa', 'bbb', 'ccc'];
  const content = [Buffer.from('text with --=_petrel_aaa in it'), 'and =_petrel_bbb too'];
  assert.equal(pickBoundary(content, () => draws.shift()!), '=_petrel_ccc');
  assert.throws(() => pickBoundary(['=_petrel_x'], () => 'x'), /keeps producing/);
  assert.match(pickBoundary([]), /^=_petrel_[0-9a-f]{24}$/);
});

test('headerSection ends at the first CRLFCRLF and copes with no body or no headers', () => {
  const msg = Buffer.from('A: 1\r\nB: 2\r\n\r\nbody\r\n\r\nmore\r\n');
  assert.equal(headerSection(msg).toString(), 'A: 1\r\nB: 2\r\n');
  assert.equal(headerSection(Buffer.from('A: 1\r\nB: 2\r\n')).toString(), 'A: 1\r\nB: 2\r\n');
  assert.equal(headerSection(Buffer.from('A: 1\r\nB: 2')).toString(), 'A: 1\r\nB: 2\r\n');
  assert.equal(headerSection(Buffer.from('\r\nbody only\r\n')).length, 0);
  assert.equal(headerSection(Buffer.alloc(0)).length, 0);
});

test('originalMessageId finds a folded Message-ID and ignores unusable ones', () => {
  assert.equal(originalMessageId(Buffer.from('Subject: x\r\nMessage-Id:\r\n <a.b@c>\r\n')), '<a.b@c>');
  assert.equal(originalMessageId(Buffer.from('message-id: <x@y> (comment)\r\n')), '<x@y>');
  assert.equal(originalMessageId(Buffer.from('Subject: x\r\n')), undefined);
  assert.equal(originalMessageId(Buffer.from('Message-ID: none\r\n')), undefined);
  assert.equal(originalMessageId(Buffer.from(`Message-ID: <${'a'.repeat(950)}@b>\r\n`)), undefined);
});
