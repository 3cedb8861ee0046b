// Splits a byte stream into CRLF-terminated command lines with a byte limit. It never buffers more
// than the limit: an overlong line is skipped to its end and reported; a bare CR or LF is reported.

export type LineEvent =
  | { kind: 'line'; line: Buffer } // without the CRLF
  | { kind: 'too-long' }
  | { kind: 'bare-newline' };

/** Incremental CRLF line splitter. Push bytes in, pull events out with `next()`. */
export class LineReader {
  private buf: Buffer = Buffer.alloc(0);
  private skipping = false; // inside an overlong line, dropping bytes up to its LF

  constructor(private readonly maxLine: number, private readonly normalizeBareLf = false) {}

  push(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
  }

  /** The next complete event, or null when more bytes are needed. */
  next(): LineEvent | null {
    const lf = this.buf.indexOf(0x0a);
    if (this.skipping) return this.skipOverlong(lf);
    if (lf < 0) {
      if (this.buf.length >= this.maxLine) this.startSkipping();
      return null;
    }
    const raw = this.buf.subarray(0, lf);
    this.buf = this.buf.subarray(lf + 1);
    if (lf + 1 > this.maxLine) return { kind: 'too-long' };
    const crlf = raw.length > 0 && raw[raw.length - 1] === 0x0d;
    const line = crlf ? raw.subarray(0, raw.length - 1) : raw;
    if ((!crlf && !this.normalizeBareLf) || line.includes(0x0d)) return { kind: 'bare-newline' };
    return { kind: 'line', line };
  }

  private startSkipping(): void {
    this.skipping = true;
    this.buf = Buffer.alloc(0);
  }

  private skipOverlong(lf: number): LineEvent | null {
    if (lf < 0) {
      this.buf = Buffer.alloc(0);
      return null;
    }
    this.buf = this.buf.subarray(lf + 1);
    this.skipping = false;
    return { kind: 'too-long' };
  }

  /** Hand over the unread bytes (when switching to DATA/BDAT) and empty the reader. */
  take(): Buffer {
    const rest = this.buf;
    this.buf = Buffer.alloc(0);
    return rest;
  }

  /** Bytes received but not yet returned as a line. */
  get pending(): number {
    return this.buf.length;
  }
}
