// The adapter's contract with mailauth: answer shapes, Node error codes for each DnsError, malformed
// names as NXDOMAIN without a query, and PTR by reverse name. Uses a fake Resolver, no network.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DnsError, type Resolver } from '../dns/types.js';
import { mailauthResolver } from './mailauth-resolver.js';

function fake(asked: string[], fail?: DnsError['code']): Resolver {
  const answer = async <T>(what: string, value: T): Promise<T> => {
    asked.push(what);
    if (fail) throw new DnsError(fail, what, 'X');
    return value;
  };
  return {
    mx: (name) => answer(`MX ${name}`, [{ preference: 10, exchange: 'mx.example.test' }]),
    a: (name) => answer(`A ${name}`, ['192.0.2.1']),
    aaaa: (name) => answer(`AAAA ${name}`, ['2001:db8::1']),
    txt: (name) => answer(`TXT ${name}`, ['v=spf1 -all']),
    ptr: (address) => answer(`PTR ${address}`, ['host.example.test']),
  };
}

test('answers take the shapes of dns.promises.resolve', async () => {
  const asked: string[] = [];
  const resolve = mailauthResolver(fake(asked));
  assert.deepEqual(await resolve('example.test.', 'txt'), [['v=spf1 -all']]);
  assert.deepEqual(await resolve('example.test', 'MX'), [{ exchange: 'mx.example.test', priority: 10 }]);
  assert.deepEqual(await resolve('1.2.0.192.in-addr.arpa', 'PTR'), ['host.example.test']);
  const nibbles = '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa';
  await resolve(nibbles, 'PTR');
  assert.deepEqual(asked, ['TXT example.test', 'MX example.test', 'PTR 192.0.2.1', 'PTR 2001:0db8:0000:0000:0000:0000:0000:0001']);
});

test('DnsError codes become the codes mailauth tests for', async () => {
  const cases = { NXDOMAIN: 'ENOTFOUND', NODATA: 'ENODATA', TIMEOUT: 'ETIMEOUT', REFUSED: 'EREFUSED', SERVFAIL: 'ESERVFAIL' } as const;
  for (const [code, node] of Object.entries(cases)) {
    await assert.rejects(mailauthResolver(fake([], code as DnsError['code']))('example.test', 'A'), { code: node });
  }
});

test('a name no query can carry is NXDOMAIN, and nothing is asked', async () => {
  const asked: string[] = [];
  const resolve = mailauthResolver(fake(asked));
  await assert.rejects(resolve(`${'a'.repeat(64)}.example.test`, 'A'), { code: 'ENOTFOUND' });
  await assert.rejects(resolve('a..example.test', 'TXT'), { code: 'ENOTFOUND' });
  assert.deepEqual(asked, []);
});

test('an unsupported record type is NODATA', async () => {
  await assert.rejects(mailauthResolver(fake([]))('example.test', 'CAA'), { code: 'ENODATA' });
});
