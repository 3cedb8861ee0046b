// Adapts Petrel's Resolver to the resolver function mailauth expects (the shape of Node's
// dns.promises.resolve): answers as arrays, failures as errors with Node's DNS error codes, so SPF's
// void-lookup and temperror rules see NXDOMAIN/NODATA apart from a server failure.
import { normalizeName } from '../dns/names.js';
import { DnsError, type Resolver } from '../dns/types.js';

/** What mailauth calls: `resolver(name, rrtype)`. */
export type MailauthResolver = (name: string, rrtype: string) => Promise<unknown[]>;

const NODE_CODES: Record<DnsError['code'], string> = {
  NXDOMAIN: 'ENOTFOUND',
  NODATA: 'ENODATA',
  SERVFAIL: 'ESERVFAIL',
  REFUSED: 'EREFUSED',
  TIMEOUT: 'ETIMEOUT',
  NETWORK: 'ECONNREFUSED',
  FORMERR: 'EFORMERR',
};

/**
 * @example authenticate(message, { resolver: mailauthResolver(petrelResolver), ... })
 */
export function mailauthResolver(resolver: Resolver): MailauthResolver {
  return async (name, rrtype) => {
    try {
      return await lookup(resolver, name.replace(/\.$/, ''), rrtype.toUpperCase());
    } catch (error) {
      throw asNodeError(error, name, rrtype);
    }
  };
}

async function lookup(resolver: Resolver, name: string, type: string): Promise<unknown[]> {
  assertQueryable(name, type);
  switch (type) {
    case 'A': return resolver.a(name);
    case 'AAAA': return resolver.aaaa(name);
    case 'TXT': return (await resolver.txt(name)).map((record) => [record]); // one joined string per record
    case 'MX': return (await resolver.mx(name)).map((r) => ({ exchange: r.exchange, priority: r.preference }));
    case 'PTR': return resolver.ptr(name.endsWith('.arpa') ? fromReverseName(name) : name);
    default: throw new DnsError('NODATA', name, type);
  }
}

/**
 * A name no query can carry (a label over 63 octets, say, after macro expansion) cannot exist: it is
 * NXDOMAIN, a void lookup, as RFC 7208 §4.3 treats malformed names, not a temporary DNS failure.
 */
function assertQueryable(name: string, type: string): void {
  try {
    normalizeName(name, type);
  } catch {
    throw new DnsError('NXDOMAIN', name, type, `${type} ${JSON.stringify(name)}: not a valid domain name`);
  }
}

/** mailauth asks PTR for the in-addr.arpa / ip6.arpa name; our resolver wants the address. */
function fromReverseName(name: string): string {
  const labels = name.toLowerCase().split('.');
  if (name.toLowerCase().endsWith('.in-addr.arpa')) return labels.slice(0, 4).reverse().join('.');
  const nibbles = labels.slice(0, 32).reverse().join('');
  return nibbles.match(/.{4}/g)!.join(':');
}

function asNodeError(error: unknown, name: string, rrtype: string): Error {
  if (!(error instanceof DnsError)) return error instanceof Error ? error : new Error(String(error));
  const e = new Error(`${rrtype} ${name}: ${error.code}`) as Error & { code: string; hostname: string };
  e.code = NODE_CODES[error.code];
  e.hostname = name;
  return e;
}
