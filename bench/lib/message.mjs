// The test messages of the outbound bench: the same bytes for every contender.
//
// Message i of a given size is a short header block (From, To, Subject, Date,
// Message-ID carrying i) followed by a body of exactly `size` bytes: plain ASCII lines
// of 76 characters plus CRLF, the last one shorter. No line starts with "." so no
// dot-stuffing is needed on the wire, and the body ends with CRLF. The body buffer is
// shared between messages; only the header differs.

export const SENDER = 'sender@bench.test';
export const RECIPIENT = 'user@sink.test';
export const SENDER_DOMAIN = 'bench.test';

const LINE = 76;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789 ';
const FIXED_DATE = 'Fri, 28 Nov 2025 12:00:00 +0000';

function bodyOf(size) {
  if (size < 2) throw new Error('message body must be at least 2 bytes');
  const lines = [];
  let left = size;
  for (let n = 0; left > 0; n++) {
    const width = Math.min(LINE, left - 2);
    // Rotate the alphabet per line so the text is not one repeated line.
    let text = '';
    for (let i = 0; i < width; i++) text += ALPHABET[(n * 7 + i) % ALPHABET.length];
    // A line may not start with "." (none of the alphabet does) nor end in a space.
    if (width > 0 && text.endsWith(' ')) text = text.slice(0, -1) + 'x';
    lines.push(text + '\r\n');
    left -= width + 2;
  }
  return Buffer.from(lines.join(''), 'latin1');
}

/** N messages of one body size; header(i) and body are Buffers, message(i) both joined. */
export class MessageSet {
  constructor(size, count) {
    this.size = size;
    this.count = count;
    this.body = bodyOf(size);
    if (this.body.length !== size) throw new Error(`body is ${this.body.length} bytes, wanted ${size}`);
  }

  /** The header of message i; `sender` is its From address (the pool case sends from many). */
  header(i, sender = SENDER) {
    const id = String(i).padStart(7, '0');
    return Buffer.from(
      [
        `From: Bench Sender <${sender}>`,
        `To: <${RECIPIENT}>`,
        `Subject: outbound bench message ${id}`,
        `Date: ${FIXED_DATE}`,
        `Message-ID: <${id}.${this.size}@${SENDER_DOMAIN}>`,
        'MIME-Version: 1.0',
        'Content-Type: text/plain; charset=us-ascii',
        '',
        '',
      ].join('\r\n'),
      'latin1',
    );
  }

  /** The parts written to the wire for message i (header, body), without the final dot. */
  parts(i, sender = SENDER) {
    return [this.header(i, sender), this.body];
  }

  message(i) {
    return Buffer.concat(this.parts(i));
  }

  /** Bytes of message i on the wire (header + body). */
  bytes(i) {
    return this.header(i).length + this.body.length;
  }
}
