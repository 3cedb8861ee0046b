// Test-only helpers for the MTA-STS tests: an in-memory Resolver and a test CA with leaf certificates.
// Lookups reject with DnsError like the real resolver; certificate generation rejects on selfsigned errors.
import { generate } from 'selfsigned';
import { DnsError, type DnsErrorCode, type MxRecord, type Resolver } from '../dns/types.js';

/** Records of one name, or a DnsError code every lookup of it fails with. */
export type StubEntry = { a?: string[]; aaaa?: string[]; txt?: string[]; mx?: MxRecord[] } | DnsErrorCode;

/** A Resolver over `zone` (edit it between lookups); `queries` lists "TYPE name" in order. */
export function stubResolver(zone: Record<string, StubEntry>): Resolver & { queries: string[] } {
  const queries: string[] = [];
  const lookup = <K extends 'a' | 'aaaa' | 'txt' | 'mx'>(type: K, name: string) => {
    queries.push(`${type.toUpperCase()} ${name}`);
    const entry = zone[name.toLowerCase()];
    if (entry === undefined) return Promise.reject(new DnsError('NXDOMAIN', name, type.toUpperCase()));
    if (typeof entry === 'string') return Promise.reject(new DnsError(entry, name, type.toUpperCase()));
    const answer = entry[type];
    if (!answer || answer.length === 0) return Promise.reject(new DnsError('NODATA', name, type.toUpperCase()));
    return Promise.resolve(answer as NonNullable<Exclude<StubEntry, string>[K]>);
  };
  return {
    queries,
    a: (name) => lookup('a', name),
    aaaa: (name) => lookup('aaaa', name),
    txt: (name) => lookup('txt', name),
    mx: (name) => lookup('mx', name),
    ptr: (address) => Promise.reject(new DnsError('NXDOMAIN', address, 'PTR')),
  };
}

export interface TestCa {
  cert: string;
  key: string;
  /** A server certificate for `names` signed by this CA. */
  leaf(names: string[]): Promise<{ cert: string; key: string }>;
}

/** A throwaway CA (EC keys: fast to make). */
export async function makeTestCa(): Promise<TestCa> {
  const ca = await generate([{ name: 'commonName', value: 'petrel test mta-sts ca' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const leaf = async (names: string[]) => {
    const pems = await generate([{ name: 'commonName', value: names[0] ?? 'leaf' }], {
      keyType: 'ec',
      algorithm: 'sha256',
      ca: { key: ca.private, cert: ca.cert },
      extensions: [
        { name: 'basicConstraints', cA: false, critical: true },
        { name: 'keyUsage', digitalSignature: true, critical: true },
        { name: 'extKeyUsage', serverAuth: true },
        { name: 'subjectAltName', altNames: names.map((value) => ({ type: 2 as const, value })) },
      ],
    });
    return { cert: pems.cert, key: pems.private };
  };
  return { cert: ca.cert, key: ca.private, leaf };
}
