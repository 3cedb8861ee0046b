import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BdatReader } from './bdat-reader.js';

/** Every byte value, CR, LF, NUL and a fake DATA terminator included. */
const BINARY = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), Buffer.from('\r\n.\r\n\0\r\r\n\n')]);

test('a chunk of the exact size is read whole and the rest is left', () => {
  const r = new BdatReader(5);
  const f = r.feed(Buffer.from('helloQUIT\r\n'));
  assert.equal(f.chunk.toString(), 'hello');
  assert.equal(f.done, true);
  assert.equal(f.consumed, 5);
  assert.equal(r.done, true);
});

test('a chunk split across feeds', () => {
  const r = new BdatReader(10);
  const a = r.feed(Buffer.from('abcd'));
  assert.deepEqual([a.chunk.toString(), a.done, a.consumed, r.done], ['abcd', false, 4, false]);
  const b = r.feed(Buffer.from(''));
  assert.deepEqual([b.chunk.length, b.done, b.consumed], [0, false, 0]);
  const c = r.feed(Buffer.from('efghijBDAT 1 LAST\r\n'));
  assert.deepEqual([c.chunk.toString(), c.done, c.consumed], ['efghij', true, 6]);
});

test('a chunk of size zero is done at once', () => {
  const r = new BdatReader(0);
  assert.equal(r.done, true);
  const f = r.feed(Buffer.from('QUIT\r\n'));
  assert.deepEqual([f.chunk.length, f.done, f.consumed], [0, true, 0]);
});

test('binary bytes, CR, LF and NUL pass through untouched at every split', () => {
  for (let i = 0; i <= BINARY.length; i++) {
    const r = new BdatReader(BINARY.length);
    const input = Buffer.concat([BINARY, Buffer.from('NOOP\r\n')]);
    const a = r.feed(input.subarray(0, i));
    const b = r.feed(input.subarray(i));
    assert.ok(Buffer.concat([a.chunk, b.chunk]).equals(BINARY), `split at ${i}`);
    assert.equal(a.consumed + b.consumed, BINARY.length);
    assert.equal(b.done, true);
    assert.equal(input.subarray(i + b.consumed).toString(), 'NOOP\r\n');
  }
});

test('byte by byte, the chunk ends exactly at its size', () => {
  const r = new BdatReader(3);
  const done = [...Buffer.from('xyzw')].map((b) => r.feed(Buffer.from([b])));
  assert.deepEqual(done.map((f) => [f.consumed, f.done]), [[1, false], [1, false], [1, true], [0, true]]);
});

test('a done reader takes nothing more', () => {
  const r = new BdatReader(2);
  r.feed(Buffer.from('ab'));
  const f = r.feed(Buffer.from('cd'));
  assert.deepEqual([f.chunk.length, f.consumed, f.done], [0, 0, true]);
});
