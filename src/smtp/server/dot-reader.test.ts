import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DotReader, type DotStatus } from './dot-reader.js';

interface Outcome {
  body: string; // every chunk, joined, as latin1
  status: DotStatus;
  consumed: number; // of the whole input, across feeds
  size: number;
  tooBig: boolean;
}

/** Feed the pieces until the reader stops; count what it consumed of the whole input. */
function read(pieces: Buffer[], maxBytes = 1 << 20, normalizeBareLf = false): Outcome {
  const r = new DotReader(maxBytes, normalizeBareLf);
  const out: Buffer[] = [];
  let consumed = 0;
  let status: DotStatus = 'more';
  for (const p of pieces) {
    const f = r.feed(p);
    out.push(...f.chunks);
    consumed += f.consumed;
    status = f.status;
    if (status !== 'more') break;
    assert.equal(f.consumed, p.length);
  }
  return { body: Buffer.concat(out).toString('latin1'), status, consumed, size: r.size, tooBig: r.tooBig };
}

const bytes = (s: string) => Buffer.from(s, 'latin1');
const once = (s: string, maxBytes?: number, normalize?: boolean) => read([bytes(s)], maxBytes, normalize);

/**
 * The part of an outcome that must not depend on how the input was split. On bare-cr/bare-lf the
 * message is refused, so only where the reader stopped matters, not what it emitted before.
 */
const essence = (o: Outcome) => (o.status === 'bare-cr' || o.status === 'bare-lf' ? { status: o.status, consumed: o.consumed } : o);

/** Every two-way split and a byte-by-byte feed must give the one-feed outcome. */
function assertSplitInvariant(s: string, maxBytes?: number, normalize?: boolean): void {
  const whole = essence(once(s, maxBytes, normalize));
  const b = bytes(s);
  for (let i = 0; i <= b.length; i++) {
    const split = read([b.subarray(0, i), b.subarray(i)], maxBytes, normalize);
    assert.deepEqual(essence(split), whole, `${JSON.stringify(s)} split at ${i}`);
  }
  const single = read([...b].map((x) => Buffer.from([x])), maxBytes, normalize);
  assert.deepEqual(essence(single), whole, `${JSON.stringify(s)} byte by byte`);
}

// The sequences a smuggling attack uses to fake an end of data (the list).
const FAKE_ENDS = [
  '\n.\n',
  '\r.\r',
  '\r.\n',
  '\n.\r',
  '\n.\r\n',
  '\r\n.\n',
  '\r.\r\n',
  '\r\n.\r',
  '\r\n\0.\r\n',
  '\r\n.\0\r\n',
  '\r\n.\r\r\n',
  '\r\r\n.\r\r\n',
];

const PREFIX = 'Subject: hi\r\n\r\nbody';
const SMUGGLED = 'MAIL FROM:<evil@attacker.test>\r\n';

test('only CRLF.CRLF ends the data', () => {
  const r = once(`${PREFIX}\r\n.\r\n${SMUGGLED}`);
  assert.equal(r.status, 'end');
  assert.equal(r.body, `${PREFIX}\r\n`);
  assert.equal(r.consumed, PREFIX.length + 5);
});

test('no fake end ever ends the data', () => {
  for (const fake of FAKE_ENDS) {
    const input = `${PREFIX}${fake}${SMUGGLED}`;
    const r = once(input);
    assert.notEqual(r.status, 'end', JSON.stringify(fake));
    if (r.status === 'more') {
      assert.equal(r.consumed, input.length, JSON.stringify(fake));
      assert.ok(r.body.includes(fake.replace('\r\n.', '\r\n')), `${JSON.stringify(fake)} -> ${JSON.stringify(r.body)}`);
    } else {
      assert.ok(r.status === 'bare-cr' || r.status === 'bare-lf', JSON.stringify(fake));
    }
  }
});

