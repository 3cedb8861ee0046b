import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LineReader } from './line-reader.js';

/** Events as strings: the line text, or "!too-long" / "!bare-newline". */
function drain(r: LineReader, out: string[]): void {
  for (let ev = r.next(); ev !== null; ev = r.next()) out.push(ev.kind === 'line' ? ev.line.toString('latin1') : `!${ev.kind}`);
}

/** Feed the pieces one at a time, draining after each; also check the reader's holding stays bounded. */
function events(pieces: Buffer[], maxLine: number, normalizeBareLf = false): string[] {
  const r = new LineReader(maxLine, normalizeBareLf);
  const out: string[] = [];
  for (const p of pieces) {
    r.push(p);
    drain(r, out);
    assert.ok(r.pending <= maxLine, `holding ${r.pending} > ${maxLine}`);
  }
  return out;
}

/** All two-way splits, and byte-by-byte, give the same events as one feed. */
function sameAtEverySplit(input: string, maxLine: number, normalizeBareLf = false): string[] {
  const bytes = Buffer.from(input, 'latin1');
  const whole = events([bytes], maxLine, normalizeBareLf);
  for (let i = 0; i <= bytes.length; i++) {
    assert.deepEqual(events([bytes.subarray(0, i), bytes.subarray(i)], maxLine, normalizeBareLf), whole, `split at ${i}`);
  }
  const single = [...bytes].map((b) => Buffer.from([b]));
  assert.deepEqual(events(single, maxLine, normalizeBareLf), whole, 'byte by byte');
  return whole;
}

test('CRLF lines come out without their CRLF', () => {
  const got = sameAtEverySplit('EHLO a.test\r\nMAIL FROM:<a@b.test>\r\n\r\nQUIT\r\n', 100);
  assert.deepEqual(got, ['EHLO a.test', 'MAIL FROM:<a@b.test>', '', 'QUIT']);
});

test('an incomplete line waits for its CRLF', () => {
  const r = new LineReader(100);
  r.push(Buffer.from('NOOP\r'));
  assert.equal(r.next(), null);
  assert.equal(r.pending, 5);
  r.push(Buffer.from('\n'));
  assert.deepEqual(r.next(), { kind: 'line', line: Buffer.from('NOOP') });
  assert.equal(r.next(), null);
  assert.equal(r.pending, 0);
});

test('the limit counts the CRLF: a line of exactly the limit passes, one byte more does not', () => {
  assert.deepEqual(sameAtEverySplit(`${'a'.repeat(8)}\r\nok\r\n`, 10), ['a'.repeat(8), 'ok']);
  assert.deepEqual(sameAtEverySplit(`${'a'.repeat(9)}\r\nok\r\n`, 10), ['!too-long', 'ok']);
});

test('a too-long line yields one too-long and the next line is intact', () => {
  assert.deepEqual(sameAtEverySplit(`${'x'.repeat(35)}\r\nNOOP\r\n`, 10), ['!too-long', 'NOOP']);
  assert.deepEqual(sameAtEverySplit(`${'x'.repeat(35)}\nNOOP\r\n`, 10), ['!too-long', 'NOOP']);
  assert.deepEqual(sameAtEverySplit(`A\r\n${'x'.repeat(12)}\r\n${'y'.repeat(20)}\r\nB\r\n`, 10), ['A', '!too-long', '!too-long', 'B']);
});

test('a huge line is never held beyond the limit', () => {
  const r = new LineReader(64);
  const out: string[] = [];
  for (let i = 0; i < 1000; i++) {
    r.push(Buffer.alloc(1000, 0x61));
    drain(r, out);
    assert.ok(r.pending <= 64, `holding ${r.pending}`);
  }
  r.push(Buffer.from('\r\nQUIT\r\n'));
  drain(r, out);
  assert.deepEqual(out, ['!too-long', 'QUIT']);
});

test('bare LF and bare CR inside a line are reported', () => {
  assert.deepEqual(sameAtEverySplit('NOOP\nQUIT\r\n', 100), ['!bare-newline', 'QUIT']);
  assert.deepEqual(sameAtEverySplit('NO\rOP\r\nQUIT\r\n', 100), ['!bare-newline', 'QUIT']);
  assert.deepEqual(sameAtEverySplit('NOOP\r\r\nQUIT\r\n', 100), ['!bare-newline', 'QUIT']);
  assert.deepEqual(sameAtEverySplit('\n\r\n', 100), ['!bare-newline', '']);
  assert.deepEqual(sameAtEverySplit('\r\r\n', 100), ['!bare-newline']);
});

test('normalizeBareLf accepts LF line ends but still reports a bare CR', () => {
  assert.deepEqual(sameAtEverySplit('EHLO a.test\nNOOP\r\n\n', 100, true), ['EHLO a.test', 'NOOP', '']);
  assert.deepEqual(sameAtEverySplit('NO\rOP\nQUIT\n', 100, true), ['!bare-newline', 'QUIT']);
  assert.deepEqual(sameAtEverySplit(`${'a'.repeat(9)}\nb\n`, 10, true), ['a'.repeat(9), 'b']);
});

test('binary and UTF-8 bytes pass through as bytes', () => {
  const r = new LineReader(100);
  r.push(Buffer.from([0x00, 0xff, 0xc3, 0xa9, 0x0d, 0x0a]));
  assert.deepEqual(r.next(), { kind: 'line', line: Buffer.from([0x00, 0xff, 0xc3, 0xa9]) });
});

test('take() hands over the unread bytes and empties the reader', () => {
  const r = new LineReader(100);
  r.push(Buffer.from('DATA\r\nSubject: x\r\n\r\nbody\r\n.\r\nQUIT'));
  assert.deepEqual(r.next(), { kind: 'line', line: Buffer.from('DATA') });
  assert.equal(r.take().toString(), 'Subject: x\r\n\r\nbody\r\n.\r\nQUIT');
  assert.equal(r.pending, 0);
  assert.equal(r.next(), null);
  assert.equal(r.take().length, 0);
  r.push(Buffer.from('NOOP\r\n'));
  assert.deepEqual(r.next(), { kind: 'line', line: Buffer.from('NOOP') });
});
