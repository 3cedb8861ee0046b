// DNS helpers shared by the health checks: lookups that tell "absent" apart from "could not ask".
// Never throws for DNS failures: NXDOMAIN/NODATA become an empty list, anything else a DnsError value.
import { DnsError } from '../../dns/types.js';

/** Records, [] when the name or type is absent, or the DnsError that stopped the lookup. */
export type Looked<T> = T[] | DnsError;

/** Run a lookup, mapping proof of absence to [] and other DNS failures to the error itself. */
export async function looked<T>(lookup: Promise<T[]>): Promise<Looked<T>> {
  try {
    return await lookup;
  } catch (err) {
    if (!(err instanceof DnsError)) throw err;
    return err.permanent ? [] : err;
  }
}

/** TXT records at `name` starting with `prefix` (case-insensitive), e.g. "v=spf1". */
export function withPrefix(records: string[], prefix: string): string[] {
  const re = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\s|;|$)`, 'i');
  return records.filter((r) => re.test(r.trim()));
}

/** "TXT _dmarc.example.com: SERVFAIL" without the resolver's server list. */
export function describeDns(err: DnsError): string {
  return `${err.type} ${err.query}: ${err.code}`;
}
