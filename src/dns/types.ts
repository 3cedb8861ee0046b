// The DNS boundary: what delivery, MTA-STS and (later) SPF/DKIM/DMARC ask of a resolver. Answers are
// typed; failures are DnsError with a code that says whether the name exists, so callers can bounce
// on NXDOMAIN and defer on a timeout or SERVFAIL.

/** One MX record: lower preference is tried first; exchange "" (the root, ".") is a null MX (RFC 7505). */
export interface MxRecord {
  preference: number;
  exchange: string;
}

/**
 * - NXDOMAIN: the name does not exist (permanent for mail routing: 5.1.2).
 * - NODATA: the name exists but has no record of this type (an empty answer).
 * - SERVFAIL, REFUSED, TIMEOUT, NETWORK, FORMERR: temporary; try later.
 */
export type DnsErrorCode = 'NXDOMAIN' | 'NODATA' | 'SERVFAIL' | 'REFUSED' | 'TIMEOUT' | 'NETWORK' | 'FORMERR';

export class DnsError extends Error {
  constructor(
    readonly code: DnsErrorCode,
    readonly query: string,
    readonly type: string,
    message = `${type} ${query}: ${code}`,
  ) {
    super(message);
    this.name = 'DnsError';
  }
  /** True when the answer proves the name or record is absent, not just unreachable. */
  get permanent(): boolean {
    return this.code === 'NXDOMAIN' || this.code === 'NODATA';
  }
}

/**
 * Lookups by record type. Names are A-label domains without the trailing dot, any case.
 * Every method rejects with DnsError; an empty answer is DnsError NODATA, never [].
 * Implementations cache positive and negative answers by TTL (src/dns/resolver.ts).
 */
export interface Resolver {
  mx(name: string): Promise<MxRecord[]>;
  a(name: string): Promise<string[]>;
  aaaa(name: string): Promise<string[]>;
  /** Each record's strings joined without separators (RFC 7208 §3.3), one entry per record. */
  txt(name: string): Promise<string[]>;
  /** PTR names for an IPv4 or IPv6 address (the reverse name is built by the resolver). */
  ptr(address: string): Promise<string[]>;
}