test('each fake end gets the answer it deserves', () => {
  const expected: Record<string, DotStatus> = {
    '\n.\n': 'bare-lf',
    '\r.\r': 'bare-cr',
    '\r.\n': 'bare-cr',
    '\n.\r': 'bare-lf',
    '\n.\r\n': 'bare-lf',
    '\r\n.\n': 'bare-lf',
    '\r.\r\n': 'bare-cr',
    '\r\n.\r': 'bare-cr', // followed by "M", not LF
    '\r\n\0.\r\n': 'more',
    '\r\n.\0\r\n': 'more',
    '\r\n.\r\r\n': 'bare-cr',
    '\r\r\n.\r\r\n': 'bare-cr',
  };
  for (const fake of FAKE_ENDS) assert.equal(once(`${PREFIX}${fake}${SMUGGLED}`).status, expected[fake], JSON.stringify(fake));
});

test('content that only looks like an end stays content', () => {
  assert.equal(once(`a\r\n\0.\r\nb`).body, 'a\r\n\0.\r\nb');
  assert.equal(once(`a\r\n.\0\r\nb`).body, 'a\r\n\0\r\nb'); // the leading dot of a line is unstuffed
});

test('a fake end at the very start of the body is no end either', () => {
  for (const fake of ['.\n', '.\r', '.\rX', '\n.\r\n', '.\0\r\n']) assert.notEqual(once(`${fake}${SMUGGLED}`).status, 'end', JSON.stringify(fake));
});

test('leading dots are unstuffed', () => {
  assert.equal(once('..x\r\n.\r\n').body, '.x\r\n');
  assert.equal(once('a\r\n..\r\n.\r\n').body, 'a\r\n.\r\n');
  assert.equal(once('...\r\n.\r\n').body, '..\r\n');
  assert.equal(once('.x\r\n.\r\n').body, 'x\r\n');
  assert.equal(once('a.\r\nb..c\r\n.\r\n').body, 'a.\r\nb..c\r\n');
});

test('an empty message is just the end marker', () => {
  const r = once('.\r\nQUIT\r\n');
  assert.deepEqual(r, { body: '', status: 'end', consumed: 3, size: 0, tooBig: false });
});

test('consumed leaves pipelined commands after the terminator', () => {
  const input = 'Subject: x\r\n\r\nhello\r\n.\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<c@d.test>\r\n';
  const r = once(input);
  assert.equal(r.status, 'end');
  assert.equal(input.slice(r.consumed), 'MAIL FROM:<a@b.test>\r\nRCPT TO:<c@d.test>\r\n');
  const reader = new DotReader(1000);
  const first = reader.feed(bytes('hello\r\n'));
  assert.deepEqual([first.status, first.consumed], ['more', 7]);
  const second = reader.feed(bytes('.\r\nQUIT\r\n'));
  assert.deepEqual([second.status, second.consumed], ['end', 3]);
});

test('splitting the input anywhere gives the same outcome (no end marker)', () => {
  for (const s of [
    'Subject: x\r\n\r\n..stuffed\r\nplain\r\n..\r\n',
    'a\r\n.\0\r\nb\r\n\0.\r\n',
    `${PREFIX}\n.\n${SMUGGLED}`,
    `${PREFIX}\r\n.\n${SMUGGLED}`,
    `${PREFIX}\r\r\n.\r\r\n`,
    '.x\r\n..y\r\n.z',
  ]) {
    assertSplitInvariant(s);
  }
});

test('splitting the input anywhere gives the same outcome (with the end marker)', () => {
  for (const s of [
    `${PREFIX}\r\n.\r\n${SMUGGLED}`,
    '.\r\nQUIT\r\n',
    'Subject: x\r\n\r\n..stuffed\r\n..\r\n.\r\nNOOP\r\n',
  ]) {
    assertSplitInvariant(s);
  }
});

test('a feed that ends between ".\\r" and "\\n" of the terminator adds nothing to the body', () => {
  const r = read([bytes('hello\r\n.\r'), bytes('\nQUIT\r\n')]);
  assert.equal(r.status, 'end');
  assert.equal(r.body, 'hello\r\n');
  assert.equal(r.size, 7);
});

