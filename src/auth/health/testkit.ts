// Test-only helpers for the health checks: one loopback DNS server per test file and a fresh
// HealthContext (new resolver, short timeouts) per zone. Start rejects if the port cannot be bound.
import { startDnsServer, type TestDnsServer, type Zone } from '../../../test/kit/dns-server.js';
import { DnsResolver } from '../../dns/resolver.js';
import { cnameProbe, type HealthContext } from './context.js';
import type { Finding } from './report.js';

export const DOMAIN = 'example.test';
export const SOURCE = { address: '192.0.2.10', helo: 'mail.example.test' };

export interface HealthDns {
  server: TestDnsServer;
  /** Serve `zone` and return a context whose resolver asks only this server. */
  context(zone: Zone, overrides?: Partial<HealthContext>): HealthContext;
  close(): Promise<void>;
}

export async function startHealthDns(): Promise<HealthDns> {
  const server = await startDnsServer({});
  return {
    server,
    context(zone, overrides = {}) {
      server.setZone(zone);
      const dns = { servers: [server.server], timeoutMs: 250, attempts: 1, minTtlSeconds: 0, maxTtlSeconds: 60, cacheSize: 100 };
      return {
        resolver: DnsResolver.fromConfig(dns),
        sources: [SOURCE],
        helo: SOURCE.helo,
        mtaSts: { port: 1, timeoutMs: 1000, ca: [] },
        tlsMode: 'opportunistic',
        blocklists: { ip: ['zen.example-bl.test'], domain: ['dbl.example-bl.test'] },
        cname: cnameProbe(dns),
        ...overrides,
      };
    },
    close: () => server.close(),
  };
}

/** The finding named `check` (fails the test if absent). */
export function named(findings: Finding[], check: string): Finding {
  const found = findings.find((f) => f.check === check);
  if (!found) throw new Error(`no finding "${check}" in ${JSON.stringify(findings.map((f) => f.check))}`);
  return found;
}

/** "check=status" for every finding, for compact assertions. */
export function statuses(findings: Finding[]): Record<string, string> {
  return Object.fromEntries(findings.map((f) => [f.check, f.status]));
}
