// Tag=value lists as used by DKIM key records and DMARC records (RFC 6376 §3.2, RFC 7489 §6.4).
// Pure; a malformed list gives null, never a throw.

/**
 * Tags by lower-case name (the first occurrence wins), or null when a tag has no "=" or a bad name.
 * @example parseTags('v=DMARC1; p=none') // Map { 'v' => 'DMARC1', 'p' => 'none' }
 */
export function parseTags(text: string): Map<string, string> | null {
  const tags = new Map<string, string>();
  for (const part of text.split(';')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    if (eq < 0) return null;
    const name = part.slice(0, eq).trim().toLowerCase();
    if (!/^[a-z][a-z0-9_]*$/.test(name)) return null;
    if (!tags.has(name)) tags.set(name, part.slice(eq + 1).trim());
  }
  return tags;
}
