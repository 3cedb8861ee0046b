// Reads the Authentication-Results field (RFC 8601) a receiving provider stamped on a delivered copy:
// the topmost one, its spf, dkim and dmarc results. Pure and total: anything unreadable gives nulls.
import { parseFields, type Field } from '../bounce/report/fields.js';

export interface AuthVerdicts {
  spf: string | null;
  dkim: string | null;
  dmarc: string | null;
  /** The topmost Authentication-Results value, unfolded; null when the copy has none. */
  raw: string | null;
}

const NONE: AuthVerdicts = { spf: null, dkim: null, dmarc: null, raw: null };
const METHOD = /^([a-z0-9_-]+)(?:\/[0-9]+)?\s*=\s*([a-z0-9_-]+)/i;

/** The header section of a raw message as fields (the body is never read). */
export function headerFields(raw: Buffer): Field[] {
  const text = raw.toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  return parseFields(end < 0 ? text : text.slice(0, end));
}

/**
 * The verdicts of the topmost Authentication-Results field. Providers prepend theirs, so the first
 * one is the receiving provider's; fields further down came from earlier hops and are not trusted.
 * @example authVerdicts(fields).spf === 'pass'
 */
export function authVerdicts(fields: readonly Field[]): AuthVerdicts {
  const top = fields.find((f) => f.name === 'authentication-results');
  return top ? { ...parseAuthResults(top.value), raw: top.value } : NONE;
}

/**
 * spf, dkim and dmarc of one Authentication-Results value. The authserv-id is optional here because
 * Microsoft 365 leaves it out. With several DKIM signatures, one that passed wins (as DMARC reads them).
 * @example parseAuthResults('mx.google.com; spf=pass smtp.mailfrom=a.test').spf === 'pass'
 */
export function parseAuthResults(value: string): Omit<AuthVerdicts, 'raw'> {
  const results = new Map<string, string[]>();
  for (const piece of stripComments(value).split(';')) {
    const m = METHOD.exec(piece.trim());
    if (!m) continue; // the authserv-id, "none", or a version number
    const method = m[1]!.toLowerCase();
    results.set(method, [...(results.get(method) ?? []), m[2]!.toLowerCase()]);
  }
  const first = (method: string) => results.get(method)?.[0] ?? null;
  const dkim = results.get('dkim');
  return { spf: first('spf'), dkim: dkim?.includes('pass') ? 'pass' : (dkim?.[0] ?? null), dmarc: first('dmarc') };
}

/** Drops RFC 5322 comments (nested, with quoted-pairs) and keeps quoted strings as they are. */
export function stripComments(value: string): string {
  let out = '';
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === '\\' && (quoted || depth > 0)) {
      if (depth === 0) out += c + (value[i + 1] ?? '');
      i++;
    } else if (quoted) {
      out += c;
      if (c === '"') quoted = false;
    } else if (c === '(') {
      depth++;
      if (depth === 1) out += ' ';
    } else if (c === ')' && depth > 0) {
      depth--;
    } else if (depth === 0) {
      if (c === '"') quoted = true;
      out += c;
    }
  }
  return out;
}
