// Cuts a message body into BDAT chunks (RFC 3030) of a bounded size, byte-exact, marking the last;
// an empty body is one empty LAST chunk. A failing body stream makes the iteration throw.
import type { Readable } from 'node:stream';

/** 256 KiB: few round-trips without pipelining, little memory held per connection. */
export const CHUNK_SIZE = 256 * 1024;

/** One BDAT chunk: its bytes, and whether it is sent as `BDAT n LAST`. */
export interface Chunk {
  data: Buffer;
  last: boolean;
}

/**
 * Full chunks of `size` bytes as soon as they are known not to be the last, then the rest as LAST.
 * @example for await (const { data, last } of bdatChunks(message.body())) ...
 */
export async function* bdatChunks(body: AsyncIterable<Buffer | string> | Readable, size = CHUNK_SIZE): AsyncGenerator<Chunk> {
  let held: Buffer[] = [];
  let heldBytes = 0;
  for await (const piece of body as AsyncIterable<Buffer | string>) {
    const buf = typeof piece === 'string' ? Buffer.from(piece, 'utf8') : piece;
    held.push(buf);
    heldBytes += buf.length;
    // Keep at least one byte back, so the final chunk is never empty unless the body is.
    if (heldBytes <= size) continue;
    let all = Buffer.concat(held, heldBytes);
    for (; all.length > size; all = all.subarray(size)) yield { data: all.subarray(0, size), last: false };
    held = [all];
    heldBytes = all.length;
  }
  yield { data: Buffer.concat(held, heldBytes), last: true };
}
