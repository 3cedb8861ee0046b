// Small MIME text helpers for composing reports: header folding within the RFC 5322 line limits,
// word wrapping, quoted-printable (RFC 2045 §6.7), 8-bit checks and a multipart boundary that does not
// occur in the content. Pure; only pickBoundary throws, if its random source keeps colliding.

import { randomBytes } from 'node:crypto';

/** RFC 5322 §2.1.1: a line SHOULD stay within 78 octets and MUST stay within 998. */
export const SOFT_LIMIT = 78;
export const HARD_LIMIT = 998;
const QP_LIMIT = 76;
const CRLF = '\r\n';

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

/** Turns CR, LF and other controls (not tab) into spaces, so peer text cannot start a line of its own. */
export function oneLine(text: string): string {
  return text.replace(/[\x00-\x08\x0a-\x1f\x7f]+/g, ' ').trim();
}

/** Splits text into pieces that each start with their leading whitespace (the first may not). */
function pieces(text: string): string[] {
  return text.match(/^[^ \t]+|[ \t]+[^ \t]*/g) ?? [];
}

/** Cuts a piece with no place to break into chunks of at most `limit` octets, whole characters only. */
function hardSplit(piece: string, limit: number): string[] {
  const out: string[] = [];
  let cur = '';
  for (const ch of piece) {
    if (bytes(cur + ch) > limit) {
      out.push(cur);
      cur = ' '; // the continuation needs its leading whitespace
    }
    cur += ch;
  }
  return cur === '' ? out : [...out, cur];
}

/**
 * Greedy line filling: each piece joins the current line if it fits in `width` octets. With `indent`
 * null the pieces keep their whitespace (header folding); otherwise new lines start with `indent`.
 */
function fill(first: string, text: string, width: number, indent: string | null): string[] {
  const lines: string[] = [];
  const limit = HARD_LIMIT - Math.max(bytes(first), bytes(indent ?? '')) - 1;
  let line = first;
  for (const raw of pieces(text)) {
    for (const piece of bytes(raw) > limit ? hardSplit(raw, limit) : [raw]) {
      if (line !== first && bytes(line + piece) > width) {
        lines.push(line);
        line = indent === null ? piece : indent + piece.trimStart();
      } else line += piece;
    }
  }
  return [...lines, line];
}

/**
 * A header field "Name: value" folded at existing whitespace (RFC 5322 §2.2.3), ending in CRLF. Unfolding
 * gives the value back, except that a run without whitespace too long for one line gains a space where cut.
 * @example foldField('Subject', 'hello') // "Subject: hello\r\n"
 */
export function foldField(name: string, value: string): string {
  return fill(`${name}:`, ' ' + oneLine(value), SOFT_LIMIT, null).join(CRLF) + CRLF;
}

/** Wraps text at spaces to lines of at most `width` octets (where words allow), each after `indent`. */
export function wrap(text: string, width: number, indent = ''): string[] {
  return fill(indent, oneLine(text), width, indent);
}

/** Quoted-printable encoding (RFC 2045 §6.7) of text or raw bytes; CRLF stays a line break. */
export function quotedPrintable(data: string | Buffer): string {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const lines: string[] = [];
  let start = 0;
  for (let end = buf.indexOf(CRLF); end >= 0; end = buf.indexOf(CRLF, start)) {
    lines.push(qpLine(buf.subarray(start, end)));
    start = end + 2;
  }
  lines.push(qpLine(buf.subarray(start)));
  return lines.join(CRLF);
}

function qpLine(raw: Buffer): string {
  const out: string[] = [];
  let cur = '';
  raw.forEach((b, i) => {
    const last = i === raw.length - 1;
    const literal = (b >= 33 && b <= 126 && b !== 61) || ((b === 32 || b === 9) && !last);
    const token = literal ? String.fromCharCode(b) : `=${b.toString(16).toUpperCase().padStart(2, '0')}`;
    if (cur.length + token.length > QP_LIMIT - 1) {
      out.push(cur + '='); // soft line break
      cur = '';
    }
    cur += token;
  });
  return [...out, cur].join(CRLF);
}

/** True when any octet is outside US-ASCII. */
export function hasEightBit(data: Buffer | string): boolean {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  return buf.some((b) => b > 127);
}

/** True when `buf` may travel as 7bit/8bit MIME content: CRLF lines of at most 998 octets, no NUL. */
export function isLineSafe(buf: Buffer): boolean {
  let start = 0;
  for (let i = 0; i < buf.length; i++) {
    const b = buf[i]!;
    if (b === 0) return false;
    if (b === 13 && buf[i + 1] !== 10) return false;
    if (b === 10 && buf[i - 1] !== 13) return false;
    if (b === 10) start = i + 1;
    else if (i - start >= HARD_LIMIT && b !== 13) return false;
  }
  return true;
}

/**
 * A boundary that occurs in none of `contents` (RFC 2046 §5.1.1). "=_" cannot occur in quoted-printable
 * text, and 96 random bits make a collision elsewhere unlikely; we check anyway and draw again.
 */
export function pickBoundary(contents: (Buffer | string)[], random = () => randomBytes(12).toString('hex')): string {
  for (let attempt = 0; attempt < 100; attempt++) {
    const boundary = `=_petrel_${random()}`;
    if (!contents.some((c) => c.includes(boundary))) return boundary;
  }
  throw new Error('pickBoundary: the random source keeps producing boundaries found in the content');
}

/** One body part of a multipart report, before serialisation. */
export interface MimePart {
  contentType: string; // the full field value, parameters included
  encoding: '7bit' | '8bit' | 'quoted-printable';
  description: string;
  body: Buffer;
}

/** The part's header fields, a blank line and its body. */
export function serializePart(part: MimePart): Buffer {
  const head =
    foldField('Content-Description', part.description) +
    foldField('Content-Type', part.contentType) +
    foldField('Content-Transfer-Encoding', part.encoding);
  return Buffer.concat([Buffer.from(head + CRLF, 'utf8'), part.body]);
}
