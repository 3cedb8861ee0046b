// Petrel's stub resolver: asks the configured servers in turn, follows CNAMEs, caches answers by TTL
// and shares identical lookups in flight. Every failure is a DnsError (see ./types.ts for the codes).
import type { Answer, DecodedPacket } from 'dns-packet';
import { parseHostPort, type DnsConfig } from '../config/schema.js';
import { TtlCache } from './cache.js';
import { readOutcome, rcodeOf, type QueryType } from './message.js';
import { normalizeName, reverseName } from './names.js';
import { mxRecords, stringRecords, txtRecords } from './records.js';
import { systemServers } from './system.js';
import { exchange, type DnsServerAddress } from './transport.js';
import { DnsError, type MxRecord, type Resolver } from './types.js';

/** Construction options; `now` (milliseconds) is injectable so tests can expire cache entries. */
export interface DnsResolverOptions {
  /** Servers in the order asked; empty means those of /etc/resolv.conf. */
  servers: DnsServerAddress[];
  timeoutMs: number;
  attempts: number;
  minTtlSeconds: number;
  maxTtlSeconds: number;
  cacheSize: number;
  now?: () => number;
  /** Told how long each lookup sent to the servers took, in seconds (metrics). */
  onLookup?: (type: QueryType, seconds: number) => void;
}

type Cached = { ok: true; records: Answer[] } | { ok: false; code: 'NXDOMAIN' | 'NODATA' };
type Final = { kind: 'records'; records: Answer[]; ttl: number } | { kind: 'negative'; code: 'NXDOMAIN' | 'NODATA'; ttl: number };

const MAX_CNAME_DEPTH = 8;
const NEGATIVE_TTL_WITHOUT_SOA = 60;

/**
 * A caching stub resolver over UDP and TCP.
 * @example const dns = DnsResolver.fromConfig(config.dns); const hosts = await dns.mx('example.com');
 */
export class DnsResolver implements Resolver {
  private readonly servers: DnsServerAddress[];
  private readonly cache: TtlCache<Cached>;
  private readonly inflight = new Map<string, Promise<Answer[]>>();

  constructor(private readonly options: DnsResolverOptions) {
    this.servers = options.servers.length > 0 ? [...options.servers] : systemServers();
    this.cache = new TtlCache<Cached>(options.cacheSize, options.now ?? Date.now);
  }

  /** A resolver for the `dns` section of petrel.yaml. */
  static fromConfig(dns: DnsConfig, onLookup?: DnsResolverOptions['onLookup']): DnsResolver {
    const servers = dns.servers.map((value) => {
      const parsed = parseHostPort(value, 53);
      if (!parsed) throw new Error(`dns.servers: ${JSON.stringify(value)} is not ip or ip:port`);
      return parsed;
    });
    return new DnsResolver({ ...dns, servers, ...(onLookup ? { onLookup } : {}) });
  }

  async mx(name: string): Promise<MxRecord[]> {
    return mxRecords(await this.lookup(name, 'MX'));
  }

  async a(name: string): Promise<string[]> {
    return stringRecords(await this.lookup(name, 'A'), 'A');
  }

  async aaaa(name: string): Promise<string[]> {
    return stringRecords(await this.lookup(name, 'AAAA'), 'AAAA');
  }

  async txt(name: string): Promise<string[]> {
    return txtRecords(await this.lookup(name, 'TXT'));
  }

  async ptr(address: string): Promise<string[]> {
    return stringRecords(await this.lookup(reverseName(address), 'PTR'), 'PTR');
  }

  /** Records of `type` for `name`, from the cache, a lookup already in flight, or the servers. */
  private lookup(name: string, type: QueryType): Promise<Answer[]> {
    const qname = normalizeName(name, type);
    const key = `${type} ${qname}`;
    const cached = this.cache.get(key);
    if (cached) return cached.ok ? Promise.resolve(cached.records) : Promise.reject(new DnsError(cached.code, qname, type));
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = this.resolveAndCache(qname, type, key).finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    return pending;
  }

  private async resolveAndCache(qname: string, type: QueryType, key: string): Promise<Answer[]> {
    const started = performance.now();
    const final = await this.chase(qname, type).finally(() => this.options.onLookup?.(type, (performance.now() - started) / 1000));
    const ttl = Math.min(Math.max(final.ttl, this.options.minTtlSeconds), this.options.maxTtlSeconds);
    if (final.kind === 'negative') {
      this.cache.set(key, { ok: false, code: final.code }, ttl);
      throw new DnsError(final.code, qname, type);
    }
    this.cache.set(key, { ok: true, records: final.records }, ttl);
    return final.records;
  }

  /** Queries `qname`, then each CNAME target the answers leave unresolved; TTLs are the chain's minimum. */
  private async chase(qname: string, type: QueryType): Promise<Final> {
    const seen = new Set([qname]);
    let name = qname;
    let ttl = Infinity;
    for (let depth = 0; depth <= MAX_CNAME_DEPTH; depth++) {
      const outcome = readOutcome(await this.query(name, type, qname), name, type);
      if (outcome.kind === 'error') throw new DnsError(outcome.code, qname, type, `${type} ${qname}: ${outcome.rcode} (asking for ${name})`);
      if (outcome.kind === 'records') return { kind: 'records', records: outcome.records, ttl: Math.min(ttl, outcome.ttl) };
      if (outcome.kind === 'negative') return { kind: 'negative', code: outcome.code, ttl: Math.min(ttl, outcome.ttl ?? NEGATIVE_TTL_WITHOUT_SOA) };
      if (seen.has(outcome.target)) throw new DnsError('SERVFAIL', qname, type, `${type} ${qname}: CNAME loop at ${outcome.target}`);
      seen.add(outcome.target);
      ttl = Math.min(ttl, outcome.ttl);
      name = outcome.target;
    }
    throw new DnsError('SERVFAIL', qname, type, `${type} ${qname}: more than ${MAX_CNAME_DEPTH} CNAMEs`);
  }

  /**
   * Asks each server in turn for up to `attempts` rounds. A NOERROR or NXDOMAIN answer ends the search;
   * an error rcode moves on to the next server, and after a round with one it is returned (servers that
   * answer "no" are up, so another round would not help). Only silence and socket errors earn a new round.
   */
  private async query(name: string, type: QueryType, asked: string): Promise<DecodedPacket> {
    let refusal: DecodedPacket | undefined;
    let timedOut = false;
    for (let round = 0; round < this.options.attempts && !refusal; round++) {
      for (const server of this.servers) {
        try {
          const packet = await exchange(server, { name, type }, this.options.timeoutMs);
          const rcode = rcodeOf(packet);
          if (rcode === 'NOERROR' || rcode === 'NXDOMAIN') return packet;
          refusal = packet;
        } catch (err) {
          if (!(err instanceof DnsError)) throw err;
          timedOut ||= err.code === 'TIMEOUT';
        }
      }
    }
    if (refusal) return refusal;
    const code = timedOut ? 'TIMEOUT' : 'NETWORK';
    const what = code === 'TIMEOUT' ? 'no answer' : 'network error';
    const via = name === asked ? '' : ` (asking for ${name})`;
    throw new DnsError(code, asked, type, `${type} ${asked}${via}: ${what} from ${this.describeServers()}`);
  }

  private describeServers(): string {
    return this.servers.map((s) => (s.host.includes(':') ? `[${s.host}]:${s.port}` : `${s.host}:${s.port}`)).join(', ');
  }
}
