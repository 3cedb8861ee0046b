// DnsResolver's cache against the test kit's DNS server: TTLs with an injected clock, clamping,
// negative caching, what is never cached, LRU eviction, and identical lookups sharing one query.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startDnsServer, type TestDnsServer, type Zone } from '../../test/kit/dns-server.js';
import { parseHostPort } from '../config/schema.js';
import { DnsResolver, type DnsResolverOptions } from './resolver.js';
import { DnsError } from './types.js';

const ZONE: Zone = {
  'ttl100.test': { A: ['192.0.2.1'], ttl: 100 },
  'ttl5.test': { A: ['192.0.2.5'], ttl: 5 },
  'ttl0.test': { A: ['192.0.2.0'], ttl: 0 },
  'alias.test': { CNAME: 'ttl100.test', ttl: 20 },
  'exists.test': { A: ['192.0.2.7'] },
  'broken.test': { fault: 'servfail' },
  'one.test': { A: ['192.0.2.31'] },
  'two.test': { A: ['192.0.2.32'] },
  'three.test': { A: ['192.0.2.33'] },
};

let dns: TestDnsServer;
let clock = 1_000_000;
before(async () => {
  dns = await startDnsServer(ZONE, { negativeTtl: 30 });
});
after(() => dns.close());

function resolver(overrides: Partial<DnsResolverOptions> = {}): DnsResolver {
  const server = parseHostPort(dns.server, 53)!;
  return new DnsResolver({ servers: [server], timeoutMs: 2000, attempts: 1, minTtlSeconds: 0, maxTtlSeconds: 86_400, cacheSize: 100, now: () => clock, ...overrides });
}

/** How many queries the server received for `name` so far. */
function asked(name: string): number {
  return dns.queries.filter((q) => q.name === name).length;
}

test('a positive answer is served from the cache until its TTL runs out', async () => {
  const r = resolver();
  assert.deepEqual(await r.a('ttl100.test'), ['192.0.2.1']);
  const start = asked('ttl100.test');
  clock += 99_999;
  assert.deepEqual(await r.a('TTL100.test.'), ['192.0.2.1']);
  assert.equal(asked('ttl100.test'), start);
  clock += 1;
  assert.deepEqual(await r.a('ttl100.test'), ['192.0.2.1']);
  assert.equal(asked('ttl100.test'), start + 1);
});

test('TTLs are clamped to [minTtl, maxTtl]; TTL 0 is not cached', async () => {
  const r = resolver({ minTtlSeconds: 30, maxTtlSeconds: 50 });
  await r.a('ttl5.test');
  await r.a('ttl100.test');
  const [short, long] = [asked('ttl5.test'), asked('ttl100.test')];
  clock += 29_000;
  await r.a('ttl5.test');
  assert.equal(asked('ttl5.test'), short, 'TTL 5 raised to 30');
  clock += 21_000;
  await r.a('ttl100.test');
  assert.equal(asked('ttl100.test'), long + 1, 'TTL 100 cut to 50');
  const zero = resolver();
  await zero.a('ttl0.test');
  await zero.a('ttl0.test');
  assert.equal(asked('ttl0.test'), 2);
});

test('a CNAME chain is cached for its shortest TTL', async () => {
  const r = resolver();
  await r.a('alias.test');
  const start = asked('alias.test');
  clock += 19_000;
  await r.a('alias.test');
  assert.equal(asked('alias.test'), start);
  clock += 1_000;
  await r.a('alias.test');
  assert.equal(asked('alias.test'), start + 1);
});

test('NXDOMAIN and NODATA are cached for the SOA minimum', async () => {
  const r = resolver();
  const codes = async () => {
    const results = await Promise.allSettled([r.a('nowhere.test'), r.aaaa('exists.test')]);
    return results.map((res) => (res.status === 'rejected' && res.reason instanceof DnsError ? res.reason.code : 'ok'));
  };
  assert.deepEqual(await codes(), ['NXDOMAIN', 'NODATA']);
  const [nx, nodata] = [asked('nowhere.test'), asked('exists.test')];
  clock += 29_000;
  assert.deepEqual(await codes(), ['NXDOMAIN', 'NODATA']);
  assert.deepEqual([asked('nowhere.test'), asked('exists.test')], [nx, nodata]);
  clock += 1_000;
  assert.deepEqual(await codes(), ['NXDOMAIN', 'NODATA']);
  assert.deepEqual([asked('nowhere.test'), asked('exists.test')], [nx + 1, nodata + 1]);
});

test('SERVFAIL is not cached', async () => {
  const r = resolver();
  await assert.rejects(r.a('broken.test'), { code: 'SERVFAIL' });
  await assert.rejects(r.a('broken.test'), { code: 'SERVFAIL' });
  assert.equal(asked('broken.test'), 2);
});

test('the least recently used entry is evicted beyond cacheSize', async () => {
  const r = resolver({ cacheSize: 2 });
  await r.a('one.test');
  await r.a('two.test');
  await r.a('one.test'); // one is now the most recent
  await r.a('three.test'); // evicts two
  const [one, two] = [asked('one.test'), asked('two.test')];
  await r.a('one.test');
  await r.a('two.test');
  assert.deepEqual([asked('one.test'), asked('two.test')], [one, two + 1]);
});

test('concurrent identical lookups share one query; the results are separate arrays', async () => {
  const r = resolver();
  const start = asked('exists.test');
  const results = await Promise.all([r.a('exists.test'), r.a('EXISTS.test'), r.a('exists.test.'), r.mx('exists.test').catch(() => 'nodata')]);
  assert.deepEqual(results.slice(0, 3), [['192.0.2.7'], ['192.0.2.7'], ['192.0.2.7']]);
  assert.notEqual(results[0], results[1]);
  assert.equal(asked('exists.test'), start + 2, 'one A query and one MX query');
});
