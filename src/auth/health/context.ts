// What the health checks need from the outside world, gathered once per run: a resolver, the
// sending sources, MTA-STS fetch settings and the blocklists. Building it from config never does I/O.
import { readFileSync } from 'node:fs';
import type { PetrelConfig } from '../../config/schema.js';
import { parseHostPort, type DnsConfig } from '../../config/schema.js';
import { bareName } from '../../dns/message.js';
import { systemServers } from '../../dns/system.js';
import { exchange, type DnsServerAddress } from '../../dns/transport.js';
import type { Resolver } from '../../dns/types.js';

/** A sending IP and the EHLO name Petrel uses from it. */
export interface SendingSource {
  address: string;
  helo: string;
}

export interface Blocklists {
  /** DNSBLs queried with the reversed sending IP (zen.spamhaus.org …). */
  ip: string[];
  /** Domain blocklists queried with the domain (dbl.spamhaus.org …). */
  domain: string[];
}

export interface HealthContext {
  resolver: Resolver;
  /** Empty when delivery.sources is not configured (the OS picks the address). */
  sources: SendingSource[];
  /** Our default EHLO name, for the SPF evaluation. */
  helo: string;
  mtaSts: { port: number; timeoutMs: number; ca: string[] };
  /** The delivery TLS mode, for the bulk-sender checklist. */
  tlsMode: string;
  blocklists: Blocklists;
  /** The CNAME target of `name`, or null; absent when we cannot ask the servers directly. */
  cname?: (name: string) => Promise<string | null>;
}

/** The default lists (the config's defaults: src/config/schema.ts, checks). */
export const DEFAULT_BLOCKLISTS: Blocklists = {
  ip: ['zen.spamhaus.org', 'bl.spamcop.net', 'b.barracudacentral.org'],
  domain: ['dbl.spamhaus.org', 'multi.surbl.org', 'multi.uribl.com'],
};

/** The context for `config`; CA files that cannot be read throw (they are checked at serve time too). */
export function contextFromConfig(config: PetrelConfig, resolver: Resolver): HealthContext {
  const helo = config.delivery.helo ?? config.hostname;
  return {
    resolver,
    sources: config.delivery.sources.map((s) => ({ address: s.address, helo: s.helo ?? helo })),
    helo,
    mtaSts: {
      port: config.delivery.mtaSts.port,
      timeoutMs: config.delivery.mtaSts.fetchTimeoutMs,
      ca: config.delivery.tls.caFiles.map((file) => readFileSync(file, 'utf8')),
    },
    tlsMode: config.delivery.tls.mode,
    blocklists: {
      ip: config.checks.ipBlocklists,
      domain: config.checks.domainBlocklists,
    },
    cname: cnameProbe(config.dns),
  };
}

/**
 * Asks the configured servers for A at `name` and reports a CNAME at its head: our Resolver follows
 * CNAMEs silently, but an MX target must not be one (RFC 2181 §10.3). Errors count as "no CNAME".
 */
export function cnameProbe(dns: Pick<DnsConfig, 'servers' | 'timeoutMs'>): (name: string) => Promise<string | null> {
  const listed = dns.servers.map((s) => parseHostPort(s, 53)).filter((s): s is DnsServerAddress => s !== null);
  const servers = listed.length > 0 ? listed : systemServers();
  return async (name) => {
    const qname = bareName(name).toLowerCase();
    for (const server of servers) {
      try {
        const packet = await exchange(server, { name: qname, type: 'A' }, dns.timeoutMs);
        const head = packet.answers?.find((a) => a.type === 'CNAME' && bareName(a.name).toLowerCase() === qname);
        return head && 'data' in head ? bareName(String(head.data)) : null;
      } catch {
        // try the next server
      }
    }
    return null;
  };
}
