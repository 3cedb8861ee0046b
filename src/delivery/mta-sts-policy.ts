// MTA-STS (RFC 8461) as data: the _mta-sts TXT record, the policy file, and matching MX hosts and
// certificate names against a policy's mx patterns. Pure; bad input gives null or an Error, never a throw.

/** A parsed policy file (RFC 8461 §3.2). */
export interface MtaStsPolicy {
  mode: 'enforce' | 'testing' | 'none';
  /** Lower-case mx patterns: "mail.example.com" or "*.example.com". Empty only for mode none. */
  mx: string[];
  /** Seconds the policy may be cached, 0..31557600. */
  maxAge: number;
}

const MAX_AGE_LIMIT = 31_557_600;
const STS_ID = /^[A-Za-z0-9]{1,32}$/;
const EXT_FIELD = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}=[\x21-\x3a\x3c\x3e-\x7e]+$/;
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * The id of an `_mta-sts.<domain>` TXT record, or null when it is not a valid STSv1 record.
 * @example parseStsRecord('v=STSv1; id=20160831085700Z;') // { id: '20160831085700Z' }
 */
export function parseStsRecord(txt: string): { id: string } | null {
  const fields = txt.split(';').map((field) => field.replace(/^[ \t]+|[ \t]+$/g, ''));
  if (fields.length > 1 && fields[fields.length - 1] === '') fields.pop(); // a trailing ";" is allowed
  if (fields[0] !== 'v=STSv1') return null;
  let id: string | null = null;
  for (const field of fields.slice(1)) {
    if (field.startsWith('id=')) {
      if (!STS_ID.test(field.slice(3))) return null;
      id ??= field.slice(3);
    } else if (!EXT_FIELD.test(field)) {
      return null;
    }
  }
  return id === null ? null : { id };
}

/**
 * The id from a TXT lookup's answers: records not starting "v=STSv1" are discarded, and anything
 * but exactly one valid record left means no policy is published (RFC 8461 §3.1).
 */
export function pickStsRecord(records: string[]): { id: string } | null {
  const candidates = records.filter((record) => /^v=STSv1[ \t]*(;|$)/.test(record));
  if (candidates.length !== 1) return null;
  return parseStsRecord(candidates[0]!);
}

/**
 * Parse a policy file: "key: value" lines ending in CRLF or LF; unknown keys are ignored and for
 * version, mode and max_age the first occurrence counts. Returns an Error saying what is wrong.
 * @example parsePolicy('version: STSv1\nmode: enforce\nmx: *.example.com\nmax_age: 86400\n')
 */
export function parsePolicy(text: string): MtaStsPolicy | Error {
  const fields = new Map<string, string>();
  const mx: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) return new Error(`malformed policy line "${line.slice(0, 80)}"`);
    const key = line.slice(0, colon);
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '');
    if (key === 'mx') mx.push(value);
    else if (!fields.has(key)) fields.set(key, value);
  }
  return policyFromFields(fields, mx);
}

function policyFromFields(fields: Map<string, string>, mx: string[]): MtaStsPolicy | Error {
  if (fields.get('version') !== 'STSv1') return new Error('policy version is not STSv1');
  const mode = fields.get('mode');
  if (mode !== 'enforce' && mode !== 'testing' && mode !== 'none') {
    return new Error(`policy mode "${mode ?? ''}" is not enforce, testing or none`);
  }
  const age = fields.get('max_age') ?? '';
  if (!/^[0-9]{1,10}$/.test(age) || Number(age) > MAX_AGE_LIMIT) {
    return new Error(`policy max_age "${age}" is not an integer 0..${MAX_AGE_LIMIT}`);
  }
  const patterns = mx.map((pattern) => normalise(pattern));
  const bad = patterns.find((pattern) => !validPattern(pattern));
  if (bad !== undefined) return new Error(`policy mx "${bad}" is not a host name or *.domain`);
  if (patterns.length === 0 && mode !== 'none') return new Error('policy has no mx');
  return { mode, mx: patterns, maxAge: Number(age) };
}

function validPattern(pattern: string): boolean {
  const labels = pattern.startsWith('*.') ? pattern.slice(2).split('.') : pattern.split('.');
  return labels.length >= 1 && labels.every((label) => LABEL.test(label));
}

function normalise(name: string): string {
  return name.toLowerCase().replace(/\.+$/, '');
}

/** True when `name` is `pattern`, or has exactly one more leftmost label if pattern is "*.suffix". */
function matchesWildcard(name: string, pattern: string): boolean {
  if (!pattern.startsWith('*.')) return name === pattern;
  const dot = name.indexOf('.');
  return dot > 0 && name.slice(dot + 1) === pattern.slice(2);
}

/**
 * Whether an MX host is allowed by a policy's mx patterns (RFC 8461 §4.1): case-insensitive,
 * trailing dots ignored, "*.example.com" covers "mx.example.com" but not "a.b.example.com".
 */
export function mxMatchesPolicy(mx: string, patterns: string[]): boolean {
  const host = normalise(mx);
  return host !== '' && patterns.some((pattern) => matchesWildcard(host, normalise(pattern)));
}

/**
 * Whether a certificate's DNS names (SAN dNSNames) satisfy a policy (RFC 8461 §4.2): some name
 * covers a host the patterns allow. With `mxHost`, the certificate must also be valid for that
 * host (RFC 6125 wildcard rules) and the host must match the patterns, as the RFC asks.
 * @example certMatchesPolicy(['*.mail.example.com'], ['mx1.mail.example.com']) // true
 */
export function certMatchesPolicy(certNames: string[], patterns: string[], mxHost?: string): boolean {
  const names = certNames.map(normalise).filter((name) => name !== '');
  if (mxHost !== undefined) {
    const host = normalise(mxHost);
    return mxMatchesPolicy(host, patterns) && names.some((name) => matchesWildcard(host, name));
  }
  return names.some((name) => patterns.some((pattern) => namesOverlap(name, normalise(pattern))));
}

/** A certificate name and an mx pattern cover a common host (each may be a "*." wildcard). */
function namesOverlap(certName: string, pattern: string): boolean {
  if (certName === pattern) return true;
  if (certName.startsWith('*.') && !pattern.startsWith('*.')) return matchesWildcard(pattern, certName);
  if (pattern.startsWith('*.') && !certName.startsWith('*.')) return matchesWildcard(certName, pattern);
  return false;
}
