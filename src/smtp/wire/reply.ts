// SMTP replies: the one type every part of Petrel uses for a wire answer (RFC 5321 §4.2, with the
// enhanced status codes of RFC 3463/2034), its encoder and its parser. A malformed reply is an Error.

/** A reply as sent on the wire: a code, an optional enhanced code and one or more text lines. */
export interface Reply {
  readonly code: number;
  readonly enhanced: string | null;
  readonly lines: readonly string[];
}

const ENHANCED = /^([245])\.(\d{1,3})\.(\d{1,3})$/;

/**
 * Build a reply. The enhanced code's class must agree with the reply code (2.x.x with 2yz, 4.x.x
 * with 4yz, 5.x.x with 5yz), else it throws: a 5.x.x on a temporary failure tells clients to give up.
 * @example reply(550, '5.1.1', 'No such user')
 */
export function reply(code: number, enhanced: string | null, ...lines: string[]): Reply {
  if (!Number.isInteger(code) || code < 200 || code > 599) throw new Error(`bad reply code ${code}`);
  if (enhanced !== null) {
    const m = ENHANCED.exec(enhanced);
    if (!m) throw new Error(`bad enhanced code ${enhanced}`);
    if (Number(m[1]) !== Math.floor(code / 100)) throw new Error(`enhanced ${enhanced} disagrees with ${code}`);
  }
  return { code, enhanced, lines: lines.length > 0 ? lines : [''] };
}

/** True for 4yz replies: the client should try again later. */
export const isTransient = (r: Reply): boolean => r.code >= 400 && r.code < 500;
/** True for 5yz replies: the client must not repeat the same command. */
export const isPermanent = (r: Reply): boolean => r.code >= 500;

/** Encode a reply, continuation lines marked with `-`; the enhanced code repeats on every line (RFC 2034). */
export function encodeReply(r: Reply): string {
  let out = '';
  const last = r.lines.length - 1;
  r.lines.forEach((line, i) => {
    const text = r.enhanced === null ? line : line === '' ? r.enhanced : `${r.enhanced} ${line}`;
    out += `${r.code}${i === last ? ' ' : '-'}${text}\r\n`;
  });
  return out;
}

/**
 * Parse one complete reply from its lines (without CRLF). Lines must share one code and only the last
 * may use a space separator. `withEnhanced` strips a leading enhanced code (when ENHANCEDSTATUSCODES).
 */
export function parseReply(lines: readonly string[], withEnhanced = true): Reply {
  if (lines.length === 0) throw new Error('empty reply');
  const code = Number(lines[0]!.slice(0, 3));
  let enhanced: string | null = null;
  const texts = lines.map((line, i) => {
    const sep = line[3] ?? ' ';
    if (!/^[2-5]\d\d$/.test(line.slice(0, 3)) || Number(line.slice(0, 3)) !== code) throw new Error(`bad reply line: ${line}`);
    if (sep !== (i === lines.length - 1 ? ' ' : '-')) throw new Error(`bad reply separator: ${line}`);
    let text = line.slice(4);
    const m = withEnhanced ? /^([245]\.\d{1,3}\.\d{1,3})(?: |$)/.exec(text) : null;
    if (m && Number(m[1]![0]) === Math.floor(code / 100)) {
      enhanced = m[1]!;
      text = text.slice(m[0].length);
    }
    return text;
  });
  return { code, enhanced, lines: texts };
}

/**
 * An error that carries the reply the client should see, apart from the internal cause that only the
 * log sees. `toReply` is the one choke point that turns any error into a wire reply.
 */
export class SmtpError extends Error {
  constructor(readonly reply: Reply, readonly internal?: unknown) {
    super(reply.lines.join(' '));
    this.name = 'SmtpError';
  }
}

/** Turn any error into a reply without leaking internals: unknown errors become 451 4.3.0. */
export function toReply(err: unknown): Reply {
  if (err instanceof SmtpError) return err.reply;
  return reply(451, '4.3.0', 'Local error in processing; try again later');
}
