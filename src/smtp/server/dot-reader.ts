// Reads a DATA body up to the one true end, <CRLF>.<CRLF>, unstuffing leading dots (RFC 5321 §4.5.2).
// A bare CR or LF is an error, never an end: this is the SMTP smuggling defence (CVE-2023-51764 class).

/** Where the reader stopped in this feed. */
export type DotStatus = 'more' | 'end' | 'bare-cr' | 'bare-lf';

export interface DotFeed {
  chunks: Buffer[]; // unstuffed body bytes (CRLF line ends), empty once the size limit is passed
  status: DotStatus;
  consumed: number; // bytes of the input used; the rest belongs to the next command
}

const enum S {
  LineStart, // after CRLF (and at the start of the body)
  SoftLineStart, // after a bare LF stored as CRLF: a leading dot is unstuffed but can never start the end
  SoftDot, // "." at such a line start
  Dot, // "." at line start
  DotCr, // ".\r" at line start
  Text, // inside a line
  Cr, // "\r" inside a line
}

const CRLF = Buffer.from('\r\n');
const DOT_CRLF = Buffer.from('.\r\n');
const DOT = Buffer.from('.');

/**
 * Byte-level state machine over DATA. With `normalizeBareLf`, a bare LF inside the body is stored as
 * CRLF (for broken submitting applications), but it still never ends the data.
 */
export class DotReader {
  private state = S.LineStart;
  private bytes = 0;

  constructor(private readonly maxBytes: number, private readonly normalizeBareLf = false) {}

  /** Body bytes seen so far (after unstuffing), including any past the limit. */
  get size(): number {
    return this.bytes;
  }

  get tooBig(): boolean {
    return this.bytes > this.maxBytes;
  }

  feed(input: Buffer): DotFeed {
    const out = new Output(this);
    for (let i = 0; i < input.length; i++) {
      const status = this.step(input[i]!, input, i, out);
      if (status !== 'more') return { chunks: out.finish(input, i, status), status, consumed: i + 1 };
    }
    return { chunks: out.finish(input, input.length, 'more'), status: 'more', consumed: input.length };
  }

  /** One byte. `out` tracks the run of input bytes copied verbatim. */
  private step(c: number, input: Buffer, i: number, out: Output): DotStatus {
    switch (this.state) {
      case S.LineStart:
        if (c === 0x2e) return out.drop(input, i, S.Dot); // the stuffing dot, or the end marker
        return this.text(c, input, i, out);
      case S.SoftLineStart:
        if (c === 0x2e) return out.drop(input, i, S.SoftDot);
        return this.text(c, input, i, out);
      case S.SoftDot: // a lone "." line is kept as content; "..x" is unstuffed as usual
        if (c === 0x0a) return out.insert(input, i, DOT_CRLF, S.SoftLineStart);
        if (c === 0x0d) out.prefix(input, i, DOT);
        return this.text(c, input, i, out);
      case S.Dot:
        if (c === 0x0d) return out.drop(input, i, S.DotCr); // only "\n" may follow: the end, or an error
        if (c === 0x0a) return this.normalizeBareLf ? out.insert(input, i, DOT_CRLF, S.SoftLineStart) : 'bare-lf';
        return this.text(c, input, i, out); // an unstuffed line: text resumes at this byte
      case S.DotCr:
        return c === 0x0a ? 'end' : 'bare-cr';
      case S.Text:
        return this.text(c, input, i, out);
      case S.Cr:
        return c === 0x0a ? this.go(S.LineStart) : 'bare-cr';
    }
  }

  private text(c: number, input: Buffer, i: number, out: Output): DotStatus {
    if (c === 0x0d) this.state = S.Cr;
    // After a normalized LF only a real CRLF may lead to the end marker (SoftLineStart).
    else if (c === 0x0a) return this.normalizeBareLf ? out.insert(input, i, CRLF, S.SoftLineStart) : 'bare-lf';
    else this.state = S.Text;
    return 'more';
  }

  /** Count bytes and report whether they may still be kept. */
  account(n: number): boolean {
    this.bytes += n;
    return this.bytes <= this.maxBytes;
  }

  setState(s: S): void {
    this.state = s;
  }

  private go(s: S): DotStatus {
    this.state = s;
    return 'more';
  }
}

/** Collects output as slices of the input, so the common case copies nothing. */
class Output {
  private chunks: Buffer[] = [];
  private runStart = 0;

  constructor(private readonly reader: DotReader) {}

  private emit(b: Buffer): void {
    if (b.length > 0 && this.reader.account(b.length)) this.chunks.push(b);
  }

  /** End the run before byte i and skip byte i (the stuffing dot). */
  drop(input: Buffer, i: number, next: S): DotStatus {
    this.emit(input.subarray(this.runStart, i));
    this.runStart = i + 1;
    this.reader.setState(next);
    return 'more';
  }

  /** Emit `extra` before byte i, which stays in the run. */
  prefix(input: Buffer, i: number, extra: Buffer): void {
    this.emit(input.subarray(this.runStart, i));
    this.emit(extra);
    this.runStart = i;
  }

  /** Replace byte i (a bare LF) with `replacement`. */
  insert(input: Buffer, i: number, replacement: Buffer, next: S): DotStatus {
    this.emit(input.subarray(this.runStart, i));
    this.emit(replacement);
    this.runStart = i + 1;
    this.reader.setState(next);
    return 'more';
  }

  /** Close the run. At 'end' the run is empty (the dot was dropped); on 'bare-*' the message is refused. */
  finish(input: Buffer, stop: number, status: DotStatus): Buffer[] {
    if (status === 'more') this.emit(input.subarray(this.runStart, stop));
    return this.chunks;
  }
}
