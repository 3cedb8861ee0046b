// Header-field blocks as bounce reports use them: message headers, DSN field groups and the field
// lines MTAs paste into text bounces. Pure and total: malformed lines are skipped, never thrown on.

export interface Field {
  name: string; // lower case
  value: string; // unfolded, trimmed
}

const FIELD_LINE = /^([!-9;-~]{1,76}):[ \t]*(.*)$/;
const MAX_TEXT = 512 * 1024;
const MAX_FIELDS = 5000;

/**
 * Parses `Name: value` lines with folded continuations; other lines are skipped. Reads at most
 * MAX_TEXT characters and MAX_FIELDS fields; pieces are joined once, so long folds stay linear.
 */
export function parseFields(text: string): Field[] {
  const out: { name: string; pieces: string[] }[] = [];
  for (const line of text.slice(0, MAX_TEXT).split(/\r?\n/)) {
    const last = out[out.length - 1];
    if (/^[ \t]/.test(line)) {
      if (last !== undefined && last.pieces.length < 1000) last.pieces.push(line.trim());
      continue;
    }
    if (out.length >= MAX_FIELDS) break;
    const m = FIELD_LINE.exec(line);
    if (m !== null) out.push({ name: m[1]!.toLowerCase(), pieces: [m[2]!.trim()] });
  }
  return out.map((f) => ({ name: f.name, value: f.pieces.filter((p) => p !== '').join(' ') }));
}

/** The first value of a field, or ''. */
export function field(fields: readonly Field[], name: string): string {
  return fields.find((f) => f.name === name)?.value ?? '';
}

/** Splits a structured value like `multipart/report; report-type=x; boundary="y"` into type and params. */
export function parseContentType(value: string): { type: string; params: Record<string, string> } {
  const [head = '', ...rest] = value.split(';');
  const params: Record<string, string> = {};
  for (const piece of rest) {
    const eq = piece.indexOf('=');
    if (eq < 0) continue;
    const key = piece.slice(0, eq).trim().toLowerCase();
    params[key] = piece.slice(eq + 1).trim().replace(/^"(.*)"$/s, '$1');
  }
  // Only the type/subtype token: a missing ';' must not glue a parameter onto the type.
  const type = /^\s*([\w.+-]+\/[\w.+-]+)/.exec(head)?.[1]?.toLowerCase() ?? 'text/plain';
  return { type, params };
}

/** Decodes RFC 2047 encoded words; undecodable words are kept as they are. */
export function decodeWords(value: string): string {
  return value
    .replace(/(=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=)\s+(?==\?)/g, '$1')
    .replace(/=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=/g, (word, charset: string, enc: string, data: string) => {
      const bytes = enc.toUpperCase() === 'B'
        ? Buffer.from(data, 'base64')
        : Buffer.from(data.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1');
      return decodeCharset(bytes, charset) ?? word;
    });
}

/** Bytes to text in the named charset; null when the charset is unknown to this runtime. */
export function decodeCharset(bytes: Buffer, charset: string): string | null {
  const name = charset.trim().toLowerCase().replace(/^(x-|cp)?(sjis|shift-jis)$/, 'shift_jis');
  try {
    return new TextDecoder(name || 'utf-8').decode(bytes);
  } catch {
    return null;
  }
}

/** An address without angle brackets, a `type;` prefix or surrounding junk, lower-cased domain; '' if none. */
export function cleanAddress(value: string): string {
  // Bounded input keeps the unanchored scan linear enough on hostile lines.
  const noType = value.slice(0, 1000).replace(/^\s*(rfc822|utf-8|x-unknown)\s*;/i, '');
  const m = /<?([^\s<>"'(),;:]+@[A-Za-z0-9](?:[A-Za-z0-9.-]{0,250}[A-Za-z0-9])?)>?/.exec(noType);
  if (m === null) return '';
  const addr = m[1]!.replace(/\.$/, '');
  const at = addr.lastIndexOf('@');
  return `${addr.slice(0, at)}@${addr.slice(at + 1).toLowerCase()}`;
}
