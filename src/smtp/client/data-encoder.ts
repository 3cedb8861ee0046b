// The DATA body encoder (RFC 5321 §4.5.2): dot-stuffs, turns every lone CR or LF into CRLF, ends the
// body with CRLF and appends ".\r\n". It never emits a bare CR or LF; it cannot fail on any input.
import { Transform, type TransformCallback } from 'node:stream';

const CR = 0x0d;
const LF = 0x0a;
const DOT = 0x2e;
const END = Buffer.from('.\r\n');
const CRLF_END = Buffer.from('\r\n.\r\n');
const CRLF = Buffer.from('\r\n');
const DOT_BUF = Buffer.from('.');

/**
 * A streaming Transform; a CRLF or a leading "." may be split across chunks.
 * @example pipeline(message.body(), new DataEncoder(), socketWriter)
 */
export class DataEncoder extends Transform {
  private lineStart = true; // the next byte starts a line
  private pendingCr = false; // a CR seen, its LF (or lack of one) not yet
  private changed = false; // this chunk's output differs from the chunk

  override _transform(chunk: Buffer | string, enc: BufferEncoding, done: TransformCallback): void {
    done(null, this.encode(typeof chunk === 'string' ? Buffer.from(chunk, enc) : chunk));
  }

  override _flush(done: TransformCallback): void {
    done(null, this.tail());
  }

  /** What ends the data: ".\r\n", after a CRLF when the body did not end with one. */
  tail(): Buffer {
    return this.lineStart && !this.pendingCr ? END : CRLF_END;
  }

  /**
   * Well-formed lines (text ending in CRLF, no other CR or LF) pass through as slices of the chunk,
   * found with native searches; anything irregular goes through the byte-by-byte path.
   */
  encode(chunk: Buffer): Buffer {
    const parts: Buffer[] = [];
    let i = 0;
    if (this.pendingCr && chunk.length > 0) {
      this.pendingCr = false;
      parts.push(CRLF);
      this.changed = true;
      this.lineStart = true;
      if (chunk[0] === LF) i = 1;
    }
    while (i < chunk.length) {
      const lf = chunk.indexOf(LF, i);
      const cr = chunk.indexOf(CR, i);
      if (lf > i && cr === lf - 1) {
        this.clean(parts, chunk.subarray(i, lf + 1), true);
        i = lf + 1;
      } else if (lf < 0 && (cr < 0 || cr === chunk.length - 1)) {
        this.clean(parts, chunk.subarray(i, cr < 0 ? chunk.length : cr), false);
        if (cr >= 0) this.pendingCr = this.changed = true;
        i = chunk.length;
      } else {
        const end = lf < 0 ? chunk.length : lf + 1;
        parts.push(this.bytewise(chunk.subarray(i, end)));
        this.changed = true;
        i = end;
      }
    }
    // Nothing inserted, dropped or held back: the parts are the chunk itself, so no copy.
    if (!this.changed) return chunk;
    this.changed = false;
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  /** A run with no lone CR or LF: stuff a leading dot; `endsLine` when it ends with CRLF. */
  private clean(parts: Buffer[], run: Buffer, endsLine: boolean): void {
    if (run.length === 0) return;
    if (this.lineStart && run[0] === DOT) {
      parts.push(DOT_BUF);
      this.changed = true;
    }
    parts.push(run);
    this.lineStart = endsLine;
  }

  /** Each input byte yields at most two output bytes, plus two for a CR carried in from the last chunk. */
  private bytewise(chunk: Buffer): Buffer {
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
