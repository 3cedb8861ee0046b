import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { test } from 'node:test';
import { DataEncoder } from './data-encoder.js';

/** The obvious string version: every CRLF, lone CR or lone LF is one line end. */
function reference(body: string): string {
  let s = body.replace(/\r\n|\r|\n/g, '\r\n');
  if (s !== '' && !s.endsWith('\r\n')) s += '\r\n';
  return s.replace(/^\./gm, '..') + '.\r\n';
}

/** Feed pieces through one encoder synchronously, with its flush. */
function encode(pieces: Buffer[]): string {
  const e = new DataEncoder();
  const out = pieces.map((p) => e.encode(p));
  let tail: Buffer = Buffer.alloc(0);
  e._flush((_err, data) => (tail = data as Buffer));
  return Buffer.concat([...out, tail]).toString('latin1');
}

const bytes = (s: string) => Buffer.from(s, 'latin1');

function assertNoBareNewline(s: string, label: string): void {
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\r') assert.equal(s[i + 1], '\n', `bare CR at ${i} in ${label}`);
    if (s[i] === '\n') assert.equal(s[i - 1], '\r', `bare LF at ${i} in ${label}`);
  }
}

/** Whole, every two-way split and byte by byte all give the reference output. */
function check(body: string): void {
  const want = reference(body);
  const b = bytes(body);
  assert.equal(encode([b]), want, JSON.stringify(body));
  for (let i = 0; i <= b.length; i++) assert.equal(encode([b.subarray(0, i), b.subarray(i)]), want, `${JSON.stringify(body)} split at ${i}`);
  assert.equal(encode([...b].map((x) => Buffer.from([x]))), want, `${JSON.stringify(body)} byte by byte`);
  assertNoBareNewline(want, JSON.stringify(body));
}

test('dot-stuffing, line ends and the terminator', () => {
  assert.equal(encode([bytes('a\r\nb\r\n')]), 'a\r\nb\r\n.\r\n');
  assert.equal(encode([bytes('.\r\n')]), '..\r\n.\r\n');
  assert.equal(encode([bytes('..x\r\n.y\r\nz.\r\n')]), '...x\r\n..y\r\nz.\r\n.\r\n');
  assert.equal(encode([bytes('no final newline')]), 'no final newline\r\n.\r\n');
  assert.equal(encode([bytes('')]), '.\r\n');
  assert.equal(encode([]), '.\r\n');
});

test('lone CR and lone LF become CRLF, never a bare one', () => {
  assert.equal(encode([bytes('a\nb\rc\r\n')]), 'a\r\nb\r\nc\r\n.\r\n');
  assert.equal(encode([bytes('a\r\r\nb')]), 'a\r\n\r\nb\r\n.\r\n');
  assert.equal(encode([bytes('a\n\rb')]), 'a\r\n\r\nb\r\n.\r\n');
  assert.equal(encode([bytes('ends in CR\r')]), 'ends in CR\r\n.\r\n');
  assert.equal(encode([bytes('\n.\n')]), '\r\n..\r\n.\r\n');
  assert.equal(encode([bytes('\r.\r')]), '\r\n..\r\n.\r\n');
});

test('split at every byte, including ".\\r\\n" and the smuggling sequences', () => {
  for (const body of [
    'Subject: x\r\n\r\n.\r\n..\r\n.a\r\n',
    'a\r\n.\r\nb',
    '\n.\n',
    '\r.\r',
    '\r\n.\n',
    '\n.\r\n',
    '\r.\r\n',
    'x\r\r\r\n\n\n.',
    '.',
    '\r',
    '\n',
    'line\r\n.\r\n.\r\n',
  ]) {
    check(body);
  }
});

test('every short string over CR, LF, "." and "a", split everywhere, matches the reference', () => {
  const alphabet = ['\r', '\n', '.', 'a'];
  const all = (n: number): string[] => (n === 0 ? [''] : all(n - 1).flatMap((s) => alphabet.map((c) => s + c)));
  for (let n = 0; n <= 6; n++) for (const body of all(n)) check(body);
});

test('as a stream: binary-safe for 8-bit bytes and big chunks', async () => {
  const line = Buffer.from('\u00e9t\u00e9 \u2603\r\n', 'utf8');
  const body = Buffer.concat([Buffer.from('.start\n'), ...Array.from({ length: 20_000 }, () => line), Buffer.from('.end')]);
  const out: Buffer[] = [];
  const chunks = Array.from({ length: Math.ceil(body.length / 4099) }, (_, i) => body.subarray(i * 4099, (i + 1) * 4099));
  await pipeline(Readable.from(chunks), new DataEncoder(), async (src: AsyncIterable<Buffer>) => {
    for await (const c of src) out.push(c);
  });
  const want = Buffer.concat([Buffer.from('..start\r\n'), ...Array.from({ length: 20_000 }, () => line), Buffer.from('..end\r\n.\r\n')]);
  assert.ok(Buffer.concat(out).equals(want));
});

test('random bodies in random chunks encode exactly like the reference', () => {
  let seed = 7;
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
  const alphabet = ['a', 'b', '.', '\r', '\n', '\r\n', '\r\n.', 'xyz'];
  for (let round = 0; round < 500; round++) {
    const body = Array.from({ length: rand(60) }, () => alphabet[rand(alphabet.length)]).join('');
    const bytes = Buffer.from(body, 'latin1');
    const pieces: Buffer[] = [];
    for (let i = 0; i < bytes.length; ) {
      const n = 1 + rand(9);
      pieces.push(bytes.subarray(i, i + n));
      i += n;
    }
    assert.equal(encode(pieces), reference(body), JSON.stringify(body));
  }
});
