import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { bdatChunks, CHUNK_SIZE, type Chunk } from './bdat-chunks.js';

async function collect(pieces: Array<Buffer | string>, size?: number): Promise<Chunk[]> {
  const out: Chunk[] = [];
  for await (const c of bdatChunks(Readable.from(pieces), size)) out.push(c);
  return out;
}

const shape = (chunks: Chunk[]) => chunks.map((c) => `${c.data.length}${c.last ? ' LAST' : ''}`);

test('an empty body is one empty LAST chunk', async () => {
  assert.deepEqual(shape(await collect([])), ['0 LAST']);
});

test('chunks are bounded, the last is marked, and never empty unless the body is', async () => {
  assert.deepEqual(shape(await collect([Buffer.alloc(25)], 10)), ['10', '10', '5 LAST']);
  assert.deepEqual(shape(await collect([Buffer.alloc(20)], 10)), ['10', '10 LAST']);
  assert.deepEqual(shape(await collect([Buffer.alloc(3), Buffer.alloc(3), Buffer.alloc(3), Buffer.alloc(3)], 5)), ['5', '5', '2 LAST']);
  assert.deepEqual(shape(await collect([Buffer.alloc(7)])), ['7 LAST']);
  assert.equal(CHUNK_SIZE, 262144);
});

test('the chunks rejoin to the exact body bytes, CR, LF and NUL included', async () => {
  const body = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 37) % 256));
  const pieces = Array.from({ length: 13 }, (_, i) => body.subarray(i * 77, (i + 1) * 77));
  const chunks = await collect(pieces, 64);
  assert.ok(Buffer.concat(chunks.map((c) => c.data)).equals(body));
  assert.ok(chunks.every((c) => c.data.length <= 64));
});

test('a failing body stream makes the iteration throw', async () => {
  const failing = new Readable({
    read() {
      this.destroy(new Error('disk on fire'));
    },
  });
  await assert.rejects(async () => {
    for await (const _ of bdatChunks(failing)) void _;
  }, /disk on fire/);
});
