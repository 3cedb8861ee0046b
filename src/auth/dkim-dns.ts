// What DNS publishes for a DKIM selector: the p= value of the TXT record at
// <selector>._domainkey.<domain>, so a new key is switched on only once receivers can see it.
import { DnsError, type Resolver } from '../dns/types.js';

export type Published = { ok: true; p: string } | { ok: false; reason: string };

/** The published p= (whitespace removed), or why there is none. Never rejects. */
export async function publishedDkimKey(resolver: Resolver, domain: string, selector: string): Promise<Published> {
  const name = `${selector}._domainkey.${domain}`;
  let records: string[];
  try {
    records = await resolver.txt(name);
  } catch (error) {
    if (error instanceof DnsError) return { ok: false, reason: error.permanent ? `${name} has no TXT record` : `DNS lookup of ${name} failed (${error.code})` };
    throw error;
  }
  const dkim = records.filter((r) => /(^|;)\s*p\s*=/.test(r));
  if (dkim.length !== 1) return { ok: false, reason: `${name} has ${dkim.length} DKIM records, expected 1` };
  const p = /(?:^|;)\s*p\s*=([^;]*)/.exec(dkim[0]!)?.[1]?.replace(/\s+/g, '') ?? '';
  return { ok: true, p };
}
