// The organizational domain (RFC 7489 §3.2) exactly as mailauth's DMARC check computes it: tldts over the
// public suffix list, ICANN and private sections. Returns null for a public suffix or a malformed name.
import { createRequire } from 'node:module';

type TldtsOptions = { allowIcannDomains: boolean; allowPrivateDomains: boolean };
type GetDomain = (name: string, options: TldtsOptions) => string | null;

// Loaded as mailauth loads them (its tldts copy, its options), so Petrel's alignment cannot drift from
// the DMARC verdicts mailauth gives; tldts is mailauth's dependency, not Petrel's.
const fromHere = createRequire(import.meta.url);
const fromMailauth = createRequire(fromHere.resolve('mailauth'));
const { getDomain } = fromMailauth('tldts') as { getDomain: GetDomain };
const { TLDTS_OPTS } = fromHere('mailauth/lib/tools.js') as { TLDTS_OPTS: TldtsOptions };

/**
 * The registrable domain of `name`, or null when there is none (a public suffix, a leading dot, null).
 * @example organizationalDomain('mail.example.co.uk') === 'example.co.uk'
 */
export function organizationalDomain(name: string | null): string | null {
  if (name === null) return null;
  return getDomain(name, TLDTS_OPTS);
}
