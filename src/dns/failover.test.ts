// Server selection and transports against the test kit's DNS server: TC falls back to TCP, a silent
// or closed first server hands over to the next, rounds end in TIMEOUT, and IPv6 loopback works.
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { after, before, test } from 'node:test';
import { startDnsServer, type TestDnsServer, type Zone } from '../../test/kit/dns-server.js';
import { parseHostPort } from '../config/schema.js';
import { DnsResolver } from './resolver.js';
import type { DnsServerAddress } from './transport.js';

const MANY_TXT = Array.from({ length: 12 }, (_, i) => `record ${i} ${'x'.repeat(150)}`); // > 1232 bytes together

const ZONE: Zone = {
  'big.test': { fault: 'truncate', MX: [{ preference: 5, exchange: 'mx.big.test' }] },
  'huge.test': { TXT: MANY_TXT },
  'slow.test': { fault: 'timeout', A: ['192.0.2.1'] },
  'ok.test': { A: ['192.0.2.2'] },
  'flaky.test': { fault: 'servfail' },
};

let first: TestDnsServer;
let second: TestDnsServer;
before(async () => {
  first = await startDnsServer(ZONE);
  second = await startDnsServer({ ...ZONE, 'slow.test': { A: ['192.0.2.42'] }, 'flaky.test': { A: ['192.0.2.43'] } });
});
after(async () => {
  await first.close();
  await second.close();
});

function resolver(servers: DnsServerAddress[], timeoutMs = 2000, attempts = 1): DnsResolver {
  return new DnsResolver({ servers, timeoutMs, attempts, minTtlSeconds: 0, maxTtlSeconds: 3600, cacheSize: 100 });
}

const addr = (s: TestDnsServer) => parseHostPort(s.server, 53)!;

/** A UDP port on 127.0.0.1 that nothing listens on (bound, noted, released). */
async function closedPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(resolve));
  return port;
}

test('a truncated UDP answer is repeated over TCP', async () => {
  assert.deepEqual(await resolver([addr(first)]).mx('big.test'), [{ preference: 5, exchange: 'mx.big.test' }]);
  const log = first.queries.filter((q) => q.name === 'big.test').map((q) => q.transport);
  assert.deepEqual(log, ['udp', 'tcp']);
});

test('an answer larger than the advertised UDP size comes over TCP', async () => {
  assert.deepEqual(await resolver([addr(first)]).txt('huge.test'), MANY_TXT);
  assert.deepEqual(first.queries.filter((q) => q.name === 'huge.test').map((q) => q.transport), ['udp', 'tcp']);
});

test('a silent first server hands over to the second', async () => {
  assert.deepEqual(await resolver([addr(first), addr(second)], 500).a('slow.test'), ['192.0.2.42']);
});

test('a SERVFAIL from the first server hands over to the second', async () => {
  assert.deepEqual(await resolver([addr(first), addr(second)]).a('flaky.test'), ['192.0.2.43']);
});

test('a closed port first hands over to the second', async () => {
  const dead = { host: '127.0.0.1', port: await closedPort() };
  assert.deepEqual(await resolver([dead, addr(second)], 2000).a('ok.test'), ['192.0.2.2']);
});

test('after `attempts` rounds of silence the lookup fails with TIMEOUT', async () => {
  const before = first.queries.length;
  await assert.rejects(resolver([addr(first)], 200, 2).a('slow.test'), { code: 'TIMEOUT' });
  assert.equal(first.queries.length - before, 2);
});

test('only closed ports: NETWORK', async () => {
  const dead = { host: '127.0.0.1', port: await closedPort() };
  await assert.rejects(resolver([dead], 2000).a('ok.test'), { code: 'NETWORK' });
});

test('a server on ::1, over UDP and TCP', async (t) => {
  let v6: TestDnsServer;
  try {
    v6 = await startDnsServer(ZONE, { address: '::1' });
  } catch {
    t.skip('no IPv6 loopback here');
    return;
  }
  try {
    assert.match(v6.server, /^\[::1\]:\d+$/);
    const r = DnsResolver.fromConfig({ servers: [v6.server], timeoutMs: 2000, attempts: 1, minTtlSeconds: 0, maxTtlSeconds: 60, cacheSize: 10 });
    assert.deepEqual(await r.a('ok.test'), ['192.0.2.2']);
    assert.deepEqual(await r.mx('big.test'), [{ preference: 5, exchange: 'mx.big.test' }]);
    assert.deepEqual(v6.queries.map((q) => q.transport), ['udp', 'udp', 'tcp']);
  } finally {
    await v6.close();
  }
});
