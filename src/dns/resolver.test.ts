// Lookups of every record type through DnsResolver against the test kit's DNS server on loopback,
// including negative answers, CNAME chains and server errors.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startDnsServer, type TestDnsServer, type Zone } from '../../test/kit/dns-server.js';
import { parseHostPort } from '../config/schema.js';
import { DnsResolver } from './resolver.js';
import { DnsError, type DnsErrorCode } from './types.js';

const LONG = 'v=spf1 ' + 'include:_spf.example.test '.repeat(15) + '~all'; // > 255 bytes

const ZONE: Zone = {
  'example.test': {
    MX: [
      { preference: 20, exchange: 'MX2.Example.Test.' },
      { preference: 10, exchange: 'mx1.example.test' },
      { preference: 20, exchange: 'mx3.example.test' },
    ],
    A: ['192.0.2.10', '192.0.2.11'],
    AAAA: ['2001:db8::10'],
    TXT: ['v=spf1 -all', ['part one,', ' part two'], LONG, 'caf\u00e9'],
  },
  'nomail.test': { MX: [{ preference: 0, exchange: '.' }] },
  'nomail2.test': { MX: [{ preference: 0, exchange: '' }] },
  '192.0.2.10': { PTR: ['mx1.example.test.'] },
  '2001:db8::10': { PTR: ['mx1.example.test'] },
  'www.example.test': { CNAME: 'web.example.test' },
  'web.example.test': { CNAME: 'host.example.test' },
  'host.example.test': { A: ['192.0.2.80'] },
  'away.example.test': { CNAME: 'target.other.test' }, // out of zone: the server sends the CNAME alone
  'loop1.test': { CNAME: 'loop2.test' },
  'loop2.test': { CNAME: 'loop1.test' },
  'broken.test': { fault: 'servfail' },
  'closed.test': { fault: 'refused' },
};

let dns: TestDnsServer;
before(async () => {
  dns = await startDnsServer(ZONE);
});
after(() => dns.close());

/** A fresh resolver (empty cache) asking only the test server. */
function resolver(): DnsResolver {
  return new DnsResolver({ servers: [parseHostPort(dns.server, 53)!], timeoutMs: 2000, attempts: 1, minTtlSeconds: 0, maxTtlSeconds: 86_400, cacheSize: 100 });
}

async function rejectsWith(promise: Promise<unknown>, code: DnsErrorCode): Promise<void> {
  await assert.rejects(promise, (err: unknown) => err instanceof DnsError && err.code === code);
}

test('mx: sorted by preference, ties in server order, exchange lower-cased without the dot', async () => {
  assert.deepEqual(await resolver().mx('Example.TEST.'), [
    { preference: 10, exchange: 'mx1.example.test' },
    { preference: 20, exchange: 'mx2.example.test' },
    { preference: 20, exchange: 'mx3.example.test' },
  ]);
});

test('mx: a null MX comes back as exchange ""', async () => {
  assert.deepEqual(await resolver().mx('nomail.test'), [{ preference: 0, exchange: '' }]);
  assert.deepEqual(await resolver().mx('nomail2.test'), [{ preference: 0, exchange: '' }]);
});

test('a and aaaa', async () => {
  const r = resolver();
  assert.deepEqual(await r.a('example.test'), ['192.0.2.10', '192.0.2.11']);
  assert.deepEqual(await r.aaaa('example.test'), ['2001:db8::10']);
});

test('txt: strings of a record joined, long records reassembled, UTF-8 decoded', async () => {
  assert.deepEqual(await resolver().txt('example.test'), ['v=spf1 -all', 'part one, part two', LONG, 'caf\u00e9']);
});

test('ptr: IPv4 and IPv6 addresses, names without the trailing dot', async () => {
  const r = resolver();
  assert.deepEqual(await r.ptr('192.0.2.10'), ['mx1.example.test']);
  assert.deepEqual(await r.ptr('2001:0db8:0000::0010'), ['mx1.example.test']);
  assert.ok(dns.queries.some((q) => q.type === 'PTR' && q.name === '10.2.0.192.in-addr.arpa'));
  await rejectsWith(r.ptr('not-an-ip'), 'FORMERR');
});

test('NXDOMAIN for an unknown name, NODATA for a known name without that type', async () => {
  const r = resolver();
  await rejectsWith(r.mx('missing.example.test'), 'NXDOMAIN');
  await rejectsWith(r.aaaa('nomail.test'), 'NODATA');
  await rejectsWith(r.ptr('192.0.2.99'), 'NXDOMAIN');
});

test('CNAME chain inside one answer', async () => {
  const before = dns.queries.length;
  assert.deepEqual(await resolver().a('WWW.example.test'), ['192.0.2.80']);
  assert.equal(dns.queries.length - before, 1);
});

test('CNAME to a name outside the answer: the target is queried', async () => {
  const before = dns.queries.length;
  await rejectsWith(resolver().a('away.example.test'), 'NXDOMAIN');
  assert.deepEqual(dns.queries.slice(before).map((q) => q.name), ['away.example.test', 'target.other.test']);
});

test('CNAME loop fails with SERVFAIL', async () => {
  await rejectsWith(resolver().a('loop1.test'), 'SERVFAIL');
});

test('server errors: SERVFAIL and REFUSED', async () => {
  await rejectsWith(resolver().mx('broken.test'), 'SERVFAIL');
  await rejectsWith(resolver().mx('closed.test'), 'REFUSED');
});

test('invalid names fail with FORMERR without a query', async () => {
  const r = resolver();
  const before = dns.queries.length;
  for (const name of ['', '.', 'a..b', '.lead', `${'x'.repeat(64)}.test`, `${'abcdefghi.'.repeat(26)}test`, 'tab\there.test']) {
    await rejectsWith(r.a(name), 'FORMERR');
  }
  assert.equal(dns.queries.length, before);
});

test('fromConfig parses ip:port servers', async () => {
  const r = DnsResolver.fromConfig({ servers: [dns.server], timeoutMs: 2000, attempts: 1, minTtlSeconds: 0, maxTtlSeconds: 60, cacheSize: 10 });
  assert.deepEqual(await r.a('host.example.test'), ['192.0.2.80']);
});
