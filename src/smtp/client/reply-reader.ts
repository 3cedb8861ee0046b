// Incremental parser of the peer's replies: bytes in, complete multi-line replies out, in order.
// A line over MAX_REPLY_LINE bytes, a reply over MAX_REPLY_LINES lines or a malformed line is a
// protocol error; after one the reader is dead and yields nothing more.
import { parseReply, type Reply } from '../wire/reply.js';

/** Bytes in one reply line, without its line end (RFC 5321 §4.5.3.1.5 says 512; peers go beyond). */
export const MAX_REPLY_LINE = 4096;
/** Lines in one reply (EHLO replies are the longest: a few dozen at most). */
export const MAX_REPLY_LINES = 100;

/** A complete reply (with its raw lines for the transcript) or the protocol error that ends reading. */
export type ReaderEvent =
  | { kind: 'reply'; reply: Reply; lines: string[] } // lines as received, without line ends
  | { kind: 'error'; text: string };

const LINE = /^[2-5]\d\d(?:[ -]|$)/;

/** e.g. `for (const ev of reader.push(chunk)) ...`; a CRLF or the text may be split anywhere. */
export class ReplyReader {
  private partial: Buffer[] = [];
  private partialBytes = 0;
  private lines: string[] = [];
  private dead = false;

  push(chunk: Buffer): ReaderEvent[] {
    const out: ReaderEvent[] = [];
    let start = 0;
    while (!this.dead) {
      const lf = chunk.indexOf(0x0a, start);
      const end = lf < 0 ? chunk.length : lf;
      this.partial.push(chunk.subarray(start, end));
      this.partialBytes += end - start;
      // A CR before the LF does not count toward the limit.
      if (this.partialBytes > MAX_REPLY_LINE + 1) out.push(this.fail(`reply line longer than ${MAX_REPLY_LINE} bytes`));
      if (lf < 0 || this.dead) break;
      const ev = this.line(this.takeLine());
      if (ev) out.push(ev);
      start = lf + 1;
    }
    return out;
  }

  private takeLine(): string {
    let raw = Buffer.concat(this.partial, this.partialBytes);
    this.partial = [];
    this.partialBytes = 0;
    // A bare LF is tolerated from a peer (we are strict in what we send, not in what we read).
    if (raw.length > 0 && raw[raw.length - 1] === 0x0d) raw = raw.subarray(0, raw.length - 1);
    return raw.toString('utf8');
  }

  private line(line: string): ReaderEvent | null {
    if (Buffer.byteLength(line) > MAX_REPLY_LINE) return this.fail(`reply line longer than ${MAX_REPLY_LINE} bytes`);
    if (!LINE.test(line)) return this.fail(`malformed reply line: ${JSON.stringify(line.slice(0, 80))}`);
    this.lines.push(line);
    if (this.lines.length > MAX_REPLY_LINES) return this.fail(`reply longer than ${MAX_REPLY_LINES} lines`);
    if (line[3] === '-') return null;
    const lines = this.lines;
    this.lines = [];
    try {
      return { kind: 'reply', reply: parseReply(lines), lines };
    } catch (err) {
      return this.fail(`malformed reply: ${(err as Error).message.slice(0, 120)}`);
    }
  }

  private fail(text: string): ReaderEvent {
    this.dead = true;
    this.partial = [];
    this.lines = [];
    return { kind: 'error', text: `protocol error: ${text}` };
  }

  /** True when nothing of a reply is pending (e.g. to check no bytes trail a STARTTLS 220). */
  get idle(): boolean {
    return this.partialBytes === 0 && this.lines.length === 0;
  }
}
