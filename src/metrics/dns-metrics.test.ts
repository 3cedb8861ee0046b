// The resolver's onLookup hook against the test kit's DNS server: lookups that go to the server are
// observed by record type, failures included; answers from the cache are not.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startDnsServer, type TestDnsServer } from '../../test/kit/dns-server.js';
import { parseHostPort } from '../config/schema.js';
import { DnsResolver } from '../dns/resolver.js';
import { Metrics } from './metrics.js';

let dns: TestDnsServer;
before(async () => {
  dns = await startDnsServer({ 'mx.test': { MX: [{ preference: 10, exchange: 'in.mx.test' }], ttl: 300 } }, { negativeTtl: 30 });
});
after(() => dns.close());

test('lookups sent to the servers are timed by type; cached answers are not', async () => {
  const metrics = new Metrics({ isSendingDomain: () => false, processMetrics: false });
  const server = parseHostPort(dns.server, 53)!;
  const resolver = new DnsResolver({ servers: [server], timeoutMs: 2000, attempts: 1, minTtlSeconds: 0, maxTtlSeconds: 3600, cacheSize: 10, onLookup: metrics.dnsLookup });
  await resolver.mx('mx.test');
  await resolver.mx('mx.test'); // cached
  await assert.rejects(resolver.a('nothing.test'));
  const text = await metrics.registry.metrics();
  assert.match(text, /^petrel_dns_lookup_seconds_count\{type="MX"\} 1$/m);
  assert.match(text, /^petrel_dns_lookup_seconds_count\{type="A"\} 1$/m);
});
