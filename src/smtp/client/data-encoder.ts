// The DATA body encoder (RFC 5321 §4.5.2): dot-stuffs, turns every lone CR or LF into CRLF, ends the
// body with CRLF and appends ".\r\n". It never emits a bare CR or LF; it cannot fail on any input.
import { Transform, type TransformCallback } from 'node:stream';

const CR = 0x0d;
const LF = 0x0a;
const DOT = 0x2e;
const END = Buffer.from('.\r\n');
const CRLF_END = Buffer.from('\r\n.\r\n');

/**
 * A streaming Transform; a CRLF or a leading "." may be split across chunks.
 * @example pipeline(message.body(), new DataEncoder(), socketWriter)
 */
export class DataEncoder extends Transform {
  private lineStart = true; // the next byte starts a line
  private pendingCr = false; // a CR seen, its LF (or lack of one) not yet

  override _transform(chunk: Buffer | string, enc: BufferEncoding, done: TransformCallback): void {
    done(null, this.encode(typeof chunk === 'string' ? Buffer.from(chunk, enc) : chunk));
  }

  override _flush(done: TransformCallback): void {
    done(null, this.lineStart && !this.pendingCr ? END : CRLF_END);
  }

  /** Each input byte yields at most two output bytes, plus two for a CR carried in from the last chunk. */
  encode(chunk: Buffer): Buffer {
    const out = Buffer.allocUnsafe(chunk.length * 2 + 2);
    let n = 0;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (this.pendingCr) {
        this.pendingCr = false;
        out[n++] = CR;
        out[n++] = LF;
        this.lineStart = true;
        if (b === LF) continue; // CRLF: the pair is done; otherwise the CR was lone and b starts a line
      }
      if (b === CR) {
        this.pendingCr = true;
      } else if (b === LF) {
        out[n++] = CR;
        out[n++] = LF;
        this.lineStart = true;
      } else {
        if (this.lineStart && b === DOT) out[n++] = DOT;
        out[n++] = b;
        this.lineStart = false;
      }
    }
    return out.subarray(0, n);
  }
}
