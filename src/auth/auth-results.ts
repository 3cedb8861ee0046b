// Puts our Authentication-Results at the top of a header section and drops incoming fields that
// claim our authserv-id (RFC 8601 §5: they are forged). Pure; fields it cannot parse are kept.

/** `header` with fields claiming `authservId` removed and `ours` (complete fields, CRLF-ended) prepended. */
export function replaceAuthResults(header: Buffer, ours: string, authservId: string): Buffer {
  const kept = splitFields(header).filter((field) => !claimsAuthserv(field, authservId));
  return Buffer.concat([Buffer.from(ours, 'utf8'), ...kept]);
}

/** Each field with its continuation lines and line ends, in order; concatenated they are `header`. */
export function splitFields(header: Buffer): Buffer[] {
  const fields: Buffer[] = [];
  let start = 0;
  for (let at = header.indexOf('\n'); at >= 0; at = header.indexOf('\n', at + 1)) {
    const next = header[at + 1];
    if (next === 0x20 || next === 0x09) continue; // folded: the field goes on
    fields.push(header.subarray(start, at + 1));
    start = at + 1;
  }
  if (start < header.length) fields.push(header.subarray(start));
  return fields;
}

/** True for an Authentication-Results field whose authserv-id is `authservId` (any case). */
export function claimsAuthserv(field: Buffer, authservId: string): boolean {
  const text = field.toString('latin1');
  const m = /^authentication-results[ \t]*:(.*)$/is.exec(text);
  if (!m) return false;
  const value = stripComments(m[1]!).trim();
  const id = /^[^\s;]+/.exec(value)?.[0] ?? '';
  return id.toLowerCase() === authservId.toLowerCase();
}

/** Drop (possibly nested) RFC 5322 comments, which may come before the authserv-id. */
function stripComments(value: string): string {
  let out = '';
  let depth = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '\\' && depth > 0) i++;
    else if (c === '(') depth++;
    else if (c === ')' && depth > 0) depth--;
    else if (depth === 0) out += c;
  }
  return out;
}