test('splitting keeps the outcome when the split avoids the terminator', () => {
  const s = `${PREFIX}\r\n..dot\r\n.\r\n${SMUGGLED}`;
  const whole = once(s);
  const cr = s.indexOf('\r\n.\r\n') + 4; // a first feed ending in the terminator's ".\r"
  const b = bytes(s);
  for (let i = 0; i <= b.length; i++) {
    if (i === cr) continue;
    assert.deepEqual(read([b.subarray(0, i), b.subarray(i)]), whole, `split at ${i}`);
  }
});

test('the size limit: tooBig, output stops, and the end is still found', () => {
  const input = `${'a'.repeat(30)}\r\n${'b'.repeat(30)}\r\n.\r\nQUIT\r\n`;
  const r = once(input, 40);
  assert.equal(r.status, 'end');
  assert.equal(r.tooBig, true);
  assert.equal(r.size, 64);
  assert.ok(r.body.length <= 40, `kept ${r.body.length}`);
  assert.equal(input.slice(r.consumed), 'QUIT\r\n');

  const reader = new DotReader(10);
  assert.equal(reader.feed(bytes('0123456789')).chunks.length, 1);
  assert.equal(reader.tooBig, false);
  const over = reader.feed(bytes('x\r\nmore\r\n'));
  assert.equal(reader.tooBig, true);
  assert.deepEqual(over.chunks, []);
  const end = reader.feed(bytes('and more\r\n.\r\nQUIT\r\n'));
  assert.deepEqual(end.chunks, []);
  assert.equal(end.status, 'end');
  assert.equal(end.consumed, 13);
});

test('a body of exactly the limit is not too big', () => {
  assert.deepEqual(once('abc\r\n.\r\n', 5), { body: 'abc\r\n', status: 'end', consumed: 8, size: 5, tooBig: false });
  assert.equal(once('abcd\r\n.\r\n', 5).tooBig, true);
  assert.equal(once('..c\r\n.\r\n', 4).tooBig, false); // counted after unstuffing
});

test('a bare newline past the size limit is still refused', () => {
  const r = once(`${'a'.repeat(50)}\r\n.\nHELP\r\n.\r\n`, 10);
  assert.equal(r.status, 'bare-lf');
});

test('normalizeBareLf stores a bare LF as CRLF', () => {
  const r = once('Subject: x\n\nline one\nline two\r\n.\r\n', 1000, true);
  assert.equal(r.status, 'end');
  assert.equal(r.body, 'Subject: x\r\n\r\nline one\r\nline two\r\n');
  assert.equal(once('a\n..b\r\n.\r\n', 1000, true).body, 'a\r\n.b\r\n');
});

test('normalizeBareLf still refuses a bare CR', () => {
  for (const fake of ['\r.\r', '\r.\n', '\r.\r\n', '\r\n.\r\r\n', '\r\r\n.\r\r\n']) {
    assert.equal(once(`${PREFIX}${fake}${SMUGGLED}`, 1000, true).status, 'bare-cr', JSON.stringify(fake));
  }
});

test('normalizeBareLf never ends on a bare LF', () => {
  for (const fake of ['\n.\n', '\r\n.\n', '\r\n\0.\r\n', '\r\n.\0\r\n']) {
    const r = once(`${PREFIX}${fake}${SMUGGLED}`, 1000, true);
    assert.equal(r.status, 'more', JSON.stringify(fake));
  }
  assert.equal(once('a\n.\nb', 1000, true).body, 'a\r\n.\r\nb');
});

test('normalizeBareLf does not end on "\\n.\\r\\n"', () => {
  for (const fake of ['\n.\r\n', '\n.\r']) {
    const r = once(`${PREFIX}${fake}${SMUGGLED}`, 1000, true);
    assert.notEqual(r.status, 'end', JSON.stringify(fake));
  }
  assert.notEqual(once(`\n.\r\n${SMUGGLED}`, 1000, true).status, 'end');
});

test('splitting is invariant under normalizeBareLf too', () => {
  for (const s of ['a\nb\n..c\n', 'a\r\n.\nb\n', '\n\n\n']) assertSplitInvariant(s, 1000, true);
});
