// DNS over TCP framing (RFC 1035 §4.2.2): each message is preceded by its length as two bytes.
// The reader copes with frames split across or packed into reads; it never fails, it only waits.

/** `message` with its two-byte length prefix. Messages are at most 65535 bytes by construction. */
export function frame(message: Buffer): Buffer {
  const prefix = Buffer.alloc(2);
  prefix.writeUInt16BE(message.length);
  return Buffer.concat([prefix, message]);
}

/** Incremental splitter: push received bytes, pull whole messages with `next()`. */
export class FrameReader {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
  }

  /** The next complete message without its prefix, or null when more bytes are needed. */
  next(): Buffer | null {
    if (this.buf.length < 2) return null;
    const end = 2 + this.buf.readUInt16BE(0);
    if (this.buf.length < end) return null;
    const message = this.buf.subarray(2, end);
    this.buf = this.buf.subarray(end);
    return message;
  }
}
